import { describe, expect, it } from 'vitest';
import { v1 } from '../schema/index.js';
import type { JsonSchema } from '../scripts/contract/fields.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import type { Colors } from '../scripts/cli/command.js';
import { renderDiff } from '../scripts/governance/diff-render.js';
import { type Change, type ContractState, diffContracts, proseOf } from '../scripts/governance/semantic-diff.js';

const plain: Colors = { red: (t) => t, green: (t) => t, yellow: (t) => t, dim: (t) => t };

type Doc = Record<string, any>;
const base = (): Doc => structuredClone(toJsonSchema(v1)) as Doc;
const state = (...docs: Doc[]): ContractState => ({ versions: new Map(docs.map((d) => [d['properties'].schemaVersion.const as number, d as JsonSchema])) });

/** The changes from v1 to v1 with `mutate` applied, as "class subject: what" lines. */
function changesAfter(mutate: (doc: Doc) => void): string[] {
  const after = base();
  mutate(after);
  // Keyed by registry version, as the real registry does, whatever the document's constant says.
  return diffContracts(state(base()), { versions: new Map([[1, after as JsonSchema]]) }).map((c) => `${c.class} ${c.subject}: ${c.what}`);
}

const record = { purpose: 'How many tenants the deployment hosts.', legalBasis: 'contract', basisNote: 'billing', category: 'usage-aggregate' };

