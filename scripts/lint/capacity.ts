/**
 * How much a string field can carry: the base-2 logarithm of how many
 * different values its schema allows (its bits), measured from the pattern
 * and the length bounds. `^[0-9a-f]{7,40}$` allows about 160 bits, a UTC
 * midnight of 2000 to 2099 about 15, `^[\s\S]*$` with maxLength 4000 about
 * 80,000: a field of more than a few bytes can spell a name, whatever its
 * privacy record says it is for.
 *
 * The count is exact for the pattern subset the contract keeps to (literals,
 * escapes, character classes, groups with alternation, quantifiers) and an
 * upper bound otherwise: a construct it cannot read (a lookaround, a back
 * reference) counts as any character at every position up to maxLength.
 */

/** Code points there are: what `.`, `\S` or a negated class can match (less what they exclude). */
const ALL = 0x110000;
/** ECMAScript's `\s`: the white space and line terminator code points. */
const WHITE_SPACE = 25;

/** Strings per length, as base-2 logarithms: index = length, value = log2(count), -Infinity for none. */
type Counts = number[];

/** log2(2^a + 2^b), without overflow. */
function logAdd(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return hi + Math.log2(1 + 2 ** (lo - hi));
}

function empty(limit: number): Counts {
  return new Array<number>(limit + 1).fill(Number.NEGATIVE_INFINITY);
}

function concat(a: Counts, b: Counts, limit: number): Counts {
  const out = empty(limit);
  for (let i = 0; i <= limit; i++) {
    if (a[i] === Number.NEGATIVE_INFINITY) continue;
    for (let j = 0; i + j <= limit; j++) if (b[j] !== Number.NEGATIVE_INFINITY) out[i + j] = logAdd(out[i + j]!, a[i]! + b[j]!);
  }
  return out;
}

function union(a: Counts, b: Counts): Counts {
  return a.map((x, i) => logAdd(x, b[i]!));
}

/** A fixed number of choices for one character. */
function oneOf(choices: number, limit: number): Counts {
  const out = empty(limit);
  if (limit >= 1 && choices > 0) out[1] = Math.log2(choices);
  return out;
}

function repeat(node: Counts, min: number, max: number, limit: number): Counts {
  // One character of c choices, the usual case: c^n strings of each length n, no convolution needed.
  const single = node.every((x, i) => i === 1 || x === Number.NEGATIVE_INFINITY) ? node[1] : undefined;
  if (single !== undefined) {
    const out = empty(limit);
    for (let n = min; n <= Math.min(max, limit); n++) out[n] = single === Number.NEGATIVE_INFINITY ? (n === 0 ? 0 : Number.NEGATIVE_INFINITY) : n * single;
    return out;
  }
  let power = empty(limit);
  power[0] = 0;
  let out = empty(limit);
  // Past `limit` more repetitions only add strings that are too long, or the same ones again (an empty repeat).
  const last = Math.min(max, limit + 1);
  for (let n = 0; n <= last; n++) {
    if (n >= min) out = union(out, power);
    power = concat(power, node, limit);
  }
  return out;
}

class Unreadable extends Error {}

/** Reads an anchored pattern into counts per length, up to `limit` characters. */
class Measure {
  private index = 0;
  constructor(
    private readonly source: string,
    private readonly limit: number,
  ) {}

  measure(): Counts {
    if (this.source[0] !== '^' || !this.source.endsWith('$') || this.source.endsWith('\\$')) throw new Unreadable('not anchored');
    this.index = 1;
    const counts = this.alternatives(this.source.length - 1);
    if (this.index !== this.source.length - 1) throw new Unreadable('unexpected character');
    return counts;
  }

  private alternatives(end: number): Counts {
    let total: Counts | undefined;
    let sequence = this.unit();
    while (this.index < end) {
      const c = this.source[this.index]!;
      if (c === ')') break;
      if (c === '|') {
        this.index++;
        total = total === undefined ? sequence : union(total, sequence);
        sequence = this.unit();
        continue;
      }
      sequence = concat(sequence, this.quantified(this.atom()), this.limit);
    }
    return total === undefined ? sequence : union(total, sequence);
  }

  /** The empty string: the start of a sequence. */
  private unit(): Counts {
    const out = empty(this.limit);
    out[0] = 0;
    return out;
  }

  private atom(): Counts {
    const c = this.source[this.index++]!;
    if (c === '(') {
      if (this.source[this.index] === '?') {
        if (this.source[this.index + 1] !== ':') throw new Unreadable('lookaround or named group');
        this.index += 2;
      }
      const inner = this.alternatives(this.source.length - 1);
      if (this.source[this.index++] !== ')') throw new Unreadable('unclosed group');
      return inner;
    }
    if (c === '[') return oneOf(this.charClass(), this.limit);
    if (c === '\\') return oneOf(this.escape(), this.limit);
    if (c === '.') return oneOf(ALL - 4, this.limit);
    if ('*+?{}^$'.includes(c)) throw new Unreadable(`stray ${c}`);
    return oneOf(1, this.limit);
  }

