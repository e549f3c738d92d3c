// The only code that writes enterprise and cultivation_listing. The response documents are built
// by document.sql.ts and stored by document-cache/.
import type { Queryable } from '../../db/client.ts'

/** Row columns an enterprise is written from; matches the table (snake_case). */
export interface EnterpriseRow {
  uscc: string
  name: string
  county_code: string
  industry_code: string | null
  address: string | null
  legal_representative: string | null
  contact_name: string | null
  contact_phone: string | null
  contact_email: string | null
  cultivation_stage: string | null
  business_status: string
  cultivation_lists: { list: string; year: number }[]
}

export async function rowsOf(tx: Queryable, usccs: string[]): Promise<Map<string, EnterpriseRow>> {
  const rows = await tx.query<EnterpriseRow>(
    `SELECT e.uscc, e.name, e.county_code, e.industry_code, e.address, e.legal_representative, e.contact_name,
            e.contact_phone, e.contact_email, e.cultivation_stage::text, e.business_status::text,
            coalesce((SELECT json_agg(json_build_object('list', l.list, 'year', l.year) ORDER BY l.year, l.list)
                      FROM cultivation_listing l WHERE l.uscc = e.uscc), '[]'::json) AS cultivation_lists
     FROM enterprise e WHERE e.uscc = ANY($1::bpchar[]) ORDER BY e.uscc FOR UPDATE OF e`,
    [usccs],
  )
  return new Map(rows.map((r) => [r.uscc, r]))
}

/**
 * Inserts or updates whole rows in one statement; rows identical to what is stored are left
 * alone. Returns the USCCs written, each marked as inserted or not.
 */
export async function upsertRows(tx: Queryable, rows: EnterpriseRow[], mode: 'create' | 'upsert'): Promise<Map<string, 'created' | 'updated'>> {
  if (rows.length === 0) return new Map()
  const onConflict = mode === 'create' ? 'ON CONFLICT (uscc) DO NOTHING' : UPSERT_ON_CONFLICT
  const written = await tx.query<{ uscc: string; inserted: boolean }>(
    `INSERT INTO enterprise AS e (uscc, name, county_code, industry_code, address, legal_representative, contact_name,
                                  contact_phone, contact_email, cultivation_stage, business_status)
     SELECT r.uscc, r.name, r.county_code, r.industry_code, r.address, r.legal_representative, r.contact_name,
            r.contact_phone, r.contact_email, r.cultivation_stage::"CultivationStage", r.business_status::"BusinessStatus"
     FROM jsonb_to_recordset($1::jsonb) AS r(uscc text, name text, county_code text, industry_code text, address text,
          legal_representative text, contact_name text, contact_phone text, contact_email text, cultivation_stage text,
          business_status text)
     ${onConflict}
     RETURNING e.uscc, (xmax = 0) AS inserted`,
    [JSON.stringify(rows)],
  )
  return new Map(written.map((w) => [w.uscc, w.inserted ? 'created' : 'updated']))
}

// Updates only rows whose stored values differ, so an identical upsert leaves no trace.
const UPSERT_ON_CONFLICT = `ON CONFLICT (uscc) DO UPDATE SET
       name = excluded.name, county_code = excluded.county_code, industry_code = excluded.industry_code,
       address = excluded.address, legal_representative = excluded.legal_representative,
       contact_name = excluded.contact_name, contact_phone = excluded.contact_phone, contact_email = excluded.contact_email,
       cultivation_stage = excluded.cultivation_stage, business_status = excluded.business_status,
       version = e.version + 1, updated_at = now()
     WHERE (e.name, e.county_code, e.industry_code, e.address, e.legal_representative, e.contact_name, e.contact_phone,
            e.contact_email, e.cultivation_stage, e.business_status)
       IS DISTINCT FROM
           (excluded.name, excluded.county_code, excluded.industry_code, excluded.address, excluded.legal_representative,
            excluded.contact_name, excluded.contact_phone, excluded.contact_email, excluded.cultivation_stage, excluded.business_status)`

/** Replaces the cultivation lists of the given enterprises; returns those whose lists changed. */
export async function replaceCultivationLists(tx: Queryable, rows: EnterpriseRow[], before: Map<string, EnterpriseRow>): Promise<Set<string>> {
  const key = (lists: { list: string; year: number }[]) =>
    JSON.stringify([...lists].sort((a, b) => a.year - b.year || a.list.localeCompare(b.list)).map((l) => [l.list, l.year]))
  const changed = rows.filter((r) => key(r.cultivation_lists) !== key(before.get(r.uscc)?.cultivation_lists ?? []))
  if (changed.length === 0) return new Set()
  const usccs = changed.map((r) => r.uscc)
  await tx.query('DELETE FROM cultivation_listing WHERE uscc = ANY($1::bpchar[])', [usccs])
  const entries = changed.flatMap((r) => r.cultivation_lists.map((l) => ({ uscc: r.uscc, list: l.list, year: l.year })))
  if (entries.length > 0) {
    await tx.query(
      `INSERT INTO cultivation_listing (uscc, list, year)
       SELECT DISTINCT x.uscc, x.list, x.year FROM jsonb_to_recordset($1::jsonb) AS x(uscc text, list text, year int)`,
      [JSON.stringify(entries)],
    )
  }
  return new Set(usccs)
}

/** A change of cultivation lists alone is still a change of the enterprise. */
export async function touchEnterprises(tx: Queryable, usccs: string[]): Promise<void> {
  if (usccs.length === 0) return
  await tx.query('UPDATE enterprise SET version = version + 1, updated_at = now() WHERE uscc = ANY($1::bpchar[])', [usccs])
}