describe('semantic diff', () => {
  it('finds nothing between identical contracts', () => {
    expect(diffContracts(state(base()), state(base()))).toEqual([]);
  });

  describe('wire-breaking', () => {
    it('a removed field', () => {
      expect(changesAfter((d) => delete d.properties.nodeVersion)).toEqual(['wire-breaking nodeVersion: field removed']);
    });
    it('a renamed field, recognised by its unchanged shape', () => {
      expect(
        changesAfter((d) => {
          d.properties.runtimeMajor = d.properties.nodeVersion;
          delete d.properties.nodeVersion;
        }),
      ).toEqual(['wire-breaking runtimeMajor: renamed from nodeVersion']);
    });
    it('a changed type', () => {
      expect(changesAfter((d) => (d.properties.seatLimitHit.type = 'integer'))).toEqual(['wire-breaking seatLimitHit: type changed from "boolean" to "integer"']);
    });
    it('a tightened bound', () => {
      expect(changesAfter((d) => (d.properties.featuresUsed.maxItems = 128))).toEqual(['wire-breaking featuresUsed: maxItems lowered: 256 → 128']);
      expect(changesAfter((d) => (d.properties.appVersion.minLength = 8))).toEqual(['wire-breaking appVersion: minLength raised: 7 → 8']);
    });
    it('a changed pattern, since a narrower one cannot be ruled out', () => {
      expect(changesAfter((d) => (d.properties.nodeVersion.pattern = '^[1-9][0-9]?$'))).toEqual([
        'wire-breaking nodeVersion: pattern changed: "^[1-9][0-9]{0,2}$" → "^[1-9][0-9]?$"',
      ]);
    });
    it('a new required field, which is also new data', () => {
      expect(
        changesAfter((d) => {
          d.properties.tenants = { type: 'integer', minimum: 0, maximum: 10, description: record.purpose, 'x-privacy': record };
          d.required.push('tenants');
        }),
      ).toEqual(['wire-breaking tenants: required field added', 'privacy-relevant tenants: new data collected']);
    });
    it('an optional field made required', () => {
      expect(changesAfter((d) => d.required.push('appVersion'))).toEqual(['wire-breaking appVersion: now required']);
    });
    it('a changed version constant', () => {
      expect(changesAfter((d) => (d.properties.schemaVersion.const = 3))).toContain('wire-breaking schemaVersion: version constant changed from 1 to 3');
    });
    it('a new cross-field rule', () => {
      expect(changesAfter((d) => d['x-rules'].push({ id: 'seats-within-provisioned', kind: 'instant-before', earlier: '/a', later: '/b', meaning: 'x' }))).toEqual([
        'wire-breaking rule seats-within-provisioned: rule added',
      ]);
    });
    it('a header whose format narrows', () => {
      expect(changesAfter((d) => (d['x-headers'].properties['x-telemetry-license-id'].maxLength = 64))).toEqual([
        'wire-breaking header x-telemetry-license-id: maxLength lowered: 128 → 64',
      ]);
    });
    it('a removed version', () => {
      expect(diffContracts(state(base()), { versions: new Map() }).map((c) => `${c.class} ${c.subject}`)).toEqual(['wire-breaking v1']);
    });
  });

  describe('wire-additive', () => {
    it('a new optional field, which is also new data', () => {
      const changes = changesAfter((d) => (d.properties.tenants = { type: 'integer', minimum: 0, maximum: 10, description: record.purpose, 'x-privacy': record }));
      expect(changes).toEqual(['wire-additive tenants: optional field added', 'privacy-relevant tenants: new data collected']);
    });
    it('a loosened bound and a field made optional', () => {
      expect(
        changesAfter((d) => {
          d.properties.featuresUsed.maxItems = 512;
          d.required = d.required.filter((name: string) => name !== 'seatLimitHit');
        }),
      ).toEqual(['wire-additive seatLimitHit: now optional', 'wire-additive featuresUsed: maxItems raised: 256 → 512']);
    });
  });

  describe('privacy-relevant', () => {
    it.each([
      ['purpose', 'Counts users for marketing.'],
      ['legalBasis', 'consent'],
      ['basisNote', 'upselling'],
      ['category', 'customer-identity'],
      ['retention', 'P800D'],
    ])('a changed %s, carrying the record as it is now', (key, value) => {
      const after = base();
      after.properties.activeSeats['x-privacy'][key] = value;
      const changes = diffContracts(state(base()), state(after));
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ class: 'privacy-relevant', subject: 'activeSeats', privacy: { [key]: value } });
      expect(changes[0]!.what).toContain(`${key} changed`);
    });
    it('an entry removed from what is not collected', () => {
      expect(changesAfter((d) => d['x-not-collected'].splice(4, 1))).toEqual([
        'privacy-relevant not collected: Geolocation: removed from the list of data deliberately not collected',
      ]);
    });
  });

  describe('new versions', () => {
    it('compares a new version with its predecessor: a new required field is what it is, wire-breaking for an uploader moving to it', () => {
      const v2 = base();
      v2.properties.schemaVersion.const = 2;
      v2.properties.tenants = { type: 'integer', minimum: 0, maximum: 10, description: record.purpose, 'x-privacy': record };
      v2.required.push('tenants');
      v2.properties.nodeVersion.maxLength = 4;
      const changes: Change[] = diffContracts(state(base()), state(base(), v2));
      expect(changes.map((c) => `${c.class} v${c.version} ${c.subject}: ${c.what}`)).toEqual([
        'wire-additive v2 v2: new version, compared below with v1',
        'wire-breaking v2 tenants: required field added',
        'privacy-relevant v2 tenants: new data collected',
        'wire-additive v2 nodeVersion: maxLength raised: 3 → 4',
      ]);
      expect(new Set(changes.map((c) => c.stage))).toEqual(new Set(['new version']));
    });

    it('renders the version once, never "v2 v2", and advice that fits a new version: nobody breaks, nothing about releasing', () => {
      const v2 = base();
      v2.properties.schemaVersion.const = 2;
      v2.properties.tenants = { type: 'integer', minimum: 0, maximum: 10, description: record.purpose, 'x-privacy': record };
      v2.required.push('tenants');
      const text = renderDiff(diffContracts(state(base()), state(base(), v2)), 'main', 'text', plain);
      expect(text).toContain('\n  v2: new version, compared below with v1\n');
      expect(text).not.toMatch(/\bv2 v2\b/);
      expect(text).toContain('wire-breaking\n  v2 tenants: required field added\n');
      expect(text).toContain('note: v2 is a new version: none of its changes breaks an installation');
      expect(text).not.toContain('once a version is released');
    });

    it('advises a draft changed in place and a released version differently', () => {
      const loosened = base();
      loosened.properties.featuresUsed.maxItems = 512;
      const draft = renderDiff(diffContracts(state(base()), state(loosened)), 'main', 'text', plain);
      expect(draft).toContain('note: v1 is a draft: it changes in place until it is released');
      expect(draft).not.toContain('is released, so');
      const released = renderDiff(diffContracts({ ...state(base()), released: new Set([1]) }, state(loosened)), 'main', 'text', plain);
      expect(released).toContain('note: v1 is released, so what it validates is frozen');
      expect(released).not.toContain('is a draft');
    });

    it('compares a new version with its predecessor as last approved, so a pending amendment of the predecessor is not the new version\'s', () => {
      const approved = base();
      approved.properties.activeSeats['x-privacy'].retention = 'P200D';
      const v2 = base();
      v2.properties.schemaVersion.const = 2;
      v2.properties.activeSeats['x-privacy'].retention = 'P200D';
      const head = { ...state(base(), v2), approved: new Map([[1, approved as JsonSchema]]) };
      expect(diffContracts(state(base()), head).map((c) => `${c.class} v${c.version} ${c.subject}: ${c.what}`)).toEqual(['wire-additive v2 v2: new version, compared below with v1 as last approved']);
    });
  });

  describe('amendments of a released version', () => {
    it('are privacy-relevant and marked as amendments, never wire changes: retention, owner, review date', () => {
      const after = base();
      after.properties.activeSeats['x-privacy'].retention = 'P30D';
      after.properties.activeSeats['x-privacy'].owner = 'Revenue Operations';
      after.properties.seatLimitHit['x-privacy'].reviewBy = '2028-05-31';
      const changes = diffContracts({ ...state(base()), released: new Set([1]) }, state(after));
      expect(changes.map((c) => `${c.class} ${c.amendment === true ? 'amendment' : ''} ${c.subject}: ${c.what}`)).toEqual([
        'privacy-relevant amendment activeSeats: retention changed: "P400D" → "P30D"',
        'privacy-relevant amendment activeSeats: owner changed: "Customer Success" → "Revenue Operations"',
        'privacy-relevant amendment seatLimitHit: reviewBy changed: "2027-05-31" → "2028-05-31"',
      ]);
    });
  });

  describe('docs-only', () => {
    const doc = (prose: string, part: string) => `# T\n\n${prose}\n\n<!-- generated:fields v1 -->\n\n${part}\n\n<!-- /generated -->\n`;
    it('prose outside the generated parts', () => {
      const changes = diffContracts({ ...state(base()), document: doc('old words', 'x') }, { ...state(base()), document: doc('new words', 'x') });
      expect(changes).toEqual([expect.objectContaining({ class: 'docs-only', subject: 'docs/telemetry.md' })]);
    });
    it('but not a change inside a generated part', () => {
      expect(proseOf(doc('same', 'one table'))).toBe(proseOf(doc('same', 'another table')));
      expect(diffContracts({ ...state(base()), document: doc('same', 'a') }, { ...state(base()), document: doc('same', 'b') })).toEqual([]);
    });
  });
});
