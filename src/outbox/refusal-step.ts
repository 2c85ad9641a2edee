/**
 * What an operator does about a window the server refused for good. A retry sends the same window again,
 * which helps only when the cause lay outside it (a key, a license record, a server setting): a window the
 * server holds another report for, or one overlapping a window it stored, is refused again however often it
 * is sent, so those name discard (and, for a conflict, supersede) instead.
 *
 * @example
 * refusalStep('window-overlap', 'msg_…'); // "… discard it (telemetry-outbox discard msg_… --reason <text>) …"
 */
export function refusalStep(rule: string | undefined, messageId: string): string | undefined {
  if (rule === 'window-overlap') {
    return `it overlaps a window the server has stored and is refused again however often it is sent: discard it (telemetry-outbox discard ${messageId} --reason <text>) and report only the days no stored window covers`;
  }
  if (rule === 'window-conflict') {
    return `the server keeps the report it stored for this window and refuses this one however often it is sent: discard it (telemetry-outbox discard ${messageId} --reason <text>) or, where the vendor accepts corrections, supersede the stored report (telemetry-outbox supersede ${messageId} --reason <text>)`;
  }
  return undefined;
}
