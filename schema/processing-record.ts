/**
 * The controller-side facts of the record of processing activities (GDPR
 * Art. 30(1)), declared once. The audit document renders them next to what
 * the contract itself says (data categories, legal bases, what is not
 * collected), so a reviewer reads one section instead of three documents.
 *
 * Facts about the data itself are not repeated here: the categories of data
 * come from the fields' privacy records.
 */
export interface ProcessingRecord {
  /** Art. 30(1)(a): who decides on the processing, and how to reach them. */
  readonly controller: { readonly name: string; readonly contact: string; readonly dataProtectionContact: string };
  /** Art. 30(1)(b): why the processing happens at all. */
  readonly purposes: readonly string[];
  /** Art. 30(1)(c): whose data it could be. */
  readonly dataSubjects: readonly string[];
  /** Art. 30(1)(d): who receives the data. */
  readonly recipients: readonly string[];
  /** Art. 30(1)(e): transfers outside the EEA, and their safeguard. */
  readonly thirdCountryTransfers: string;
  /** Art. 30(1)(f): how long the data is kept. */
  readonly retention: { readonly summary: string; readonly days: number };
  /** Art. 30(1)(g), Art. 32: technical and organisational measures. */
  readonly securityMeasures: readonly string[];
}

export const processingRecord: ProcessingRecord = {
  controller: {
    name: 'The vendor: the licensor named in the customer\'s license agreement.',
    contact: 'The privacy contact given in the license agreement and in the data processing agreement.',
    dataProtectionContact: 'The vendor\'s data protection officer, reachable through the same contact.',
  },
  purposes: [
    'Delivering the contracted service: license verification, seat-based billing, and refusing duplicate or forged reports.',
    'Account management: seeing when a deployment outgrows its plan, and which fixes and runtime notices reach which deployments.',
    'Product planning from aggregate feature use, limited to features the license declares.',
  ],
  dataSubjects: [
    'Customers as legal entities (the licensee). A sole trader\'s name can identify a person, which is why the customer header can be masked.',
    'No end users: every count covers the whole deployment, and no identifier of a user, device or session is sent.',
  ],
  recipients: [
    'The vendor\'s billing, license management and customer success teams.',
    'The vendor\'s hosting provider, as a processor under Art. 28, for storage of the received reports.',
  ],
  thirdCountryTransfers:
    'None by the contract itself: the ingest endpoint and its storage sit in the data region agreed with the customer. Any transfer the vendor\'s own hosting requires is covered in the data processing agreement.',
  retention: {
    summary: 'Received reports are deleted 400 days after they arrive: long enough to compare a deployment year over year and settle a billing dispute.',
    days: 400,
  },
  securityMeasures: [
    'Only aggregate counts and license posture leave the deployment; the payload is a closed schema, so anything outside it is refused by both sides.',
    'Every request is signed (Standard Webhooks, HMAC-SHA-256 over id, timestamp and body; the id is derived from the license id, the window and the customer header, so all three are authenticated) and checked in constant time; timestamps outside a 5-minute window are refused.',
    'Transport over TLS: the uploader sends only to https: addresses (plain http: to the machine itself alone, and only when a developer asks for it by name). Terminating TLS 1.2 or later in front of the ingest endpoint is the operator\'s duty.',
    'Signing secrets are per license: a license\'s secret verifies only that license\'s reports. The ingest service stores them encrypted (AES-256-GCM) under a key-encryption key held outside the database; they rotate per license without downtime (several active keys) and can be revoked.',
    'A report stored for a window is never replaced: the same window with another body is refused (409 window-conflict), and so is a window that overlaps another stored window of the license (409 window-overlap).',
    'The customer name can be replaced by a keyed mask at the source. The masking setting in force when a window is first sent decides its form, and a window is never sent in two forms.',
    'What the ingest service stores that can identify a customer (the customer header of each report, the message id computed from it, and the legal entity of each license record) is encrypted (AES-256-GCM) under a data key of its license, itself encrypted under a key-encryption key held outside the database. The other values of a report (counts, features, window, versions) are stored in clear.',
    'Stored reports are deleted when their retention ends, and a customer\'s reports on request: the same statement destroys their license\'s data key, and what was deleted is vacuumed from the table files. Copies made before (backups, WAL archives, replicas) hold the encrypted values until they expire, or until the key-encryption key of their time is destroyed after a rotation.',
    'Encrypting the disks and backups that hold the database, keeping the key-encryption key out of them, and how long backups are kept are the operator\'s duty.',
  ],
};
