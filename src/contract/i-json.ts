/**
 * I-JSON (RFC 7493): the rules that make one JSON text mean the same thing to
 * every parser. `JSON.parse` keeps the last of two members with the same name
 * and accepts lone surrogates, so a receiver in another language, which keeps
 * the first or refuses, could read other values from the same signed bytes.
 * This module reads the text itself, after `JSON.parse` has accepted it:
 *
 * - member names are unique within an object, compared after unescaping
 *   (`"activeSeats"` and `"active\u0053eats"` are the same name);
 * - strings and member names hold no unpaired surrogate and no Unicode
 *   noncharacter, escaped or not;
 * - no byte-order mark before the text.
 *
 * Numbers need nothing here: the contract's schema bounds every number it has.
 */
import { type ValidationError, makeError, receivedPointerToken, shownName } from './errors.js';

const I_JSON = 'I-JSON (RFC 7493)';

/** A byte-order mark's message, or undefined: UTF-8's (EF BB BF, which TextDecoder would drop silently) or a UTF-16 one. */
export function byteOrderMark(text: string | Uint8Array): ValidationError | undefined {
  if (typeof text === 'string') {
    return text.charCodeAt(0) === 0xfeff ? makeError('', `starts with a byte-order mark (U+FEFF), which ${I_JSON} forbids; send the JSON text without it`, 'byte-order-mark') : undefined;
  }
  if (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) {
    return makeError('', `starts with a UTF-8 byte-order mark (EF BB BF), which ${I_JSON} forbids; send the JSON text without it`, 'byte-order-mark');
  }
  if ((text[0] === 0xff && text[1] === 0xfe) || (text[0] === 0xfe && text[1] === 0xff)) {
    return makeError('', 'starts with a UTF-16 byte-order mark; the body must be UTF-8 JSON text without one', 'byte-order-mark');
  }
  return undefined;
}

/** One open object or array while the text is read. */
interface Frame {
  object: boolean;
  /** Names seen so far in an object, in order; a Set once there are many. */
  names: string[] | Set<string> | undefined;
  /** The member name or item index of the value being read: the last token of its pointer. */
  token: string | number;
}

/** Past this many members an object's names go into a Set; below it a scan of a short array is cheaper. */
const SET_AFTER = 12;

