/**
 * Which keys may sign a request: those of the license the request names,
 * found by a lookup the server supplies (a Map, a function, a database), or,
 * only when a server asks for it by name, one vendor-wide list. A request
 * costs the lookup and the HMACs of one license's keys, however many
 * licenses exist, and a key of one license never verifies another's report.
 */
import { CONTRACT_HEADERS, headerPattern } from '../wire/contract-headers.js';
import { type LicenseRecord, validateLicenseRecord } from '../contract/license.js';
import { generateSecret, parseSecret, SIGNATURE_HEADERS } from '../wire/signature.js';
import { checkKeys, matchKeys, revokedKeyError, signatureMismatch, type SignedParts, type VerificationKey } from '../wire/verify-signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/**
 * A license as `ingest` needs it, found in one lookup: the keys that may sign its reports and its
 * license record, which says what a report may name (its features) and whose legal entity the
 * customer header must be.
 */
export interface LicenseEntry {
  readonly keys: readonly VerificationKey[];
  /** The license record; without it `ingest` checks neither features nor customer header (or refuses, with `requireLicenseRecord`). */
  readonly license?: LicenseRecord;
  /**
   * Mask keys (`whsec_`) the license's installations were given explicitly (`maskKey`), besides the
   * mask key derived from each of `keys`, which is what an uploader masks with unless told otherwise.
   */
  readonly maskKeys?: readonly string[];
}

/** One license as a lookup returns it: its entry, its keys alone (as before license records), or undefined (or no key) when unknown. */
export type LicenseKeys = LicenseEntry | readonly VerificationKey[] | undefined;

/**
 * Finds a license by its id: a `Map` of license id → entry (or keys), or a
 * function, synchronous or not (a database query: the license store's
 * `licenseOf` finds keys and record in one query). A function that throws or
 * rejects makes `ingest` answer `503 key-lookup-failed`, never a crash.
 *
 * @example
 * const licenseKeys = new Map([['lic-0042', { keys: [{ id: '2026-11', secret }], license }]]);
 * const result = await ingest(request, { licenseKeys });
 */
export type LicenseKeyLookup = ReadonlyMap<string, LicenseEntry | readonly VerificationKey[]> | ((licenseId: string) => LicenseKeys | Promise<LicenseKeys>);

/** Where `ingest` finds its verification keys; exactly one of the two. */
export interface KeySourceOptions {
  /** The keys of each license: a request is verified with the keys of the license it names, and no other. */
  readonly licenseKeys?: LicenseKeyLookup;
  /**
   * Keys that sign the reports of every license: for a small deployment with one key for all its
   * installations. Any holder of such a key can send reports in any license's name, so it is never a
   * default; name it explicitly. Nothing is looked up per license then, so there is no license record
   * either: such a server checks neither the features a report names nor its customer header.
   */
  readonly vendorWideKeys?: readonly VerificationKey[];
}

/** The keys that verified a request and the license they belong to, or the refusal to answer. */
export type KeyVerdict =
  | { readonly ok: true; readonly keyId: string; readonly keys: readonly VerificationKey[]; readonly license?: LicenseRecord; readonly maskKeys?: readonly string[] }
  | { readonly ok: false; readonly status: 401 | 503; readonly error: WireError; readonly cause?: unknown };

const licensePattern = headerPattern(CONTRACT_HEADERS.licenseId);
/** A key no license holds: an unknown license still costs one HMAC, so timing does not tell it from a known one. */
const DECOY: readonly VerificationKey[] = [{ id: 'decoy', secret: generateSecret() }];

/** Checks the key source once per call: one of the two options, never the flat `keys` of earlier drafts. */
export function checkKeySource(options: KeySourceOptions & { readonly keys?: unknown; readonly requireLicenseRecord?: boolean }): void {
  if (options.keys !== undefined) {
    throw new TypeError(
      'keys: ingest no longer takes a flat key list, in which any key verified any license (keys-config); pass licenseKeys (a Map or a lookup of license id → keys), or vendorWideKeys to let one key sign every license on purpose',
    );
  }
  const given = [options.licenseKeys, options.vendorWideKeys].filter((o) => o !== undefined).length;
  if (given !== 1) {
    throw new TypeError(`licenseKeys: ingest needs exactly one of licenseKeys and vendorWideKeys, got ${given === 0 ? 'neither' : 'both'} (keys-config)`);
  }
  if (options.vendorWideKeys !== undefined) checkKeys(options.vendorWideKeys, { where: 'vendorWideKeys' });
  if (options.vendorWideKeys !== undefined && options.requireLicenseRecord === true) {
    throw new TypeError('requireLicenseRecord: vendorWideKeys look up no license, so there is no record to require; use licenseKeys with records (keys-config)');
  }
  const lookup = options.licenseKeys;
  if (lookup !== undefined && typeof lookup !== 'function' && !(lookup instanceof Map)) {
    throw new TypeError('licenseKeys: must be a Map of license id → entry (or keys) or a function (license id) → entry (or keys) (keys-config)');
  }
}

