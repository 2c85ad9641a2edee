import type { TObject } from '@sinclair/typebox';
import type { NotCollected } from './privacy.js';
import type { CrossFieldRule } from './rules.js';

/** One schema version of the wire contract: the payload and everything said about it. */
export interface Contract<P extends TObject = TObject> {
  /** The value of `schemaVersion` on the wire. */
  readonly version: number;
  /** The source file, named in every generated file's header. */
  readonly source: string;
  readonly payload: P;
  /** The HTTP headers sent with the payload, each with its privacy record. */
  readonly headers: TObject;
  /**
   * The other headers that leave the process with every request: HTTP's framing and what the runtime's
   * fetch adds unless the request sets it, each with its privacy record. Ingest neither checks nor stores them.
   */
  readonly transport?: TObject;
  readonly rules: readonly CrossFieldRule[];
  readonly notCollected: readonly NotCollected[];
}

/** Identity function that gives a contract literal its checked type. */
export function defineContract<P extends TObject>(contract: Contract<P>): Contract<P> {
  return contract;
}
