// generated from schema/v1.ts by `npm run generate`; do not edit

/**
 * Usage telemetry report, schema version 1: aggregate counts and license posture of one on-prem deployment for one time window.
 */
export interface TelemetryV1 {
  /**
   * Tells the ingest endpoint which contract the report follows. The endpoint refuses versions it does not know, and the uploader refuses to send a version the endpoint does not accept.
   */
  schemaVersion: 1;
  /**
   * Start of the aggregation window, the first day in it. Together with the end and the license id it forms the dedupe key, so a replayed report is stored once.
   */
  periodStart: string;
  /**
   * End of the aggregation window, the first day after it. The other bound of the dedupe key.
   */
  periodEnd: string;
  /**
   * How many distinct users signed in at least once during the window. Lets customer success see a plan that is too small before the customer runs into the seat limit.
   */
  activeSeats: number;
  /**
   * How many policies are switched on in the deployment. A signal for capacity and for abuse of the license.
   */
  policiesActive: number;
  /**
   * How many policy executions ran during the window, summed over all policies. Separates production use from an evaluation install.
   */
  policyExecutionsCount: number;
  /**
   * How many user accounts exist in the deployment, active or not. Needed to estimate how close the deployment is to its licensed seat limit.
   */
  totalProvisionedSeats: number;
  /**
   * One bit: whether the deployment reached its seat limit at any moment of the window.
   */
  seatLimitHit: boolean;
  /**
   * Names of the license-declared features that were used during the window, sorted. Nothing per user, and only names the license declares, so a feature outside the license cannot appear.
   *
   * @maxItems 256
   */
  featuresUsed: string[];
  /**
   * The build (git commit SHA) of the vendor's release the deployment runs. Decides which fixes are backported first.
   */
  appVersion?: string;
  /**
   * The major version of Node.js the deployment runs on. Decides who hears about a runtime reaching end of life.
   */
  nodeVersion?: string;
}
