/**
 * The records half of the license store (./license-store.ts puts the halves
 * together): one license record per license in the table
 * `telemetry_licenses`. What the server needs in SQL stays in clear (the
 * features, the contract end that purge reads, the data region put stamps);
 * the legal entity, a person's name for a sole trader, is sealed by
 * ./license-personal.ts under the license's `record` data key and opened only
 * to check a customer header or to show the record to the operator.
 */
import schema from '../../generated/license.schema.json' with { type: 'json' };
import { type LicenseRecord, validateLicenseRecord } from '../contract/license.js';
import { CONTRACT_HEADERS, headerPattern } from '../wire/contract-headers.js';
import { encodeCustomer } from '../wire/mask.js';
import { type DataKeys, dataKeyColumns } from './data-keys.js';
import { type ClearFields, openPersonal, sealPersonal } from './license-personal.js';
import { KeyStoreError, type LicenseTables, checkLicenseId, hex, licenseIdColumn, unhex } from './license-tables.js';

/**
 * The columns of a record row (the table named `alias`) as {@link recordsTable}'s `recordOf` reads them,
 * with those of its data key, which {@link recordKeyJoin} brings; `as` prefixes each name.
 */
export const recordColumns = (alias: string, as = '') =>
  [
    `${alias}.license_id AS ${as}license_id`,
    `${alias}.features AS ${as}features`,
    `to_char(${alias}.contract_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${as}contract_end`,
    `${alias}.data_region AS ${as}data_region`,
    `encode(${alias}.legal_entity, 'hex') AS ${as}legal_entity`,
    dataKeyColumns(`${alias}_dk.`, `${as}dk_`),
  ].join(', ');

/** The join that brings the data key of the record named `alias` to {@link recordColumns}. */
export const recordKeyJoin = (tables: LicenseTables, alias: string) => `LEFT JOIN ${tables.dataKeys} AS ${alias}_dk ON ${alias}_dk.id = ${alias}.data_key`;

const featurePattern = schema.properties.features.items.pattern.slice(1, -1);
const customerHeader = headerPattern(CONTRACT_HEADERS.customer);

/** Whether a record is one the store keeps: the contract's schema, and a legal entity the customer header can carry. */
function checkRecord(where: string, value: unknown): LicenseRecord {
  const checked = validateLicenseRecord(value);
  if (!checked.ok) {
    const n = checked.errors.length;
    throw new KeyStoreError('license-record', `${where}: is not a license record, ${n} problem${n === 1 ? '' : 's'}: ${checked.errors.map((e) => e.message).join('; ')} (license-record)`);
  }
  if (!customerHeader.test(encodeCustomer(checked.value.legalEntity))) {
    throw new KeyStoreError('license-record', `${where}: /legalEntity: is longer, percent-encoded, than the customer header may be (license-record); use the name as the license agreement spells it, shortened`);
  }
  return checked.value;
}

