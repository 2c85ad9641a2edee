/**
 * A contract pattern (ECMAScript, as ajv and the guards run it) rewritten as a
 * PostgreSQL advanced regular expression that accepts exactly the same
 * strings, for the generated CHECK constraints. The subset is the one the
 * contract's patterns already keep to (see regex-sample.ts): literals,
 * escapes, character classes, groups with alternation, quantifiers.
 * Anything else is refused with the pattern named, never guessed.
 *
 * Where the two dialects differ it matters here: PostgreSQL refuses
 * repetition bounds above 255 (so `x{1,768}` becomes `(?:x){1,255}(?:x){0,255}…`,
 * the same language), its `.` also matches a newline, and its `\w`/`\d` follow
 * the locale (so the ASCII classes are spelt out).
 */

/** PostgreSQL's largest repetition bound (RE_DUP_MAX). */
const MAX_BOUND = 255;

export class PatternError extends Error {}

class Translator {
  private index = 0;
  constructor(private readonly source: string) {}

  fail(what: string): never {
    throw new PatternError(`pattern ${JSON.stringify(this.source)}: ${what} at character ${this.index}`);
  }

  translate(): string {
    if (this.source[0] !== '^' || !this.source.endsWith('$') || this.source.endsWith('\\$')) this.fail('must be anchored with ^ and $');
    this.index = 1;
    const body = this.sequence(this.source.length - 1);
    if (this.index !== this.source.length - 1) this.fail('unexpected character');
    return `^${body}$`;
  }

  private sequence(end: number): string {
    let out = '';
    while (this.index < end) {
      const c = this.source[this.index]!;
      if (c === ')') break;
      if (c === '|') {
        this.index++;
        out += '|';
        continue;
      }
      out += this.quantified(this.atom());
    }
    return out;
  }

  private atom(): string {
    const c = this.source[this.index++]!;
    if (c === '(') {
      if (this.source[this.index] === '?') {
        if (this.source[this.index + 1] !== ':') this.fail('lookarounds and named groups are not supported');
        this.index += 2;
      }
      const inner = this.sequence(this.source.length - 1);
      if (this.source[this.index++] !== ')') this.fail('unclosed group');
      return `(?:${inner})`;
    }
    if (c === '[') return this.charClass();
    if (c === '\\') return this.escape(false);
    // ECMAScript's dot stops at line terminators; PostgreSQL's would not.
    if (c === '.') return '[^\\n\\r\\u2028\\u2029]';
    if ('*+?{}^$]'.includes(c)) this.fail(`stray "${c}"`);
    return c;
  }

  /** One escape, as text usable inside (`inClass`) or outside a bracket expression. */
  private escape(inClass: boolean): string {
    const c = this.source[this.index++];
    if (c === 'd') return inClass ? '0-9' : '[0-9]';
    if (c === 'w') return inClass ? 'A-Za-z0-9_' : '[A-Za-z0-9_]';
    if (c === 'u' && /^[0-9a-fA-F]{4}$/.test(this.source.slice(this.index, this.index + 4))) {
      const hex = this.source.slice(this.index, this.index + 4);
      this.index += 4;
      return `\\u${hex}`;
    }
    if (c === 'n' || c === 'r' || c === 't') return `\\${c}`;
    if (c === undefined || /[a-zA-Z0-9]/.test(c)) this.fail(`escape \\${c ?? ''}`);
    // An escaped punctuation mark is that mark in both dialects.
    return `\\${c}`;
  }

  private charClass(): string {
    let out = '[';
    if (this.source[this.index] === '^') {
      out += '^';
      this.index++;
    }
    while (this.source[this.index] !== ']') {
      if (this.index >= this.source.length) this.fail('unclosed character class');
      const c = this.source[this.index++]!;
      if (c === '\\') out += this.escape(true);
      else if (c === '[') this.fail('"[" inside a character class');
      else out += c;
    }
    this.index++;
    return `${out}]`;
  }

  private quantified(atom: string): string {
    const c = this.source[this.index];
    if (c === '?' || c === '*' || c === '+') {
      this.index++;
      return this.lazy(`${atom}${c}`);
    }
    if (c !== '{') return atom;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index));
    if (!match) this.fail('malformed {m,n} quantifier');
    this.index += match[0].length;
    let min = Number(match[1]);
    let max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    if (max < min) this.fail('quantifier {m,n} with n < m');
    if (min <= MAX_BOUND && max <= MAX_BOUND) return this.lazy(`${atom}${match[0]}`);
    // Split into pieces PostgreSQL accepts: x{a,b}x{c,d} matches x{a+c,b+d}.
    const pieces: string[] = [];
    while (min > 0 || max > 0) {
      const lo = Math.min(min, MAX_BOUND);
      if (max === Number.POSITIVE_INFINITY) {
        if (min > MAX_BOUND) {
          pieces.push(`(?:${atom}){${MAX_BOUND}}`);
          min -= MAX_BOUND;
          continue;
        }
        pieces.push(`(?:${atom}){${min},}`);
        break;
      }
      const hi = Math.min(max, MAX_BOUND);
      pieces.push(`(?:${atom}){${lo},${hi}}`);
      min -= lo;
      max -= hi;
    }
    return this.lazy(pieces.join(''));
  }

  /** A lazy marker changes which match is found, never whether one is: drop it. */
  private lazy(text: string): string {
    if (this.source[this.index] === '?') this.index++;
    return text;
  }
}

/** The pattern as a PostgreSQL regular expression; throws PatternError outside the supported subset. */
export function toSqlPattern(pattern: string): string {
  return new Translator(pattern).translate();
}
