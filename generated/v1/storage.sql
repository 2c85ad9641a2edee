-- generated from schema/v1.ts by `npm run generate`; do not edit
-- PostgreSQL storage of schema version 1 reports (PostgreSQL 15 or later; PGlite).
-- The first migration: it creates the table every later version ALTERs.
-- telemetry-contract/store-postgres migrate() applies it once and records it in telemetry_migrations.

CREATE FUNCTION features_used_items_168e6150(items text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $items$ SELECT coalesce(bool_and(char_length(item) <= 64 AND item ~ '^[a-z][a-z0-9._-]{0,63}$'), true) AND count(DISTINCT item) = count(*) FROM unnest(items) AS item $items$;

-- A contract instant (its column checks the spelling) as fixed-width text whose C order is time order: the fraction padded to nine digits.
CREATE FUNCTION telemetry_instant_order(instant text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $instant$ SELECT left(instant, 19) || rpad(substr(instant, 21, greatest(char_length(instant) - 21, 0)), 9, '0') $instant$;

-- Ascending Unicode code point order: the C collation compares UTF-8 bytes, which sort as code points do.
CREATE FUNCTION telemetry_sorted_by_code_point(items text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $sorted$ SELECT coalesce(bool_and(items[i] COLLATE "C" <= items[i + 1] COLLATE "C"), true) FROM generate_subscripts(items, 1) AS i WHERE i < array_upper(items, 1) $sorted$;

CREATE TABLE telemetry_reports (
  dedupe_key text COLLATE "C" PRIMARY KEY,
  received_at timestamptz NOT NULL,
  body_digest text NOT NULL CONSTRAINT body_digest_check CHECK (body_digest ~ '^[0-9a-f]{64}$'),
  schema_version integer NOT NULL CONSTRAINT schema_version_check CHECK (schema_version IN (1)),
  period_start text NOT NULL CONSTRAINT period_start_check CHECK (char_length(period_start) >= 20 AND char_length(period_start) <= 20 AND period_start ~ '^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T00:00:00Z$'),
  period_end text NOT NULL CONSTRAINT period_end_check CHECK (char_length(period_end) >= 20 AND char_length(period_end) <= 20 AND period_end ~ '^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T00:00:00Z$'),
  active_seats bigint NOT NULL CONSTRAINT active_seats_check CHECK (active_seats >= 0 AND active_seats <= 9007199254740991),
  policies_active bigint NOT NULL CONSTRAINT policies_active_check CHECK (policies_active >= 0 AND policies_active <= 9007199254740991),
  policy_executions_count bigint NOT NULL CONSTRAINT policy_executions_count_check CHECK (policy_executions_count >= 0 AND policy_executions_count <= 9007199254740991),
  total_provisioned_seats bigint NOT NULL CONSTRAINT total_provisioned_seats_check CHECK (total_provisioned_seats >= 0 AND total_provisioned_seats <= 9007199254740991),
  seat_limit_hit boolean NOT NULL,
  features_used text[] NOT NULL CONSTRAINT features_used_check CHECK (cardinality(features_used) <= 256 AND features_used_items_168e6150(features_used)),
  app_version text CONSTRAINT app_version_check CHECK (char_length(app_version) >= 7 AND char_length(app_version) <= 40 AND app_version ~ '^[0-9a-f]{7,40}$'),
  node_version text CONSTRAINT node_version_check CHECK (char_length(node_version) <= 3 AND node_version ~ '^[1-9][0-9]{0,2}$'),
  webhook_id bytea NOT NULL CONSTRAINT webhook_id_check CHECK (octet_length(webhook_id) >= 28 AND octet_length(webhook_id) <= 300),
  customer bytea NOT NULL CONSTRAINT customer_check CHECK (octet_length(customer) >= 28 AND octet_length(customer) <= 3100),
  license_id text NOT NULL CONSTRAINT license_id_check CHECK (char_length(license_id) <= 128 AND license_id ~ '^[A-Za-z0-9._-]{1,128}$'),
  CONSTRAINT rule_period_order CHECK (telemetry_instant_order(period_start) COLLATE "C" < telemetry_instant_order(period_end) COLLATE "C"),
  CONSTRAINT rule_features_sorted CHECK (telemetry_sorted_by_code_point(features_used))
);

-- purge deletes by the time of receipt.
CREATE INDEX telemetry_reports_received_at ON telemetry_reports (received_at);

COMMENT ON COLUMN telemetry_reports.dedupe_key IS 'The window''s dedupe key, <license id>/<period start>/<period end> as canonical UTC instants: the primary key, so a window is stored once however often it arrives. Kept as long as its row: the license id and the window it spells last as long as the row''s longest-kept field.';
COMMENT ON COLUMN telemetry_reports.received_at IS 'When the store accepted the report. Every retention period counts from it. Kept as long as its row.';
COMMENT ON COLUMN telemetry_reports.body_digest IS 'SHA-256 (hex) of the verified payload as canonical JSON: a window that arrives again with the same body is answered as stored, with another body refused (window-conflict). Reveals nothing the row does not hold. Kept as long as its row.';
COMMENT ON COLUMN telemetry_reports.schema_version IS 'Field schemaVersion. Tells the ingest endpoint which contract the report follows. The endpoint refuses versions it does not know, and the uploader refuses to send a version the endpoint does not accept. Legal basis: Art. 6(1)(b) performance of a contract (service operation). Category: protocol metadata (protocol-metadata). Retention: P400D (400 days). Owner: Platform team.';
COMMENT ON COLUMN telemetry_reports.period_start IS 'Field periodStart. Start of the aggregation window, the first day in it. Together with the end and the license id it forms the dedupe key, so a replayed report is stored once. Legal basis: Art. 6(1)(b) performance of a contract (preventing duplicate processing). Category: reporting period (reporting-period). Retention: P400D (400 days). Owner: Platform team. The validator alone checks: format date-time (a day that exists).';
COMMENT ON COLUMN telemetry_reports.period_end IS 'Field periodEnd. End of the aggregation window, the first day after it. The other bound of the dedupe key. Legal basis: Art. 6(1)(b) performance of a contract (preventing duplicate processing). Category: reporting period (reporting-period). Retention: P400D (400 days). Owner: Platform team. The validator alone checks: format date-time (a day that exists).';
COMMENT ON COLUMN telemetry_reports.active_seats IS 'Field activeSeats. How many distinct users signed in at least once during the window. Lets customer success see a plan that is too small before the customer runs into the seat limit. Legal basis: Art. 6(1)(f) legitimate interests (capacity planning). Category: aggregate usage count (usage-aggregate). Retention: P400D (400 days). Owner: Customer Success.';
COMMENT ON COLUMN telemetry_reports.policies_active IS 'Field policiesActive. How many policies are switched on in the deployment. A signal for capacity and for abuse of the license. Legal basis: Art. 6(1)(f) legitimate interests (capacity planning and abuse detection). Category: aggregate usage count (usage-aggregate). Retention: P400D (400 days). Owner: Customer Success.';
COMMENT ON COLUMN telemetry_reports.policy_executions_count IS 'Field policyExecutionsCount. How many policy executions ran during the window, summed over all policies. Separates production use from an evaluation install. Legal basis: Art. 6(1)(f) legitimate interests (engagement measurement). Category: aggregate usage count (usage-aggregate). Retention: P400D (400 days). Owner: Product Management.';
COMMENT ON COLUMN telemetry_reports.total_provisioned_seats IS 'Field totalProvisionedSeats. How many user accounts exist in the deployment, active or not. Needed to estimate how close the deployment is to its licensed seat limit. Legal basis: Art. 6(1)(b) performance of a contract (billing compliance). Category: license posture (license-posture). Retention: P400D (400 days). Owner: License Management.';
COMMENT ON COLUMN telemetry_reports.seat_limit_hit IS 'Field seatLimitHit. One bit: whether the deployment reached its seat limit at any moment of the window. Legal basis: Art. 6(1)(b) performance of a contract (license enforcement). Category: license posture (license-posture). Retention: P400D (400 days). Owner: License Management.';
COMMENT ON COLUMN telemetry_reports.features_used IS 'Field featuresUsed. Names of the license-declared features that were used during the window, sorted. Nothing per user, and only names the license declares, so a feature outside the license cannot appear. Legal basis: Art. 6(1)(f) legitimate interests (product planning). Category: license posture (license-posture). Retention: P400D (400 days). Owner: Product Management.';
COMMENT ON COLUMN telemetry_reports.app_version IS 'Field appVersion. The build (git commit SHA) of the vendor''s release the deployment runs. Decides which fixes are backported first. Legal basis: Art. 6(1)(f) legitimate interests (backport prioritization). Category: software environment (software-environment). Retention: P400D (400 days). Owner: Support Engineering.';
COMMENT ON COLUMN telemetry_reports.node_version IS 'Field nodeVersion. The major version of Node.js the deployment runs on. Decides who hears about a runtime reaching end of life. Legal basis: Art. 6(1)(f) legitimate interests (end-of-life notices). Category: software environment (software-environment). Retention: P400D (400 days). Owner: Support Engineering.';
COMMENT ON COLUMN telemetry_reports.webhook_id IS 'Header webhook-id. Identifies the report: derived from the license id, the window and the customer header as sent, so every retry of one window carries the same id and the endpoint can store the window once; as it is signed, it also authenticates the license id and the customer header. Legal basis: Art. 6(1)(b) performance of a contract (preventing duplicate processing). Category: protocol metadata (protocol-metadata). Retention: P400D (400 days). Owner: Platform team. Stored encrypted, never in clear: AES-256-GCM under the data key of its license (telemetry_data_keys, by data_key), which forget destroys. The validator alone checks: every keyword (the column holds the value encrypted; its length bounds the ciphertext''s).';
COMMENT ON COLUMN telemetry_reports.customer IS 'Header x-telemetry-customer. The legal entity named in the license, percent-encoded, or its mask anon-<hex>-<length> when masking is on. Tells the vendor whose account the report belongs to. Legal basis: Art. 6(1)(b) performance of a contract (account management and billing). Category: customer identity (customer-identity). Retention: P400D (400 days). Owner: License Management. Stored encrypted, never in clear: AES-256-GCM under the data key of its license (telemetry_data_keys, by data_key), which forget destroys. The validator alone checks: every keyword (the column holds the value encrypted; its length bounds the ciphertext''s).';
COMMENT ON COLUMN telemetry_reports.license_id IS 'Header x-telemetry-license-id. The license the deployment runs under. Links the report to the contract it is billed against, and is part of the dedupe key. Legal basis: Art. 6(1)(b) performance of a contract (license verification). Category: customer identity (customer-identity). Retention: P400D (400 days). Owner: License Management.';

-- The windows stored, one per report, in a table of their own, so that the exclusion constraint below refuses a
-- window that overlaps another window of the same license, whatever becomes of the reports table.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE telemetry_windows (
  dedupe_key text COLLATE "C" PRIMARY KEY,
  license_id text COLLATE "C" NOT NULL,
  period tstzrange NOT NULL CONSTRAINT period_check CHECK (NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)),
  CONSTRAINT telemetry_windows_no_overlap EXCLUDE USING gist (license_id WITH =, period WITH &&)
);
COMMENT ON TABLE telemetry_windows IS 'A row per stored report: its dedupe key, license id and window, kept and erased with the report. Two windows of one license never overlap (window-overlap).';
