/**
 * A state of the contract to compare: this checkout, another directory, or
 * the tree at a git ref (extracted with `git archive` into a temporary
 * folder, so the working tree is never touched).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/command.js';
import type { JsonSchema } from './fields.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { loadRegistry } from './registry.js';
import type { ContractState } from '../governance/semantic-diff.js';
import { AUDIT_DOC } from '../docs/audit-doc.js';
import { latestApproval } from '../governance/reviews.js';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The contract of a checkout: each version's JSON Schema and the audit document. */
export async function loadState(root: string): Promise<ContractState> {
  const registry = await loadRegistry(root);
  const versions = new Map<number, JsonSchema>(registry.contracts.map((contract) => [contract.version, toJsonSchema(contract)]));
  const approved = new Map<number, JsonSchema>();
  for (const version of versions.keys()) {
    const last = latestApproval(registry.reviews, version);
    if (last !== undefined) approved.set(version, last.content);
  }
  const document = await readOptional(join(root, AUDIT_DOC));
  const state = { versions, released: new Set(registry.released.keys()), approved, ...(registry.processingRecord === undefined ? {} : { processingRecord: registry.processingRecord }) };
  return document === undefined ? state : { ...state, document };
}

function git(root: string, args: string[], input?: Buffer): Buffer {
  return execFileSync('git', ['-C', root, ...args], { input, maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Extracts what the contract needs from `ref` into a temporary folder and
 * returns it with a function that deletes it. node_modules is shared by symlink.
 */
export async function checkoutRef(root: string, ref: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  if (ref.startsWith('-')) throw new UsageError(`"${ref}" is not a git ref`);
  let commit: string;
  try {
    commit = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString().trim();
  } catch {
    throw new UsageError(`"${ref}" is neither a directory nor a commit in ${root} (in CI, fetch the base ref: actions/checkout with fetch-depth: 0)`);
  }
  const top = new Set(git(root, ['ls-tree', '--name-only', commit]).toString().split('\n'));
  const wanted = ['schema', 'docs', 'src'].filter((name) => top.has(name));
  if (!wanted.includes('schema')) throw new UsageError(`${ref} has no schema/ folder: nothing to compare with`);
  const dir = await mkdtemp(join(tmpdir(), 'telemetry-contract-base-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const archive = git(root, ['archive', '--format=tar', commit, '--', ...wanted]);
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}

/** Loads the state at `base`: a directory if one exists at that path, otherwise a git ref of `root`. */
export async function loadBaseState(root: string, base: string): Promise<ContractState> {
  if (existsSync(base) && statSync(base).isDirectory()) return loadState(base);
  const { dir, remove } = await checkoutRef(root, base);
  try {
    return await loadState(dir);
  } finally {
    await remove();
  }
}

/** The text of a file at a git ref or in a base directory, or undefined if it is not there. */
export async function readAtBase(root: string, base: string, path: string): Promise<string | undefined> {
  if (existsSync(base) && statSync(base).isDirectory()) return readOptional(join(base, path));
  try {
    return git(root, ['show', `${base}:${path}`]).toString();
  } catch {
    return undefined;
  }
}
