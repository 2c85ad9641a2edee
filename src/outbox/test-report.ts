/**
 * `telemetry-outbox test` on a terminal: the connection test's result as a
 * few aligned lines, and one exit code per diagnosis, so a setup script can
 * tell a wrong secret from a skewed clock without parsing text.
 */
import type { ConnectionDiagnosis, ConnectionTestResult } from '../uploader/connection-test.js';
import { formatAcceptedVersions } from '../contract/negotiation.js';

/** The exit code of `test` for each diagnosis: 0 connected, 2 as every command's usage error, one code per cause besides. */
export const TEST_EXIT_CODES: Readonly<Record<ConnectionDiagnosis, number>> = {
  connected: 0,
  'unexpected-answer': 1,
  'not-configured': 2,
  unreachable: 3,
  'signature-refused': 4,
  'clock-skew': 5,
  'version-not-accepted': 6,
  deprecated: 7,
  'encryption-required': 8,
  'encryption-key-mismatch': 9,
};

/** The result as text: the verdict, then what was tried and what came back. Holds no secret and no signature. */
export function testText(result: ConnectionTestResult): string {
  const lines = [`${result.diagnosis} (exit ${TEST_EXIT_CODES[result.diagnosis]})`, `  ${result.message}`, '', `address     ${result.url}`];
  if (result.status !== undefined) lines.push(`answer      ${result.status}${result.rule ? ` ${result.rule}` : ''}${result.roundTripMs !== undefined ? ` in ${result.roundTripMs} ms` : ''}`);
  else if (result.rule !== undefined) lines.push(`failure     ${result.rule}`);
  if (result.clockSkewSeconds !== undefined) {
    const skew = result.clockSkewSeconds;
    // The Date header has whole seconds: a second either way is agreement.
    lines.push(`clock       ${Math.abs(skew) <= 1 ? 'agrees with the server\'s' : `${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the server's`}${result.toleranceSeconds !== undefined ? ` (tolerance ±${result.toleranceSeconds} s)` : ''}`);
  }
  const accepted = result.acceptedVersions !== undefined ? `; the server accepts ${formatAcceptedVersions(result.acceptedVersions)}` : '';
  lines.push(`version     v${result.schemaVersion} sent${accepted}`);
  if (result.fallback !== undefined) {
    lines.push(`fallback    ${result.fallback.possible ? `would work: v${result.fallback.to}${result.fallback.dropped && result.fallback.dropped.length > 0 ? `, without ${result.fallback.dropped.join(', ')}` : ''}` : `would not work: ${result.fallback.reason}`}`);
  }
  if (result.deprecation !== undefined) lines.push(`sunset      ${result.deprecation.sunset?.slice(0, 10) ?? 'not announced'}${result.deprecation.deprecatedAt ? ` (deprecated ${result.deprecation.deprecatedAt.slice(0, 10)})` : ''}`);
  lines.push(`encryption  ${result.encrypted ? `on${result.encryptionKeyId ? `, key id ${result.encryptionKeyId}` : ''}` : 'off'}`);
  return `${lines.join('\n')}\n`;
}
