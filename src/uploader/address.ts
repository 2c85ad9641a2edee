/**
 * Where an uploader may send: an `https:` address, so a report and the
 * customer's name travel only over TLS, to a host whose certificate names it.
 * Plain `http:` is allowed to a loopback address alone (the machine itself:
 * `localhost`, 127.0.0.0/8, `[::1]`), and only when the caller asks for it by
 * name (`allowHttpLoopback: true`), for development against a local server.
 */
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The option that lets an uploader send over plain `http:` to a loopback address, for development. */
export interface AddressOptions {
  /**
   * Development only: also send over plain `http:` to a loopback address (`localhost`, 127.0.0.0/8,
   * `[::1]`), which never leaves the machine. Any other `http:` address is refused whatever this says
   * (`https-only`). Default false.
   */
  readonly allowHttpLoopback?: boolean;
}

/** Whether a URL's hostname (as `URL` normalizes it) is the machine itself. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  // URL writes every IPv4 form (127.1, 0x7f.0.0.1) as four decimal parts.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The address checked: an absolute `https:` URL without a user name or password, or, with
 * `allowHttpLoopback`, an `http:` URL of a loopback host. The error names the rule (`https-only`)
 * and what to do, and shows no more of the address than its scheme.
 *
 * @example
 * checkIngestAddress('https://telemetry.vendor.example'); // undefined: fine
 * checkIngestAddress('http://telemetry.vendor.example'); // { rule: 'https-only', message: 'baseUrl: …' }
 * checkIngestAddress('http://127.0.0.1:8787', { allowHttpLoopback: true }); // undefined: development
 */
export function checkIngestAddress(address: unknown, options: AddressOptions = {}, where = 'baseUrl'): WireError | undefined {
  let url: URL;
  try {
    url = new URL(String(address));
  } catch {
    return wireError(where, 'must be an absolute https: address such as https://telemetry.vendor.example', 'invalid-address');
  }
  if (url.username !== '' || url.password !== '') {
    return wireError(where, 'must not carry a user name or password; the signing secrets authenticate the uploader', 'invalid-address');
  }
  if (url.protocol === 'https:') return undefined;
  const loopback = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (loopback && options.allowHttpLoopback === true) return undefined;
  const scheme = url.protocol === 'http:' ? 'http:' : 'another scheme';
  const fix = loopback
    ? 'this is a loopback address: for development against a local server, pass allowHttpLoopback: true'
    : 'use the https: address of the ingest endpoint; plain http: is allowed only to a loopback address (localhost, 127.0.0.0/8, [::1]) with allowHttpLoopback: true, for development';
  return wireError(where, `must be an https: address (got ${scheme}): reports and the customer's name travel only over TLS; ${fix}`, 'https-only');
}
