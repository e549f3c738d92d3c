// The only code that writes enterprise and cultivation_listing, and picks the USCCs of list pages.
// The response documents are built and stored by documents.repository.ts.
import type { Database, Queryable } from '../../db/client.ts'
import { statusAt } from '../qualifications/status.sql.ts'
import { brandStatusPageSql, freshDocumentJoin, staleExists } from './documents.repository.ts'
import type { ListEnterprisesFilter } from './enterprises.schemas.ts'

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

/** 1- and 2-character grams a name must contain to match `q` (the name_grams index). */
export function queryGrams(q: string): string[] {
  const s = [...q.toLowerCase()]
  if (s.length === 1) return s
  const grams = new Set<string>()
  for (let i = 0; i + 1 < s.length; i++) grams.add(s[i]! + s[i + 1]!)
  return [...grams]
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * The name of a list statement: which filters are present (their values are parameters), which
 * is all its text depends on. Deriving it from the filters rather than from the text (a hash, or
 * a map keyed by a 3 kB string) was 2-3 % of node's time on list pages. pg itself refuses a name
 * reused for a different text, so a text that came to depend on something else would fail loudly.
 */
function statementName(f: ListEnterprisesFilter, after: boolean): string {
  const short = f.q !== undefined && [...f.q].length <= 2
  const flags = [
    f.countyCode ? 'c' : '', f.cultivationStage ? 's' : '', f.businessStatus ? 'b' : '', f.list ? (f.list.includes(':') ? 'ly' : 'l') : '',
    f.qualificationType ? 't' : '', f.q ? (short ? 'g' : 'q') : '', f.brandStatus ? 'B' : '', after ? 'a' : '', f.view === 'full' ? 'F' : '',
  ]
  return `enterprise_list_${flags.join('')}`
}

/**
 * A page of enterprises as one row: the items' JSON texts joined with commas (the stored list item
 * or, with view=full, the whole document), whether there is a next page, and the page's last USCC.
 * Chosen as of the statement's own time, which is returned too. When an item's stored document is
 * not fresh, `items` is null and `usccs` lists the page so that its documents can be computed as
 * of that same moment. Each filter combination is a prepared statement whose plan is reused; the
 * page leaves the database as one text, not a row per item.
 */
export async function listPage(
  db: Database,
  f: ListEnterprisesFilter,
  afterUscc: string | undefined,
): Promise<{ at: Date; items: string | null; usccs: string[]; more: boolean; last: string | null }> {
  const where: string[] = []
  const params: unknown[] = []
  const p = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const now = 'statement_timestamp()'
  // With a brand status, the county is brandStatusPageSql's to apply (see there).
  const county = f.countyCode ? p(f.countyCode) : undefined
  if (county && !f.brandStatus) where.push(`e.county_code = ${county}`)
  if (f.cultivationStage) where.push(`e.cultivation_stage = ${p(f.cultivationStage)}::"CultivationStage"`)
  if (f.businessStatus) where.push(`e.business_status = ${p(f.businessStatus)}::"BusinessStatus"`)
  // Written into the statement, which is then planned for it on every execution: how few rows
  // changed since then decides the plan (the updated_at index for a recent time, a walk in USCC
  // order for an old one). Safe: an ISO 8601 text from toISOString, nothing of the caller's.
  const since = f.updatedSince ? `'${new Date(f.updatedSince).toISOString()}'::timestamptz` : undefined
  if (since) where.push(`e.updated_at >= ${since}`)
  if (f.list) {
    const [list, year] = f.list.split(':')
    where.push(`EXISTS (SELECT 1 FROM cultivation_listing l WHERE l.uscc = e.uscc AND l.list = ${p(list)}${year ? ` AND l.year = ${p(Number(year))}` : ''})`)
  }
  if (f.qualificationType) {
    where.push(`EXISTS (SELECT 1 FROM qualification fq WHERE fq.uscc = e.uscc AND fq.type_code = ${p(f.qualificationType)} AND ${statusAt('fq', now, now)} = 'active')`)
  }
  // A 1- or 2-character query is one gram: its postings list the matches in USCC order, so the
  // page is a range scan. Longer queries need all their bigrams (GIN) and the substring itself.
  const short = f.q !== undefined && [...f.q].length <= 2
  let from = 'enterprise e'
  if (f.q && short) {
    // Alone, the postings are the answer (their rows exist only for existing enterprises).
    from = where.length === 0 && !f.brandStatus ? 'enterprise_name_gram g' : `enterprise_name_gram g JOIN enterprise e ON e.uscc = g.uscc`
    where.push(`g.gram = ${p(f.q.toLowerCase())}`)
  } else if (f.q) {
    where.push(`e.name_grams @> ${p(queryGrams(f.q))}::text[]`, `lower(e.name) LIKE ${p(`%${likeEscape(f.q.toLowerCase())}%`)}`)
  }
  const size = p(f.limit)
  const limit = p(f.limit + 1)
  const after = afterUscc ? p(afterUscc) : undefined
  const key = short ? 'g.uscc' : 'e.uscc'
  const conditions = after ? [...where, `${key} > ${after}`] : where
  const column = f.view === 'full' ? 'doc' : 'summary'
  // A brand-status page returns the items of its fresh rows itself; other pages probe each row's.
  const status = f.brandStatus ? p(f.brandStatus) : undefined
  const page = (freshOnly: boolean) =>
    status
      ? `SELECT page.uscc, page.item FROM (${brandStatusPageSql({ status, at: now, from, key, where, county, after, limit, item: column, freshOnly })}) page`
      : `SELECT page.uscc, sdoc.${column} AS item
         FROM (SELECT ${key} AS uscc FROM ${from} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY ${key} LIMIT ${limit}) page
         ${freshDocumentJoin('page.uscc', now)}`
  // The page is its first `size` rows (one more tells that another page follows). The time as
  // text: parsed once here rather than as a date.
  const onPage = `FILTER (WHERE p.n <= ${size}::int)`
  const complete = `bool_and(p.item IS NOT NULL) ${onPage} IS NOT FALSE`
  const text = (freshOnly: boolean) => `SELECT iso_utc(${now}) AS at, count(*) > ${size}::int AS more, max(p.uscc) ${onPage} AS last,
       CASE WHEN ${complete} THEN coalesce(string_agg(p.item, ',' ORDER BY p.uscc) ${onPage}, '') END AS items,
       CASE WHEN NOT ${complete} THEN array_agg(p.uscc::text ORDER BY p.uscc) ${onPage} END AS usccs${freshOnly ? `, ${staleExists(now)} AS stale` : ''}
     FROM (SELECT x.uscc, x.item, row_number() OVER (ORDER BY x.uscc) AS n FROM (${page(freshOnly)}) x) p`
  type PageRow = { at: string; more: boolean; last: string | null; items: string | null; usccs: string[] | null; stale?: boolean }
  const name = since ? undefined : statementName(f, after !== undefined)
  // A brand-status page first asks the fresh rows alone, which is the whole answer while no document
  // is stale (normally: the refresher keeps up); otherwise it asks again with the stale branch.
  let row: PageRow | undefined
  if (status) [row] = await db.query<PageRow>(text(true), params, name && `${name}_fresh`)
  if (!row || row.stale !== false) [row] = await db.query<PageRow>(text(false), params, name)
  return { at: new Date(row!.at), items: row!.items, usccs: row!.usccs ?? [], more: row!.more, last: row!.last }
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
