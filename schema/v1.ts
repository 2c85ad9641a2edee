import { Type, type Static } from '@sinclair/typebox';
import { defineContract } from './contract.js';
import { HeadersV1, TransportHeadersV1 } from './headers.js';
import { privacy } from './privacy.js';
import { Count, UtcMidnight, Version } from './types.js';

/**
 * Schema v1: what one on-prem deployment reports for one aggregation window.
 * Counts and license posture only; see `notCollected` below for what stays home.
 */
export const TelemetryV1 = Type.Object(
  {
    schemaVersion: Version(1, {
      ...privacy({
        purpose:
          'Tells the ingest endpoint which contract the report follows. The endpoint refuses versions it does not know, and the uploader refuses to send a version the endpoint does not accept.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P400D',
        owner: 'Platform team',
        reviewBy: '2027-05-31',
      }),
    }),
    periodStart: UtcMidnight(
      privacy({
        purpose:
          'Start of the aggregation window, the first day in it. Together with the end and the license id it forms the dedupe key, so a replayed report is stored once.',
        legalBasis: 'contract',
        basisNote: 'preventing duplicate processing',
        category: 'reporting-period',
        retention: 'P400D',
        owner: 'Platform team',
        values: {
          are: 'A UTC midnight, YYYY-MM-DDT00:00:00Z, of a year from 2000 to 2099: a day, never a time of day.',
          keptBy: ['schema:pattern', 'schema:format'],
        },
        reviewBy: '2027-05-31',
      }),
    ),
    periodEnd: UtcMidnight(
      privacy({
        purpose: 'End of the aggregation window, the first day after it. The other bound of the dedupe key.',
        legalBasis: 'contract',
        basisNote: 'preventing duplicate processing',
        category: 'reporting-period',
        retention: 'P400D',
        owner: 'Platform team',
        values: {
          are: 'A UTC midnight, YYYY-MM-DDT00:00:00Z, of a year from 2000 to 2099, at least one day after periodStart; a window that overlaps another stored window of the same license is refused.',
          keptBy: ['schema:pattern', 'schema:format', 'rule:period-order', 'runtime:window-overlap'],
        },
        reviewBy: '2027-05-31',
      }),
    ),
    activeSeats: Count(
      privacy({
        purpose:
          'How many distinct users signed in at least once during the window. Lets customer success see a plan that is too small before the customer runs into the seat limit.',
        legalBasis: 'legitimate-interests',
        basisNote: 'capacity planning',
        proportionality:
          'One count over every user of the deployment cannot single anyone out, and customers want to hear that their plan is too small before they hit the limit; nothing coarser would show it.',
        category: 'usage-aggregate',
        retention: 'P400D',
        owner: 'Customer Success',
        reviewBy: '2027-05-31',
      }),
    ),
    policiesActive: Count(
      privacy({
        purpose: 'How many policies are switched on in the deployment. A signal for capacity and for abuse of the license.',
        legalBasis: 'legitimate-interests',
        basisNote: 'capacity planning and abuse detection',
        proportionality:
          'A number of switched-on policies says nothing about what they contain or whom they govern, yet without it an undersized plan and a misused license look the same.',
        category: 'usage-aggregate',
        retention: 'P400D',
        owner: 'Customer Success',
        reviewBy: '2027-05-31',
      }),
    ),
    policyExecutionsCount: Count(
      privacy({
        purpose:
          'How many policy executions ran during the window, summed over all policies. Separates production use from an evaluation install.',
        legalBasis: 'legitimate-interests',
        basisNote: 'engagement measurement',
        proportionality:
          'One total per window reveals no decision, policy or user, and it is the least data that tells a production deployment from a trial.',
        category: 'usage-aggregate',
        retention: 'P400D',
        owner: 'Product Management',
        reviewBy: '2027-05-31',
      }),
    ),
    totalProvisionedSeats: Count(
      privacy({
        purpose:
          'How many user accounts exist in the deployment, active or not. Needed to estimate how close the deployment is to its licensed seat limit.',
        legalBasis: 'contract',
        basisNote: 'billing compliance',
        category: 'license-posture',
        retention: 'P400D',
        owner: 'License Management',
        reviewBy: '2027-05-31',
      }),
    ),
    seatLimitHit: Type.Boolean(
      privacy({
        purpose: 'One bit: whether the deployment reached its seat limit at any moment of the window.',
        legalBasis: 'contract',
        basisNote: 'license enforcement',
        category: 'license-posture',
        retention: 'P400D',
        owner: 'License Management',
        reviewBy: '2027-05-31',
      }),
    ),
    featuresUsed: Type.Array(
      Type.String({ pattern: '^[a-z][a-z0-9._-]{0,63}$', maxLength: 64 }),
      {
        maxItems: 256,
        uniqueItems: true,
        ...privacy({
          purpose:
            'Names of the license-declared features that were used during the window, sorted. Nothing per user, and only names the license declares, so a feature outside the license cannot appear.',
          legalBasis: 'legitimate-interests',
          basisNote: 'product planning',
          proportionality:
            'Only names the license already declares, for the whole deployment, with no user and no frequency: the vendor learns which paid features matter, and nothing about anyone.',
          category: 'license-posture',
          retention: 'P400D',
          owner: 'Product Management',
          values: {
            are: 'Names of features the license record declares, each at most once, in code point order: the uploader opened with the record and ingest given it refuse any other name.',
            keptBy: [
              'schema:pattern',
              'schema:uniqueItems',
              'rule:features-sorted',
              'runtime:feature-not-licensed',
            ],
          },
          reviewBy: '2027-05-31',
        }),
      },
    ),
    appVersion: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{7,40}$',
        minLength: 7,
        maxLength: 40,
        ...privacy({
          purpose: 'The build (git commit SHA) of the vendor\'s release the deployment runs. Decides which fixes are backported first.',
          legalBasis: 'legitimate-interests',
          basisNote: 'backport prioritization',
          proportionality:
            'A build hash identifies software, not people, and knowing it gets security fixes to the deployments that need them first, which serves the customer as much as the vendor.',
          category: 'software-environment',
          retention: 'P400D',
          owner: 'Support Engineering',
          values: {
            are: 'The build id (the git commit SHA, 7 to 40 hex digits) of a release the vendor lists. A build the vendor does not list is not stored: the report is, without it.',
            keptBy: ['schema:pattern', 'runtime:unknown-build'],
          },
          reviewBy: '2027-05-31',
        }),
      }),
    ),
    nodeVersion: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,2}$',
        maxLength: 3,
        ...privacy({
          purpose: 'The major version of Node.js the deployment runs on. Decides who hears about a runtime reaching end of life.',
          legalBasis: 'legitimate-interests',
          basisNote: 'end-of-life notices',
          proportionality:
            'A runtime major version is a technical fact about the installation; it lets the vendor warn exactly the customers whose runtime is reaching end of life.',
          category: 'software-environment',
          retention: 'P400D',
          owner: 'Support Engineering',
          values: {
            are: 'The major version of a Node.js release line the vendor knows (by default 4 to 25; a server may list others). Another number is not stored: the report is, without it.',
            keptBy: ['schema:pattern', 'runtime:unknown-node-major'],
          },
          reviewBy: '2027-05-31',
        }),
      }),
    ),
  },
  { additionalProperties: false },
);

