/**
 * The JSON Patch subset (RFC 6902 `add`, `replace`, `remove`) the conformance
 * vectors are written in, applied to a copy or, for checks that run many
 * patches over one large document, in place and then undone.
 */
import { pointerTokens } from '../../src/contract/errors.js';

/** One JSON Patch operation (RFC 6902), of the three kinds the vectors use. */
export type PatchOperation =
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

type Container = Record<string, unknown> | unknown[];

function parentOf(root: unknown, path: string): { parent: Container; last: string } {
  const tokens = pointerTokens(path);
  let parent = root as Container;
  for (const token of tokens.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, token)) throw new Error(`applyPatch: ${path} does not exist`);
    parent = (parent as Record<string, unknown>)[token] as Container;
  }
  if (typeof parent !== 'object' || parent === null) throw new Error(`applyPatch: the parent of ${path} is not a container`);
  return { parent, last: tokens[tokens.length - 1]! };
}

/** Sets an own data property, so a key such as "__proto__" stays a plain key, as JSON.parse makes it. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Applies one operation to `root` in place (not to `""`, the whole document)
 * and returns the operation that undoes it. Throws on a path that does not exist.
 */
function applyOne(root: unknown, operation: PatchOperation): PatchOperation {
  const { parent, last } = parentOf(root, operation.path);
  if (operation.op !== 'add' && !Object.hasOwn(parent, last)) throw new Error(`applyPatch: ${operation.path} does not exist`);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    const path = `${operation.path.slice(0, operation.path.lastIndexOf('/'))}/${index}`;
    if (operation.op === 'remove') return { op: 'add', path, value: parent.splice(index, 1)[0] };
    if (operation.op === 'add') {
      parent.splice(index, 0, structuredClone(operation.value));
      return { op: 'remove', path };
    }
    const previous = parent[index];
    parent[index] = structuredClone(operation.value);
    return { op: 'replace', path, value: previous };
  }
  if (operation.op === 'remove') {
    const previous = parent[last];
    delete parent[last];
    return { op: 'add', path: operation.path, value: previous };
  }
  const existed = Object.hasOwn(parent, last);
  const previous = parent[last];
  setOwn(parent, last, structuredClone(operation.value));
  return existed ? { op: 'replace', path: operation.path, value: previous } : { op: 'remove', path: operation.path };
}

/** The document a patch gives, on a copy of `document` (`""` replaces the whole document). Throws on a path that does not exist. */
export function applyPatch(document: unknown, patch: readonly PatchOperation[]): unknown {
  let root = structuredClone(document);
  for (const operation of patch) {
    if (operation.path === '') {
      if (operation.op === 'remove') throw new Error('applyPatch: cannot remove the whole document');
      root = structuredClone(operation.value);
    } else {
      applyOne(root, operation);
    }
  }
  return root;
}

/**
 * Runs `use` on `document` changed by `patch`, then undoes the change: the
 * same answer as `use(applyPatch(document, patch))` without copying the
 * document. Key order may differ afterwards; values do not.
 */
export function withPatch<T>(document: unknown, patch: readonly PatchOperation[], use: (patched: unknown) => T): T {
  if (patch.some((operation) => operation.path === '')) return use(applyPatch(document, patch));
  const undo: PatchOperation[] = [];
  try {
    for (const operation of patch) undo.push(applyOne(document, operation));
    return use(document);
  } finally {
    for (const operation of undo.reverse()) applyOne(document, operation);
  }
}
