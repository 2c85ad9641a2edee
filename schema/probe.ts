import { Type, type Static } from '@sinclair/typebox';
import { privacy } from './privacy.js';

/**
 * The connection test ("probe"): what an installation sends to check its
 * address, signing secret, clock, version and encryption without sending a
 * report. It travels to the same endpoint as a report, signed the same way and
 * with the same headers, but declared by its own media type, and its body
 * carries no counts. A server verifies it exactly as a report and never stores
 * it; a server that does not know probes refuses the media type (415), and the
 * body, which is closed, fails any report schema: it can never be taken for a
 * report.
 */
export const PROBE_MEDIA_TYPE = 'application/vnd.telemetry-contract.probe+json';

/** The one value of `probe`: what kind of probe this is. */
export const PROBE_KIND = 'connection-test';

export const ProbeBody = Type.Object(
  {
    probe: Type.Literal(PROBE_KIND, {
      ...privacy({
        purpose: 'Marks the body as a connection test, so that neither side can read it as a report.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
        values: { are: 'Exactly connection-test.', keptBy: ['schema:const'] },
        reviewBy: '2027-05-31',
      }),
    }),
    schemaVersion: Type.Integer({
      minimum: 1,
      maximum: 9999,
      ...privacy({
        purpose:
          'The schema version this installation sends its reports in, signed with the body, so that the endpoint can say whether it accepts that version, or has deprecated it.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
        reviewBy: '2027-05-31',
      }),
    }),
    nonce: Type.String({
      pattern: '^[0-9a-f]{32}$',
      minLength: 32,
      maxLength: 32,
      ...privacy({
        purpose:
          'Sixteen random bytes, new for every test: they make each probe and its message id unique, so the answer is known to belong to this test.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
        values: {
          are: '32 lowercase hex digits, random for every test. The endpoint answers a probe and stores nothing of it: the store refuses to take one.',
          keptBy: ['schema:pattern', 'runtime:not-a-report'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
  },
  { additionalProperties: false },
);

export type ProbeBody = Static<typeof ProbeBody>;

/** What the contract says about a probe: its media type, its body, and what the endpoint does with it. */
export const probe = {
  source: 'schema/probe.ts',
  mediaType: PROBE_MEDIA_TYPE,
  body: ProbeBody,
  /** The message id of a probe: `msg_` + hex SHA-256 of this text, the license id and nonce filled in. */
  messageIdOf: '<licenseId>/probe/<nonce>',
  stored: false,
} as const;
