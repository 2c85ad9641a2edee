/**
 * The error every wire function returns instead of throwing: a rule id and a
 * one-line message `<where>: <what is wrong> (<rule>)`, plus the details a
 * caller can act on. Never carries a secret, a signature or a payload string.
 */
import type { ValidationError } from './errors.js';

export interface WireError {
  /** Stable id of the broken rule, e.g. `signature-mismatch`, `too-large`, `unsupported-version`. */
  readonly rule: string;
  /** One line: `<where>: <what is wrong> (<rule>)`, and how to fix it when known. */
  readonly message: string;
  /** Every payload or header problem, when the failure is a validation failure. */
  readonly errors?: readonly ValidationError[];
  /** The versions the receiver accepts, on `unsupported-version`. */
  readonly supportedVersions?: readonly number[];
  /** Signed seconds the sender's clock is ahead (+) or behind (−) the receiver's, on a timestamp failure. */
  readonly clockSkewSeconds?: number;
  /** The receiver's tolerance in seconds, either way, on a timestamp failure. */
  readonly toleranceSeconds?: number;
  /**
   * On `window-conflict`: the hex SHA-256 digest of the report the server stored for the window, which a
   * reviewed correction names to supersede it (see docs/wire-protocol.md, "Conflicts").
   */
  readonly storedDigest?: string;
}

export function wireError(where: string, what: string, rule: string, extra: Omit<WireError, 'rule' | 'message'> = {}): WireError {
  return { rule, message: `${where}: ${what} (${rule})`, ...extra };
}
