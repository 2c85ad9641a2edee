/**
 * The one ajv configuration the repo compiles with: draft 2020-12, strict mode,
 * every error reported, own properties only, the contract's `x-` annotations
 * registered as a vocabulary, and the formats from src/contract/formats.ts (the same
 * functions the shipped validators inline).
 */
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { RULES_KEYWORD } from '../../schema/rules.js';
import { formats } from '../../src/contract/formats.js';
import { HEADERS_KEYWORD, NOT_COLLECTED_KEYWORD, TRANSPORT_HEADERS_KEYWORD } from './json-schema.js';

export const ANNOTATION_KEYWORDS = [PRIVACY_KEYWORD, RULES_KEYWORD, NOT_COLLECTED_KEYWORD, HEADERS_KEYWORD, TRANSPORT_HEADERS_KEYWORD] as const;

export function createAjv(options: Options = {}): Ajv2020 {
  // ownProperties: a member name objects inherit (`toString`, `constructor`, `__proto__`) counts only
  // when the payload has it; by default ajv takes `({}).toString` for a present `toString`.
  const ajv = new Ajv2020({ strict: true, allErrors: true, ownProperties: true, ...options });
  ajv.addVocabulary([...ANNOTATION_KEYWORDS]);
  for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
  return ajv;
}
