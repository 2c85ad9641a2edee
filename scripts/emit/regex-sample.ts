/**
 * The shortest and the longest strings an anchored pattern accepts, for the
 * boundary vectors of a string field. Handles the subset contract patterns
 * use (literals, escapes, character classes, groups with alternation,
 * quantifiers); anything else is refused with the pattern named, never guessed.
 */

type Node =
  | { readonly kind: 'chars'; readonly choices: readonly string[] }
  | { readonly kind: 'group'; readonly alternatives: readonly Node[][] }
  | { readonly kind: 'repeat'; readonly node: Node; readonly min: number; readonly max: number };

const DIGITS = [...'0123456789'];
const WORD = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'];

class Parser {
  private index = 0;
  constructor(private readonly source: string) {}

  fail(what: string): never {
    throw new Error(`pattern ${JSON.stringify(this.source)}: ${what} at character ${this.index} (unsupported-pattern)`);
  }

  parse(): Node[] {
    if (this.source[0] !== '^' || !this.source.endsWith('$') || this.source.endsWith('\\$')) this.fail('must be anchored with ^ and $');
    this.index = 1;
    const sequence = this.alternatives(this.source.length - 1);
    if (this.index !== this.source.length - 1) this.fail('unexpected character');
    return sequence.length === 1 ? sequence[0]! : [{ kind: 'group', alternatives: sequence }];
  }

  private alternatives(end: number): Node[][] {
    const alternatives: Node[][] = [[]];
    while (this.index < end) {
      const c = this.source[this.index]!;
      if (c === ')') break;
      if (c === '|') {
        this.index++;
        alternatives.push([]);
        continue;
      }
      alternatives[alternatives.length - 1]!.push(this.quantified(this.atom()));
    }
    return alternatives;
  }

  private atom(): Node {
    const c = this.source[this.index++]!;
    if (c === '(') {
      if (this.source[this.index] === '?') this.fail('lookarounds and named groups are not supported');
      const alternatives = this.alternatives(this.source.length - 1);
      if (this.source[this.index++] !== ')') this.fail('unclosed group');
      return { kind: 'group', alternatives };
    }
    if (c === '[') return this.charClass();
    if (c === '\\') return { kind: 'chars', choices: this.escape() };
    if (c === '.') return { kind: 'chars', choices: WORD };
    if ('*+?{}^$'.includes(c)) this.fail(`stray "${c}"`);
    return { kind: 'chars', choices: [c] };
  }

  private escape(): string[] {
    const c = this.source[this.index++];
    if (c === 'd') return DIGITS;
    if (c === 'w') return WORD;
    if (c === undefined || /[a-zA-Z0-9]/.test(c)) this.fail(`escape \\${c ?? ''}`);
    return [c];
  }

  private charClass(): Node {
    if (this.source[this.index] === '^') this.fail('negated character classes are not supported');
    const choices: string[] = [];
    while (this.source[this.index] !== ']') {
      if (this.index >= this.source.length) this.fail('unclosed character class');
      let first = this.source[this.index++]!;
      if (first === '\\') {
        choices.push(...this.escape());
        continue;
      }
      if (this.source[this.index] === '-' && this.source[this.index + 1] !== ']') {
        this.index++;
        const last = this.source[this.index++]!;
        for (let code = first.codePointAt(0)!; code <= last.codePointAt(0)!; code++) choices.push(String.fromCodePoint(code));
      } else choices.push(first);
    }
    this.index++;
    return { kind: 'chars', choices };
  }

  private quantified(node: Node): Node {
    const c = this.source[this.index];
    if (c === '?') return this.take(1, { kind: 'repeat', node, min: 0, max: 1 });
    if (c === '*') return this.take(1, { kind: 'repeat', node, min: 0, max: Number.POSITIVE_INFINITY });
    if (c === '+') return this.take(1, { kind: 'repeat', node, min: 1, max: Number.POSITIVE_INFINITY });
    if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index));
      if (!match) this.fail('malformed {m,n} quantifier');
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
      return this.take(match[0].length, { kind: 'repeat', node, min, max });
    }
    return node;
  }

  private take(length: number, node: Node): Node {
    this.index += length;
    return node;
  }
}

/** A string from a node sequence, each repeat extended by at most `budget` characters overall. */
function render(nodes: readonly Node[], budget: { left: number }): string {
  return nodes.map((node) => renderNode(node, budget)).join('');
}

function minLength(node: Node): number {
  switch (node.kind) {
    case 'chars':
      return 1;
    case 'group':
      return Math.min(...node.alternatives.map((a) => a.reduce((n, x) => n + minLength(x), 0)));
    case 'repeat':
      return node.min * minLength(node.node);
  }
}

function renderNode(node: Node, budget: { left: number }): string {
  switch (node.kind) {
    case 'chars':
      return node.choices[0]!;
    case 'group': {
      // The shortest alternative keeps the budget for repeats elsewhere.
      const shortest = [...node.alternatives].sort((a, b) => a.reduce((n, x) => n + minLength(x), 0) - b.reduce((n, x) => n + minLength(x), 0))[0]!;
      return render(shortest, budget);
    }
    case 'repeat': {
      const unit = Math.max(1, minLength(node.node));
      const extra = Math.min(node.max - node.min, Math.floor(budget.left / unit));
      budget.left -= extra * unit;
      let out = '';
      // Inner repeats draw on what is left of the same budget, so nesting cannot overshoot maxLength.
      for (let i = 0; i < node.min + extra; i++) out += renderNode(node.node, budget);
      return out;
    }
  }
}

/** The shortest string the pattern accepts (first choice of every class and alternative). */
export function shortestMatch(pattern: string): string {
  return render(new Parser(pattern).parse(), { left: 0 });
}

/** The longest string the pattern accepts within `maxLength` characters. */
export function longestMatch(pattern: string, maxLength: number): string {
  const nodes = new Parser(pattern).parse();
  const floor = render(nodes, { left: 0 }).length;
  return render(nodes, { left: Math.max(0, maxLength - floor) });
}
