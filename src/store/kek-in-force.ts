/**
 * The key-encryption key in force: the one KEK every process seals new values
 * under (a license's signing secret, a data key), recorded in the database
 * (`telemetry_kek_in_force`, one row) rather than taken from each process's
 * keyring. Only `rewrap` changes it. So a KEK rotation is safe by
 * construction: once rewrap has put every stored value under the new KEK, no
 * process, however stale its keyring, can seal another value under the old
 * one, and `check` finding nothing under the old KEK stays true.
 *
 * Every sealing insert is guarded in its own statement: it inserts only while
 * the KEK it sealed under is in force, and holds the in-force row FOR SHARE
 * meanwhile, so rewrap's change of it waits for inserts in flight and rewrap's
 * scan that follows sees them. A process whose guard fails reads the KEK in
 * force again (and its keyring, which the operator may have changed) and
 * seals again.
 */
import type { Kek } from './keyring.js';
import { KEK_ID_COLUMN, KeyStoreError, type LicenseTables } from './license-tables.js';

/** The statements that create the table when missing. */
export const kekInForceDdl = (table: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${table} (`,
  '  singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT singleton_check CHECK (singleton),',
  KEK_ID_COLUMN,
  '  changed_at timestamptz NOT NULL',
  ');',
  `COMMENT ON TABLE ${table} IS 'The key-encryption key every new secret and data key is sealed under: set by the first value sealed, changed only by rewrap. Holds an id, never key material.';`,
];

export interface KekInForce {
  /** The KEK to seal under now: the one in force (recorded by the first seal when none is), from this process's keyring. */
  current(): Promise<Kek>;
  /** The id recorded in force, or undefined before anything was sealed. */
  recorded(): Promise<string | undefined>;
  /**
   * Runs `attempt` with the KEK in force; `attempt` inserts with {@link guard} and returns `stale` when
   * the guard found another KEK in force, and is then run again with the one in force now.
   */
  seal<T>(where: string, attempt: (kek: Kek) => Promise<T | typeof STALE>): Promise<T>;
  /** Makes `kek` the KEK in force (rewrap), after inserts guarded by the one before have finished. */
  set(kek: Kek): Promise<void>;
}

/** What a guarded attempt returns when the KEK it sealed under is no longer in force. */
export const STALE = Symbol('stale');

/**
 * The guard of a sealing insert, as a CTE named `in_force`: one row while `$<param>` is the KEK in force,
 * none otherwise; the insert selects `FROM in_force`, and the statement returns `(SELECT count(*) FROM in_force)`.
 */
export const guard = (table: string, param: number): string => `in_force AS (SELECT 1 AS held FROM ${table} WHERE kek_id = $${param} FOR SHARE)`;

/** The KEK in force of a license store's (or report store's) tables. */
export function kekInForce(tables: LicenseTables): KekInForce {
  let cached: Kek | undefined;

  const recorded = async (): Promise<string | undefined> => {
    const rows = await tables.query('key-encryption key in force', `SELECT kek_id FROM ${tables.kekInForce}`);
    return rows[0] === undefined ? undefined : String(rows[0]['kek_id']);
  };

  const current = async (): Promise<Kek> => {
    if (cached !== undefined) return cached;
    let id = await recorded();
    if (id === undefined) {
      // Nothing sealed yet: the first sealer's current KEK is the one in force (another process may win; read it back).
      await tables.query('key-encryption key in force', `INSERT INTO ${tables.kekInForce} (singleton, kek_id, changed_at) VALUES (true, $1, $2::timestamptz) ON CONFLICT (singleton) DO NOTHING`, [
        (await tables.keyring.ring()).current.id,
        tables.now().toISOString(),
      ]);
      id = (await recorded())!;
    }
    const kek = await tables.keyring.kekOf(id);
    if (kek === undefined) {
      const known = (await tables.keyring.ring()).all.map((k) => k.id).join(', ');
      throw new KeyStoreError(
        'kek-unknown',
        `key store: new values are sealed under the key-encryption key ${id}, in force since the last rewrap, which this keyring (${known}) lacks (kek-unknown); give this process the keyring rewrap ran with`,
      );
    }
    cached = kek;
    return kek;
  };

  return {
    current,
    recorded,
    async seal(where, attempt) {
      for (let round = 0; round < 3; round++) {
        const outcome = await attempt(await current());
        if (outcome !== STALE) return outcome;
        cached = undefined;
      }
      throw new KeyStoreError('concurrent-change', `${where}: the key-encryption key in force changed three times while sealing (concurrent-change); run it again once rewrap has finished`);
    },
    async set(kek) {
      // The upsert waits for guarded inserts holding the row FOR SHARE; those that come after see the new KEK.
      await tables.query(
        'rewrap',
        `INSERT INTO ${tables.kekInForce} AS f (singleton, kek_id, changed_at) VALUES (true, $1, $2::timestamptz) ON CONFLICT (singleton) DO UPDATE SET kek_id = EXCLUDED.kek_id, changed_at = EXCLUDED.changed_at WHERE f.kek_id <> EXCLUDED.kek_id`,
        [kek.id, tables.now().toISOString()],
      );
      cached = kek;
    },
  };
}
