/**
 * The key-encryption key of tests that store reports without caring which
 * one: the report store needs one (customer headers are sealed under data keys
 * wrapped by it), and so does the example server.
 */
import { parseKeyring } from '../../src/store/keyring.js';
import { toBase64 } from '../../src/wire/bytes.js';

/** A fixed KEK, as TELEMETRY_KEK spells it. */
export const TEST_KEK = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 101 + i));
/** The keyring of {@link TEST_KEK}. */
export const testKeyring = parseKeyring(TEST_KEK, 'test keyring');