/** The records table of a license store: its DDL, setting and reading records, and its sealed legal entities for check and rewrap. */
export function recordsTable(tables: LicenseTables, keys: DataKeys) {
  const table = tables.licenses;
  const { query } = tables;

  /** A row's fields kept in clear (its columns named with the prefix `as`). */
  const clearOf = (row: Record<string, unknown>, as = ''): ClearFields => {
    const end = row[`${as}contract_end`];
    return { features: [...(row[`${as}features`] as string[])], ...(end === null || end === undefined ? {} : { contractEnd: String(end) }), dataRegion: String(row[`${as}data_region`]) };
  };

  /** A row's legal entity; a KeyStoreError when the keyring cannot read its data key, or the row was changed. */
  const legalEntityOf = async (where: string, row: Record<string, unknown>, as = ''): Promise<string> => {
    const licenseId = String(row[`${as}license_id`]);
    const key = await keys.fromRow(where, row, `${as}dk_`);
    const name = key.licenseId === licenseId && key.purpose === 'record' ? await openPersonal(key, licenseId, 'legalEntity', unhex(String(row[`${as}legal_entity`])), clearOf(row, as)) : undefined;
    if (name === undefined) {
      throw new KeyStoreError(
        'kek-mismatch',
        `${where}: the license record of ${licenseId} does not decrypt under its data key (kek-mismatch); it was changed in the database (its features, contract end or data region too) or moved from another license: set the license record again`,
      );
    }
    return name;
  };

  /** A record row (its columns named with the prefix `as`) as the record. */
  const recordOf = async (where: string, row: Record<string, unknown>, as = ''): Promise<LicenseRecord> => {
    const { contractEnd, ...clear } = clearOf(row, as);
    return {
      licenseId: String(row[`${as}license_id`]),
      legalEntity: await legalEntityOf(where, row, as),
      features: [...clear.features],
      ...(contractEnd === undefined ? {} : { contractEnd }),
      dataRegion: clear.dataRegion,
    };
  };

  /** Every record row with its data key, by license id (one license's with `licenseId`). */
  const rows = (where: string, licenseId?: string) =>
    query(where, `SELECT ${recordColumns('l')} FROM ${table} AS l ${recordKeyJoin(tables, 'l')}${licenseId === undefined ? '' : ' WHERE l.license_id = $1'} ORDER BY l.license_id`, licenseId === undefined ? [] : [licenseId]);

  return {
    recordOf,
    rows,
    /** The statements that create the table when missing. */
    create: [
      `CREATE TABLE IF NOT EXISTS ${table} (`,
      licenseIdColumn('PRIMARY KEY'),
      `  features text[] NOT NULL CONSTRAINT features_check CHECK (cardinality(features) <= ${schema.properties.features.maxItems} AND array_position(features, NULL) IS NULL AND (cardinality(features) = 0 OR array_to_string(features, ',') ~ '^${featurePattern}(,${featurePattern})*$')),`,
      `  contract_end timestamptz CONSTRAINT contract_end_check CHECK (contract_end = date_trunc('day', contract_end AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),`,
      `  data_region text NOT NULL CONSTRAINT data_region_check CHECK (data_region ~ '${schema.properties.dataRegion.pattern}'),`,
      `  data_key text COLLATE "C" NOT NULL CONSTRAINT data_key_fkey REFERENCES ${tables.dataKeys} (id),`,
      '  legal_entity bytea NOT NULL CONSTRAINT legal_entity_check CHECK (octet_length(legal_entity) BETWEEN 29 AND 1052),',
      '  updated_at timestamptz NOT NULL',
      ');',
      `COMMENT ON TABLE ${table} IS 'License records: what a license allows a report to say. features, contract_end (read by purge) and data_region (stamped on every report) in clear; legal_entity, a person''s name for a sole trader, AES-256-GCM encrypted (nonce, ciphertext, tag) under the license''s record data key (data_key), bound to license_id and the clear fields as associated data.';`,
    ],

    /** Stores a license's record, replacing the one it had; whether it is new. */
    async set(value: unknown): Promise<{ readonly licenseId: string; readonly created: boolean }> {
      const record = checkRecord('set-license', value);
      // Twice at most: a data key destroyed (the license deleted) between its lookup and the insert is made anew.
      for (let round = 0; ; round++) {
        const key = await keys.keyFor('set-license', record.licenseId, 'record');
        const sealed = await sealPersonal(key, record.licenseId, 'legalEntity', record.legalEntity, record);
        try {
          const rows = await query(
            'set-license',
            `INSERT INTO ${table} AS l (license_id, features, contract_end, data_region, data_key, legal_entity, updated_at)
             VALUES ($1, $2::text[], $3::timestamptz, $4, $5, decode($6, 'hex'), $7::timestamptz)
             ON CONFLICT (license_id) DO UPDATE SET features = EXCLUDED.features, contract_end = EXCLUDED.contract_end, data_region = EXCLUDED.data_region,
               data_key = EXCLUDED.data_key, legal_entity = EXCLUDED.legal_entity, updated_at = EXCLUDED.updated_at
             RETURNING (xmax = 0) AS created`,
            [record.licenseId, record.features, record.contractEnd ?? null, record.dataRegion, key.id, hex(sealed), tables.now().toISOString()],
          );
          return { licenseId: record.licenseId, created: rows[0]?.['created'] === true };
        } catch (error) {
          if (!(error instanceof KeyStoreError && error.rule === 'data-key-gone') || round > 0) throw error;
          keys.evict(record.licenseId);
        }
      }
    },

    /** The record of a license, or undefined. */
    async get(licenseId: string): Promise<LicenseRecord | undefined> {
      checkLicenseId('show-license', licenseId);
      const found = await rows('show-license', licenseId);
      return found[0] === undefined ? undefined : recordOf('show-license', found[0]);
    },

    /** Every record, by license id. */
    async all(): Promise<LicenseRecord[]> {
      const records: LicenseRecord[] = [];
      for (const row of await rows('show-license')) records.push(await recordOf('show-license', row));
      return records;
    },
  };
}
