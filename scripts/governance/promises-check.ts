/**
 * The check behind "How each promise is kept": every promise of the audit
 * document has an entry in schema/promises.ts that names what keeps it, every
 * keeper it names exists (a keyword of the schema, a rule of the contract, a
 * rule of the privacy lint, a rule id or function of src/), and every test it
 * names is there, by file and name. The rule ids a field's `values.keptBy`
 * names are held to the same. Work still pending is a warning until it lands.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import type { Registry } from '../contract/registry.js';
import { PROMISES_FILE } from '../contract/registry.js';
import { type ContractPromise, keepingOf, listPromises, parseKeeper, parseTestRef, refersTo } from '../contract/promises.js';
import type { JsonSchema } from '../contract/fields.js';
import { listContractFields } from '../contract/fields.js';
import { LINT_RULES } from '../lint/index.js';
import { keepersOf } from '../lint/values.js';

/** The published runtime's source, where a `runtime:` keeper must be found. */
const RUNTIME_DIR = 'src';

function sourceText(root: string, dir: string): string {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(join(root, at), { withFileTypes: true })) {
      const path = `${at}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(readFileSync(join(root, path), 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A rule id as the code answers with it (a string literal), or a function the code defines and calls. */
function inRuntime(source: string, id: string): boolean {
  return source.includes(`'${id}'`) || source.includes(`"${id}"`) || new RegExp(`function ${escape(id)}\\b|\\b${escape(id)}\\(`).test(source);
}

/** A test's name as written in its file: in quotes, a `'` maybe escaped. */
function hasTest(text: string, title: string): boolean {
  return [title, title.replace(/'/g, "\\'")].some((t) => text.includes(`'${t}'`) || text.includes(`"${t}"`) || text.includes(`\`${t}\``));
}

const short = (promise: ContractPromise) => (promise.kind === 'measure' ? `the measure "${promise.text.slice(0, 60)}${promise.text.length > 60 ? '…' : ''}"` : promise.kind === 'not-collected' ? `"not collected: ${promise.name}"` : `the balancing test of ${promise.name}`);

export interface PromiseCheck {
  readonly errors: readonly Finding[];
  /** Promises and values kept by work still pending: reported, never failing. */
  readonly warnings: readonly Finding[];
}

/** Holds schema/promises.ts and the fields' `values.keptBy` to what exists in the checkout at `root`. */
export function checkPromises(root: string, registry: Registry, schemas: ReadonlyMap<number, JsonSchema>): PromiseCheck {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const error = (where: string, what: string, rule: string, fix: string) => errors.push({ where, what, rule, fix, severity: 'error' });
  const versions = registry.contracts.map((contract) => ({ contract, schema: schemas.get(contract.version)! }));
  const promises = listPromises({ versions, ...(registry.processingRecord === undefined ? {} : { processingRecord: registry.processingRecord }) });
  const keepers = registry.promises ?? [];
  const runtime = sourceText(root, RUNTIME_DIR);
  const schemaText = versions.map((v) => JSON.stringify(v.schema)).join('\n');
  const rules = new Set(registry.contracts.flatMap((c) => c.rules.map((r) => r.id)));
  const tests = new Map<string, string | undefined>();
  const testText = (file: string) => {
    if (!tests.has(file)) tests.set(file, existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : undefined);
    return tests.get(file);
  };

  /** Checks one keeper where it is named; true when it keeps something now (neither unknown nor pending). */
  const keeper = (where: string, named: string, pending: (what: string) => void): void => {
    const { kind, what, whose } = parseKeeper(named);
    const unknown = (thing: string, fix: string) => error(where, `names ${thing} "${what}", which does not exist`, 'keeper-unknown', fix);
    if (kind === 'schema' && !schemaText.includes(`"${what}"`)) unknown('the JSON Schema keyword', 'name a keyword the schema has, or the keeper that does the work');
    else if (kind === 'rule' && !rules.has(what)) unknown('the contract rule', `name one of ${[...rules].join(', ')}`);
    else if (kind === 'lint' && !Object.hasOwn(LINT_RULES, what)) unknown('the lint rule', `name one of ${Object.keys(LINT_RULES).join(', ')}`);
    else if (kind === 'runtime' && !inRuntime(runtime, what)) unknown(`the runtime rule or function (no '${what}' in ${RUNTIME_DIR}/)`, 'name the rule id the code answers with, or build what keeps the promise');
    else if (kind === 'duty' && whose === undefined) error(where, `names a duty without saying whose: "${named}"`, 'keeper-unknown', 'write duty:<whose>: <what>, e.g. duty:operator: encrypt the disks that hold the database');
    else if (kind === 'pending') pending(what);
    else if (!['schema', 'rule', 'lint', 'runtime', 'duty', 'pending'].includes(kind)) error(where, `names "${named}", which is no kind of keeper`, 'keeper-unknown', 'start it with schema:, rule:, lint:, runtime:, duty: or pending:');
  };

  for (const promise of promises) {
    const entry = keepingOf(promise, keepers);
    const where = PROMISES_FILE;
    if (entry === undefined || entry.keptBy.length === 0) {
      error(where, `${short(promise)} names nothing that keeps it`, 'promise-unkept', 'add an entry: what keeps it (schema:, rule:, lint:, runtime:, or duty:<whose>: for what this package cannot do) and the tests that prove it');
      continue;
    }
    for (const named of entry.keptBy) {
      keeper(where, named, (what) =>
        warnings.push({ where, what: `${short(promise)} is not kept yet: ${what}`, rule: 'promise-pending', fix: 'replace the pending keeper with the rule id and test that keep it, once that work has landed', severity: 'warning' }),
      );
    }
    const provable = entry.keptBy.some((k) => !['duty', 'pending'].includes(parseKeeper(k).kind));
    if (provable && entry.provedBy.length === 0) error(where, `${short(promise)} names no test that proves it`, 'promise-unproved', 'name the test, as `<test file>: <test name>`');
    for (const ref of entry.provedBy) {
      const test = parseTestRef(ref);
      const text = test === undefined ? undefined : testText(test.file);
      if (test === undefined) error(where, `${short(promise)} names the test "${ref}", which is not <file>: <name>`, 'promise-test-missing', 'write it as `test/…/x.test.ts: <the name given to it()>`');
      else if (text === undefined) error(where, `${short(promise)} names the test file ${test.file}, which does not exist`, 'promise-test-missing', 'name a test file of the repository');
      else if (!hasTest(text, test.title)) error(where, `${short(promise)} names the test "${test.title}", which ${test.file} does not have`, 'promise-test-missing', 'use the exact name given to it() or test()');
    }
  }
  for (const entry of keepers) {
    if (!promises.some((promise) => refersTo(entry.promise, promise))) {
      error(PROMISES_FILE, `an entry names ${JSON.stringify(entry.promise)}, which the audit document no longer promises`, 'promise-stale', 'remove the entry, or point it at the promise as it reads now');
    }
  }
  for (const { contract, schema } of versions) {
    for (const field of listContractFields(schema)) {
      const where = `${contract.source} ${field.header === true ? `header ${field.path}` : field.path}`;
      for (const named of keepersOf(field)) {
        keeper(where, named.text, (what) =>
          warnings.push({ where, what: `what its values can be is not kept yet: ${what}`, rule: 'promise-pending', fix: 'replace the pending keeper in values.keptBy with the rule id that keeps it, once that work has landed', severity: 'warning' }),
        );
      }
    }
  }
  return { errors, warnings };
}