function mismatch(): WireError {
  // One answer for an unknown license, another license's key and an altered request: it tells a prober nothing.
  return wireError(
    SIGNATURE_HEADERS.signature,
    `matches no active key of the license named by ${CONTRACT_HEADERS.licenseId}; a key signs only the reports of its own license: check that the license id and the secret installed with it belong together, and that nothing changed the request`,
    'license-key-mismatch',
  );
}

/**
 * The key that signed the request among those allowed to sign for its
 * license. `licenseId` is the raw header value (possibly missing or
 * malformed: then no lookup is made, and the answer is the same as for an
 * unknown license). Throws a TypeError only for keys a lookup returns
 * malformed, a configuration mistake.
 */
export async function verifyForLicense(options: KeySourceOptions, licenseId: string | undefined, parts: SignedParts, body: Uint8Array): Promise<KeyVerdict> {
  if (options.vendorWideKeys !== undefined) {
    const match = matchKeys(parts, body, options.vendorWideKeys);
    if (match === undefined) return { ok: false, status: 401, error: signatureMismatch() };
    return match.revoked ? { ok: false, status: 401, error: revokedKeyError(match.key.id) } : { ok: true, keyId: match.key.id, keys: options.vendorWideKeys };
  }
  let found: LicenseKeys;
  if (licenseId !== undefined && licensePattern.test(licenseId)) {
    const lookup = options.licenseKeys!;
    try {
      found = typeof lookup === 'function' ? await lookup(licenseId) : lookup.get(licenseId);
    } catch (cause) {
      return {
        ok: false,
        status: 503,
        error: wireError('server', 'cannot look up the keys of this license right now; try again later', 'key-lookup-failed'),
        cause,
      };
    }
  }
  const entry = entryOf(found, licenseId);
  if (entry === undefined || entry.keys.length === 0) {
    matchKeys(parts, body, DECOY);
    return { ok: false, status: 401, error: mismatch() };
  }
  const { keys } = entry;
  checkKeys(keys, { requireActive: false, where: `licenseKeys(${JSON.stringify(licenseId)})` });
  const match = matchKeys(parts, body, keys);
  if (match === undefined) return { ok: false, status: 401, error: mismatch() };
  if (match.revoked) return { ok: false, status: 401, error: revokedKeyError(match.key.id) };
  return { ok: true, keyId: match.key.id, keys, ...(entry.license === undefined ? {} : { license: entry.license }), ...(entry.maskKeys === undefined ? {} : { maskKeys: entry.maskKeys }) };
}

/**
 * A lookup's answer as an entry: keys alone become an entry without a record. Throws a TypeError
 * for a record that is not one, or that belongs to another license: a configuration mistake.
 */
function entryOf(found: LicenseKeys, licenseId: string | undefined): LicenseEntry | undefined {
  if (found === undefined || Array.isArray(found)) return found === undefined ? undefined : { keys: found as readonly VerificationKey[] };
  const entry = found as LicenseEntry;
  const where = `licenseKeys(${JSON.stringify(licenseId)})`;
  if (typeof entry !== 'object' || entry === null || !Array.isArray(entry.keys)) throw new TypeError(`${where}: must return keys, or { keys, license } (keys-config)`);
  if (entry.license !== undefined) {
    const checked = validateLicenseRecord(entry.license);
    if (!checked.ok) throw new TypeError(`${where}: the license record is not one: ${checked.errors.map((e) => e.message).join('; ')} (keys-config)`);
    if (entry.license.licenseId !== licenseId) throw new TypeError(`${where}: returned the license record of another license (keys-config)`);
  }
  if (entry.maskKeys !== undefined) {
    if (!Array.isArray(entry.maskKeys) || entry.maskKeys.length > 8) throw new TypeError(`${where}: maskKeys must be a list of at most 8 whsec_ keys (keys-config)`);
    for (const key of entry.maskKeys) parseSecret(key);
  }
  return entry;
}