const hex = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`;

function pointer(stack: readonly Frame[], depth: number): string {
  let out = '';
  // Member names are the sender's: a long or odd one is named by its length, never echoed.
  for (let i = 0; i < depth; i++) out += `/${receivedPointerToken(String(stack[i]!.token))}`;
  return out;
}

/** Whether the code point is a Unicode noncharacter: U+FDD0 to U+FDEF, or one ending in FFFE or FFFF. */
function isNoncharacter(codePoint: number): boolean {
  return (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe;
}

/** The four hex digits at `at` as a number (the text is valid JSON, so they are hex digits). */
function hexAt(text: string, at: number): number {
  return Number.parseInt(text.slice(at, at + 4), 16);
}

/**
 * The first I-JSON problem of a text `JSON.parse` has accepted, or undefined.
 * Its path is the JSON Pointer of the object that repeats a name, or of the
 * string (or, for a member name, of its object) that holds a bad character.
 *
 * @example
 * iJsonProblem('{"a":1,"\\u0061":2}'); // { path: '', rule: 'duplicate-key', … }
 */
export function iJsonProblem(text: string): ValidationError | undefined {
  const stack: Frame[] = [];
  let depth = 0;
  let expectName = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: find its end, and check what it holds on the way.
      const start = i + 1;
      let escaped = false;
      let problem: string | undefined;
      let rule = '';
      for (i = start; i < length; i++) {
        const u = text.charCodeAt(i);
        if (u === 0x22) break;
        if (u === 0x5c) {
          escaped = true;
          if (text.charCodeAt(i + 1) !== 0x75) {
            i++;
            continue;
          }
          const unit = hexAt(text, i + 2);
          i += 5;
          if (unit < 0xd800 || unit > 0xdfff) {
            if (unit >= 0xfdd0 && isNoncharacter(unit) && problem === undefined) [problem, rule] = [`the Unicode noncharacter U+${unit.toString(16).toUpperCase()}`, 'noncharacter'];
            continue;
          }
          // A high surrogate escape must be followed by a low one; a low one must not come alone.
          const low = unit <= 0xdbff && text.charCodeAt(i + 1) === 0x5c && text.charCodeAt(i + 2) === 0x75 ? hexAt(text, i + 3) : -1;
          if (low >= 0xdc00 && low <= 0xdfff) {
            i += 6;
            const codePoint = ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
            if (isNoncharacter(codePoint) && problem === undefined) [problem, rule] = [`the Unicode noncharacter U+${codePoint.toString(16).toUpperCase()}`, 'noncharacter'];
          } else if (problem === undefined) {
            [problem, rule] = [`an unpaired surrogate escape (${hex(unit)})`, 'unpaired-surrogate'];
          }
        } else if (u >= 0xd800) {
          // Raw characters: only a string handed over as text can hold a lone surrogate (UTF-8 bytes cannot).
          if (u <= 0xdbff) {
            const low = text.charCodeAt(i + 1);
            if (low >= 0xdc00 && low <= 0xdfff) {
              i++;
              const codePoint = ((u - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
              if (isNoncharacter(codePoint) && problem === undefined) [problem, rule] = [`the Unicode noncharacter U+${codePoint.toString(16).toUpperCase()}`, 'noncharacter'];
            } else if (problem === undefined) {
              [problem, rule] = [`an unpaired surrogate (${hex(u)})`, 'unpaired-surrogate'];
            }
          } else if (u <= 0xdfff) {
            if (problem === undefined) [problem, rule] = [`an unpaired surrogate (${hex(u)})`, 'unpaired-surrogate'];
          } else if (isNoncharacter(u) && problem === undefined) {
            [problem, rule] = [`the Unicode noncharacter U+${u.toString(16).toUpperCase()}`, 'noncharacter'];
          }
        }
      }
      if (expectName) {
        expectName = false;
        if (problem !== undefined) return makeError(pointer(stack, depth - 1), `has a member name that holds ${problem}, which ${I_JSON} forbids; send whole characters only`, rule);
        const frame = stack[depth - 1]!;
        const name = escaped ? (JSON.parse(text.slice(start - 1, i + 1)) as string) : text.slice(start, i);
        const names = frame.names;
        if (names === undefined) {
          frame.names = [name];
        } else if (Array.isArray(names)) {
          if (names.includes(name)) return duplicate(stack, depth, name);
          names.push(name);
          if (names.length > SET_AFTER) frame.names = new Set(names);
        } else {
          if (names.has(name)) return duplicate(stack, depth, name);
          names.add(name);
        }
        frame.token = name;
      } else if (problem !== undefined) {
        return makeError(pointer(stack, depth), `holds ${problem}, which ${I_JSON} forbids; send whole characters only`, rule);
      }
    } else if (c === 0x7b || c === 0x5b) {
      const object = c === 0x7b;
      // Frames are reused from depth to depth: a deep or long text allocates one per level, once.
      const frame = stack[depth];
      if (frame === undefined) stack.push({ object, names: undefined, token: 0 });
      else {
        frame.object = object;
        frame.names = undefined;
        frame.token = 0;
      }
      depth++;
      expectName = object;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      const frame = stack[depth - 1]!;
      if (frame.object) expectName = true;
      else frame.token = (frame.token as number) + 1;
    }
  }
  return undefined;
}

function duplicate(stack: readonly Frame[], depth: number, name: string): ValidationError {
  return makeError(pointer(stack, depth - 1), `has the member ${shownName(name)} more than once; send each name once: ${I_JSON} requires unique names, as parsers disagree on which one counts`, 'duplicate-key');
}
