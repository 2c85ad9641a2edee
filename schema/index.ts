/**
 * The registry of schema versions: every version the package knows, and which
 * one uploaders send by default. Generated artifacts, docs and the runtime
 * version dispatch are all derived from this list.
 */
import type { Contract } from './contract.js';
import { v1 } from './v1.js';

export const contracts: readonly Contract[] = [v1];

/** The version new uploaders send. */
export const currentVersion = 1;

export { v1 };
export { processingRecord } from './processing-record.js';
export type { Contract } from './contract.js';
export type { CrossFieldRule } from './rules.js';
export * from './privacy.js';
