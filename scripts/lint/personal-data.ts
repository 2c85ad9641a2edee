/**
 * Fields that look like personal data or secrets by their name or their
 * description, or whose default or example value looks like one. Telemetry
 * is aggregate: such a field needs an exception with a justification, or a
 * different design.
 */
import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { isSchemaObject, listContractFields } from '../contract/fields.js';
import type { Finding } from '../cli/findings.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

/** Personal-data and secret names, as sequences of name tokens (`userId`, `user_id` and `user-id` all give user, id). */
const BUILT_IN_NAMES: ReadonlyArray<readonly string[]> = [
  ['user', 'id'], ['userid'], ['uid'], ['user', 'name'], ['username'],
  ['email'], ['e', 'mail'], ['mail', 'address'],
  ['ip'], ['ip', 'address'], ['ipaddress'], ['ipv4'], ['ipv6'],
  ['user', 'agent'], ['useragent'],
  ['name'], ['first', 'name'], ['last', 'name'], ['full', 'name'], ['surname'],
  ['phone'], ['telephone'], ['mobile'], ['msisdn'],
  ['address'], ['street'], ['postcode'], ['zip', 'code'],
  ['token'], ['password'], ['passwd'], ['pwd'], ['secret'], ['api', 'key'], ['apikey'], ['credential'], ['credentials'],
  ['session'], ['session', 'id'], ['sessionid'], ['cookie'], ['cookies'],
  ['ssn'], ['birthday'], ['date', 'of', 'birth'], ['dob'],
];

/** Phrases that, in a description, say the field holds personal data or a secret. */
const BUILT_IN_PHRASES = ['user id', 'e-mail', 'email address', 'ip address', 'user agent', 'phone number', 'home address', 'postal address', 'password', 'api key', 'access token', 'session id', 'session token', 'cookie', 'date of birth', 'full name', 'first name', 'last name'];

/** `ipAddress` → ip, address; `user_id` → user, id; `x-telemetry-license-id` → x, telemetry, license, id. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/\[\]/g, '')
    .split('.')
    .pop()!
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((t) => t.toLowerCase());
}

function containsRun(tokens: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= tokens.length; i++) if (run.every((t, j) => tokens[i + j] === t)) return true;
  return false;
}

function phrasePattern(phrase: string): RegExp {
  return new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[\s-]+/g, '[\\s_-]*')}s?\\b`, 'i');
}

/** The contract's own "not collected" examples, as name-token runs and description phrases. */
function notCollected(schema: Readonly<Record<string, unknown>>): Array<{ label: string; tokens: string[]; pattern: RegExp }> {
  const entries = (schema['x-not-collected'] ?? []) as Array<{ what: string; examples: string[] }>;
  return entries.flatMap((entry) => entry.examples.map((example) => ({ label: `"${example}" (${entry.what}, not collected)`, tokens: nameTokens(example.replace(/\s+/g, '-')), pattern: phrasePattern(example) })));
}

export function* checkPersonalDataName({ schema }: LintContext): Iterable<Omit<Finding, 'rule' | 'severity'>> {
  const listed = notCollected(schema);
  for (const field of listContractFields(schema)) {
    if (field.isItems) continue;
    const tokens = nameTokens(field.path);
    const byName = BUILT_IN_NAMES.find((run) => containsRun(tokens, run));
    const byList = listed.find((entry) => containsRun(tokens, entry.tokens));
    const description = typeof field.schema['description'] === 'string' ? field.schema['description'] : '';
    const byPhrase = BUILT_IN_PHRASES.find((phrase) => phrasePattern(phrase).test(description));
    const byListPhrase = listed.find((entry) => entry.pattern.test(description));
    const fix = 'collect an aggregate instead, or add an exception with a written justification to the privacy record';
    if (byName) yield { where: fieldName(field), what: `its name looks like personal data or a secret ("${byName.join(' ')}")`, fix };
    else if (byList) yield { where: fieldName(field), what: `its name matches ${byList.label}`, fix };
    else if (byPhrase) yield { where: fieldName(field), what: `its description mentions personal data or a secret ("${byPhrase}")`, fix };
    else if (byListPhrase) yield { where: fieldName(field), what: `its description mentions ${byListPhrase.label}`, fix };
  }
}

const LOOKS_PERSONAL: ReadonlyArray<[string, RegExp]> = [
  ['an email address', /[^\s@]+@[^\s@]+\.[a-z]{2,}/i],
  ['an IPv4 address', /\b(?:\d{1,3}\.){3}\d{1,3}\b/],
  ['an IPv6 address', /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/i],
  ['a phone number', /\+?\d[\d ()-]{8,}\d/],
  ['a secret or token', /\b(whsec_|sk_|pk_|ghp_|xox[bp]-|eyJ)[A-Za-z0-9_-]{6,}/],
];

function* strings(value: unknown): Iterable<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) yield* strings(item);
}

export function* checkPersonalDefault({ schema }: LintContext): Iterable<Omit<Finding, 'rule' | 'severity'>> {
  for (const field of listContractFields(schema)) {
    for (const keyword of ['default', 'examples'] as const) {
      for (const value of strings(field.schema[keyword])) {
        const match = LOOKS_PERSONAL.find(([, pattern]) => pattern.test(value));
        if (match) {
          yield { where: fieldName(field), what: `its ${keyword} value looks like ${match[0]}`, fix: `use an obviously fictitious ${keyword} value, or none` };
          break;
        }
      }
    }
  }
  if (isSchemaObject(schema['examples']) || Array.isArray(schema['examples'])) {
    for (const value of strings(schema['examples'])) {
      const match = LOOKS_PERSONAL.find(([, pattern]) => pattern.test(value));
      if (match) {
        yield { where: '(payload examples)', what: `an example value looks like ${match[0]}`, fix: 'use obviously fictitious example values' };
        break;
      }
    }
  }
}
