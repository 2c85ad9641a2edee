/**
 * "What exactly do you send about us?": a window of the outbox as it travels,
 * for `show`, `preview` and `telemetry-outbox show`. The body is the stored
 * text, byte for byte; the headers are every header a flush sends but the
 * signature, the customer header as sent (the mask when masking is on). What
 * a flush computes for each attempt (the signing time, the signature, the
 * encryption's IV) is named, never shown: the signature would prove nothing to
 * a reader, and it is made from the secret.
 */
import { JOSE_MEDIA_TYPE } from '../wire/jwe.js';
import { JSON_MEDIA_TYPE } from '../wire/content-type.js';
import { runtimeHeaders } from '../wire/contract-headers.js';
import { TELEMETRY_PATH } from '../wire/paths.js';
import type { Delivery, OutboxRecord, RecordProblem, Window } from './record.js';
import { refusalStep } from './refusal-step.js';

/** Where a window stands, in an administrator's words: `preview` is a window not in the outbox. */
export type ShownState = 'waiting' | 'refused' | 'delivered' | 'discarded' | 'preview';

/** A window as it travels. Holds no secret and no signature. */
export interface WindowView {
  readonly messageId: string;
  readonly window: Window;
  readonly state: ShownState;
  /** One line: since when it waits, why it was refused, when it was delivered. */
  readonly stateText: string;
  readonly method: 'POST';
  readonly path: string;
  /**
   * Every header the request carries, in the order sent, but the signature; `webhook-timestamp`
   * is the time of each attempt, so it is `null` here.
   */
  readonly headers: Readonly<Record<string, string | null>>;
  /** True when the body travels encrypted (a JWE, `application/jose`): `body` is then what is encrypted, afresh for each attempt. */
  readonly encrypted: boolean;
  /** The body exactly as sent (before encryption), as text. */
  readonly body: string;
  readonly bytes: number;
  readonly bodySha256: string;
  readonly schemaVersion: number;
  readonly enqueuedAt?: string;
  readonly attempts?: number;
  readonly lastError?: RecordProblem;
  readonly failure?: RecordProblem;
  readonly delivered?: Delivery;
}

const problemText = (p: RecordProblem) => `${p.status ?? 'no answer'} ${p.rule}: ${p.message}`;

function stateOf(record: OutboxRecord, preview: boolean): { state: ShownState; stateText: string } {
  if (preview) return { state: 'preview', stateText: 'not in the outbox: this is what enqueue would store and send' };
  if (record.state === 'delivered') {
    const d = record.delivered;
    const projected = d?.projection ? `, sent as v${d.projection.to} by projection${d.projection.dropped.length > 0 ? ` without ${d.projection.dropped.join(', ')}` : ''}` : '';
    const how = d?.bundleId ? `, by the receipt of bundle ${d.bundleId}` : '';
    const corrected = d?.superseded ? `, superseding the stored report ${d.superseded}` : '';
    return {
      state: 'delivered',
      stateText: `delivered ${d?.at ?? '(time not recorded)'}${d ? ` (${d.status}${d.superseded ? ' corrected' : d.status === 201 ? ' stored' : d.status === 200 ? ' already stored' : ''})` : ''}${projected}${how}${corrected}`,
    };
  }
  if (record.state === 'discarded') return { state: 'discarded', stateText: `discarded ${record.discarded?.at ?? ''}: ${record.discarded?.reason ?? ''}` };
  if (record.state === 'failed') {
    const step = refusalStep(record.failure?.rule, record.messageId) ?? `telemetry-outbox retry ${record.messageId} once the cause is fixed`;
    return { state: 'refused', stateText: `refused ${record.failure?.at ?? ''}${record.failure ? `: ${problemText(record.failure)}` : ''}; ${step}` };
  }
  const tried = record.attempts === 0 ? 'not sent yet' : `${record.attempts} attempt${record.attempts === 1 ? '' : 's'} so far${record.lastError ? `, the last: ${problemText(record.lastError)}` : ''}`;
  const as = record.supersedes ? `, as a correction of the stored report ${record.supersedes}` : '';
  const exported = record.exported ? `; exported in bundle ${record.exported.bundleId} ${record.exported.at}, no receipt yet` : '';
  return { state: 'waiting', stateText: `waiting since ${record.enqueuedAt}${as}: ${tried}${exported}` };
}

/**
 * The view of a record (or, with `preview`, of a window not stored). `encrypt`
 * says whether the outbox sends encrypted, which decides the content type.
 */
export function windowView(record: OutboxRecord, options: { readonly encrypt: boolean; readonly preview?: boolean }): WindowView {
  const { state, stateText } = stateOf(record, options.preview === true);
  return {
    messageId: record.messageId,
    window: record.window,
    state,
    stateText,
    method: 'POST',
    path: TELEMETRY_PATH,
    headers: {
      'content-type': options.encrypt ? JOSE_MEDIA_TYPE : JSON_MEDIA_TYPE,
      'webhook-id': record.messageId,
      'webhook-timestamp': null,
      'x-telemetry-customer': record.customer,
      'x-telemetry-license-id': record.licenseId,
      'x-telemetry-schema-version': String(record.schemaVersion),
      // The transport headers the uploader sets (user-agent, accept, …); HTTP adds host and content-length.
      ...runtimeHeaders(record.schemaVersion),
    },
    encrypted: options.encrypt,
    body: record.body,
    bytes: record.bytes,
    bodySha256: record.bodySha256,
    schemaVersion: record.schemaVersion,
    ...(options.preview === true
      ? {}
      : {
          enqueuedAt: record.enqueuedAt,
          attempts: record.attempts,
          ...(record.lastError ? { lastError: record.lastError } : {}),
          ...(record.failure ? { failure: record.failure } : {}),
          ...(record.delivered ? { delivered: record.delivered } : {}),
        }),
  };
}

/** The body pretty-printed (two spaces), keys in the order sent; the raw text when it does not parse (it always should). */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/**
 * The view as text: a summary, then the request as it goes on the wire
 * (request line, headers, a blank line, the body: pretty-printed, or with
 * `raw` the exact bytes, without a newline added).
 */
export function windowText(view: WindowView, options: { readonly raw?: boolean } = {}): string {
  const lines = [
    `message id  ${view.messageId}`,
    `window      ${view.window.start}…${view.window.end}`,
    `state       ${view.state}: ${view.stateText}`,
    `body        ${view.bytes} bytes, SHA-256 ${view.bodySha256}, schema v${view.schemaVersion}`,
  ];
  if (view.encrypted) lines.push('encrypted   the body travels as a JWE (application/jose), encrypted afresh for each attempt; shown here as it is before encryption');
  lines.push('', `${view.method} ${view.path}`);
  for (const [name, value] of Object.entries(view.headers)) lines.push(`${name}: ${value ?? '(the Unix time of each attempt)'}`);
  lines.push('webhook-signature: (not shown: computed for each attempt from the signing secret)', '');
  return `${lines.join('\n')}\n${options.raw === true ? view.body : `${prettyBody(view.body)}\n`}`;
}