export type TelemetryV1 = Static<typeof TelemetryV1>;

export const v1 = defineContract({
  version: 1,
  source: 'schema/v1.ts',
  payload: TelemetryV1,
  headers: HeadersV1,
  transport: TransportHeadersV1,
  rules: [
    {
      id: 'period-order',
      kind: 'instant-before',
      earlier: '/periodStart',
      later: '/periodEnd',
      meaning: 'periodStart is strictly earlier than periodEnd; an empty or reversed window is refused. As both are UTC midnights, a window is at least one day long.',
    },
    {
      id: 'features-sorted',
      kind: 'sorted-by-code-point',
      path: '/featuresUsed',
      meaning: 'featuresUsed is in ascending Unicode code point order, so two reports of the same feature set are byte-identical.',
    },
  ],
  notCollected: [
    {
      what: 'User identifiers',
      examples: ['user id', 'email address', 'IP address', 'user agent'],
      reason: 'Every count is taken over the whole deployment; no value names, addresses or fingerprints a person.',
    },
    {
      what: 'Policy content',
      examples: ['policy body', 'policy name', 'rule string'],
      reason: 'Only how many policies exist and run matters for the contract; what they say is the customer\'s business.',
    },
    {
      what: 'Execution outcomes',
      examples: ['which policy ran', 'policy decision'],
      reason: 'One total per window is enough to tell production from evaluation; which policy decided what is never needed.',
    },
    {
      what: 'Stack traces and errors',
      examples: ['stack trace', 'error message'],
      reason: 'Telemetry reports the success path only. Errors go to the customer\'s own operations team, never to the vendor.',
    },
    {
      what: 'Geolocation',
      examples: ['location', 'country', 'coordinates'],
      reason: 'The vendor records which data region received a report on its own side; the deployment sends no location.',
    },
    {
      what: 'Performance metrics',
      examples: ['latency', 'memory usage', 'CPU usage'],
      reason: 'Out of scope: the contract covers license posture and aggregate usage, not how well the deployment runs.',
    },
    {
      what: 'Browser telemetry',
      examples: ['browser', 'page view', 'click'],
      reason: 'Reports are built and sent server-side; no browser takes part and none is observed.',
    },
  ],
});