  /** How many code points an escape matches. */
  private escape(): number {
    const c = this.source[this.index++];
    switch (c) {
      case 'd':
        return 10;
      case 'D':
        return ALL - 10;
      case 'w':
        return 63;
      case 'W':
        return ALL - 63;
      case 's':
        return WHITE_SPACE;
      case 'S':
        return ALL - WHITE_SPACE;
      case 't':
      case 'n':
      case 'r':
      case 'f':
      case 'v':
        return 1;
      case undefined:
        throw new Unreadable('trailing backslash');
      default:
        if (/[a-zA-Z0-9]/.test(c)) throw new Unreadable(`escape \\${c}`);
        return 1;
    }
  }

  /** How many code points a class matches (its ranges may overlap: an upper bound then). */
  private charClass(): number {
    const negated = this.source[this.index] === '^';
    if (negated) this.index++;
    let count = 0;
    while (this.source[this.index] !== ']') {
      if (this.index >= this.source.length) throw new Unreadable('unclosed class');
      const first = this.source[this.index++]!;
      if (first === '\\') {
        count += this.escape();
        continue;
      }
      if (this.source[this.index] === '-' && this.source[this.index + 1] !== ']') {
        this.index++;
        let last = this.source[this.index++]!;
        if (last === '\\') last = this.source[this.index++]!;
        count += Math.max(0, last.codePointAt(0)! - first.codePointAt(0)! + 1);
      } else count += 1;
    }
    this.index++;
    count = Math.min(count, ALL);
    return negated ? ALL - count : count;
  }

  private quantified(node: Counts): Counts {
    const c = this.source[this.index];
    let min: number;
    let max: number;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index));
      if (!match) throw new Unreadable('malformed quantifier');
      this.index += match[0].length - 1;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    } else return node;
    this.index++;
    // A lazy quantifier matches the same strings.
    if (this.source[this.index] === '?') this.index++;
    return repeat(node, min, max, this.limit);
  }
}

/** What a string schema can carry, and how the figure was reached. */
export interface Capacity {
  /** log2 of the number of values the schema allows; Infinity when unbounded. */
  readonly bits: number;
  /** False when the pattern holds a construct the measure cannot read: `bits` is then an upper bound from maxLength. */
  readonly exact: boolean;
}

/** When there is no pattern to read, every code point at every position up to maxLength: an upper bound. */
function anyText(maxLength: number | undefined, minLength: number): number {
  if (maxLength === undefined) return Number.POSITIVE_INFINITY;
  // Σ c^n for n from min to max is within a bit of c^max for c this large.
  return maxLength === 0 ? 0 : Math.max(0, maxLength) * Math.log2(ALL) + (minLength === 0 ? Math.log2(1 + 1 / (ALL - 1)) : 0);
}

/**
 * What a string (sub)schema can carry: `const`/`enum` count their values; a
 * pattern is measured up to maxLength (characters beyond it do not count);
 * without a pattern, any character at every position up to maxLength.
 *
 * @example
 * stringCapacity({ type: 'string', pattern: '^[0-9a-f]{7,40}$', maxLength: 40 }).bits; // ≈ 160
 */
export function stringCapacity(schema: Readonly<Record<string, unknown>>): Capacity {
  if (schema['const'] !== undefined) return { bits: 0, exact: true };
  if (Array.isArray(schema['enum'])) return { bits: Math.log2(Math.max(1, schema['enum'].length)), exact: true };
  const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined;
  const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const pattern = schema['pattern'];
  if (typeof pattern !== 'string') return { bits: anyText(maxLength, minLength), exact: false };
  // Without maxLength a pattern with * or + allows longer and longer strings: measured far enough to see it grow past any bound.
  const limit = maxLength ?? 4096;
  let counts: Counts;
  try {
    counts = new Measure(pattern, limit).measure();
  } catch (error) {
    if (error instanceof Unreadable) return { bits: anyText(maxLength, minLength), exact: false };
    throw error;
  }
  let total = Number.NEGATIVE_INFINITY;
  for (let n = minLength; n <= limit; n++) total = logAdd(total, counts[n]!);
  if (maxLength === undefined && counts[limit] !== Number.NEGATIVE_INFINITY) return { bits: Number.POSITIVE_INFINITY, exact: true };
  return { bits: Math.max(0, total), exact: true };
}

/** What a list of `maxItems` items of `itemBits` each can carry: about maxItems × itemBits (every shorter list counted too). */
export function listCapacity(itemBits: number, maxItems: number | undefined): number {
  if (maxItems === undefined || !Number.isFinite(itemBits)) return Number.POSITIVE_INFINITY;
  // Σ_{k ≤ m} 2^(k·b) is below 2^(m·b + 1).
  return itemBits === 0 ? Math.log2(maxItems + 1) : maxItems * itemBits + 1;
}
