/**
 * What the body of a telemetry request is declared to be: `content-type` must
 * be `application/json`, or `application/jose` for an encrypted body
 * (parameters allowed, a charset only if it is UTF-8), and `content-encoding`,
 * if sent, only `identity`. A body declared as anything else is answered 415
 * before its signature is checked: the receiver would otherwise parse bytes as
 * something their sender did not mean.
 */
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The media type of a plain telemetry body. */
export const JSON_MEDIA_TYPE = 'application/json';

/** RFC 9110 token characters. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})[\\t ]*`);
/** One `; name=value` parameter (the value a token or a quoted string), or an empty one. */
const PARAMETER = new RegExp(`^;[\\t ]*(?:(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))?[\\t ]*`);
const MAX_SHOWN = 64;

/** A refused request: its error and the headers that say what would be accepted. */
export interface ContentRefusal {
  readonly ok: false;
  readonly error: WireError;
  readonly headers: Readonly<Record<string, string>>;
}

/** The declared media type of an acceptable body, or why the body is refused. */
export type ContentCheck = { readonly ok: true; readonly mediaType: string } | ContentRefusal;

function unsupportedType(what: string, accepted: readonly string[]): ContentRefusal {
  return {
    ok: false,
    error: wireError('content-type', `${what}; send "content-type: ${accepted.join('" or "')}" (charset=utf-8 may follow)`, 'unsupported-media-type'),
    headers: { 'accept-post': accepted.join(', ') },
  };
}

/** The media type and parameters of a `content-type` value, or undefined when it is malformed. */
function parseMediaType(value: string): { type: string; parameters: Array<[string, string]> } | undefined {
  let rest = value.trim();
  const head = MEDIA_TYPE.exec(rest);
  if (head === null) return undefined;
  const type = `${head[1]!}/${head[2]!}`.toLowerCase();
  const parameters: Array<[string, string]> = [];
  rest = rest.slice(head[0].length);
  while (rest.length > 0) {
    const parameter = PARAMETER.exec(rest);
    if (parameter === null) return undefined;
    if (parameter[1] !== undefined) {
      const raw = parameter[2]!;
      parameters.push([parameter[1].toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw]);
    }
    rest = rest.slice(parameter[0].length);
  }
  return { type, parameters };
}

/**
 * Checks the `content-type` and `content-encoding` of a request (headers with
 * lowercase names) against the media types the receiver accepts: the one
 * declared, or the refusal to answer with 415.
 *
 * @example
 * checkContentHeaders({ 'content-type': 'application/json; charset=utf-8' }); // { ok: true, mediaType: 'application/json' }
 * checkContentHeaders({ 'content-type': 'text/plain' }); // { ok: false, error: { rule: 'unsupported-media-type', … }, … }
 */
export function checkContentHeaders(headers: Readonly<Record<string, string | undefined>>, accepted: readonly string[] = [JSON_MEDIA_TYPE]): ContentCheck {
  const contentType = headers['content-type'];
  if (contentType === undefined || contentType.trim() === '') return unsupportedType('is missing', accepted);
  const media = parseMediaType(contentType);
  if (media === undefined) return unsupportedType('is not one media type', accepted);
  if (!accepted.includes(media.type)) {
    return unsupportedType(`must be ${accepted.join(' or ')}, got ${media.type.length > MAX_SHOWN ? 'another media type' : media.type}`, accepted);
  }
  for (const [name, value] of media.parameters) {
    if (name === 'charset' && value.toLowerCase() !== 'utf-8') return unsupportedType('declares a charset other than utf-8, but the body must be UTF-8', accepted);
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim() !== '') {
    const codings = encoding.split(',').map((coding) => coding.trim().toLowerCase());
    const other = codings.find((coding) => coding !== 'identity');
    if (other !== undefined) {
      const shown = new RegExp(`^${TOKEN}$`).test(other) && other.length <= MAX_SHOWN ? `the content coding "${other}"` : 'a malformed content coding';
      return {
        ok: false,
        error: wireError('content-encoding', `names ${shown}; send the body as it is, without content-encoding or with "identity"`, 'unsupported-content-encoding'),
        headers: { 'accept-encoding': 'identity' },
      };
    }
  }
  return { ok: true, mediaType: media.type };
}
