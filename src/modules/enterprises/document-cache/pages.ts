// Pages of enterprise documents chosen by filters, read from the stored documents while they are
// fresh (one statement per page; see brandStatusPageSql for how brand-status pages stay exact while
// documents are stale). The enterprise list and the public showcase choose their pages here.
import type { Database, Queryable } from '../../../db/client.ts'
import { brandStatusAt, statusAt } from '../../qualifications/status.sql.ts'
import type { ListEnterprisesFilter } from '../enterprises.schemas.ts'
import { freshAt, staleExists } from './freshness.ts'


/**
 * SQL: joins the stored document (alias `sdoc`, columns doc, etag and summary) of the enterprise `uscc`
 * when it is fresh at `at`, so that a statement choosing enterprises also returns their
 * documents; a null doc means "compute it" (liveDocuments).
 */
const freshDocumentJoin = (uscc: string, at: string) =>
  // One primary-key probe per row of the page (OFFSET 0: never a merge join over the whole table).
  `LEFT JOIN LATERAL (SELECT s.doc, s.etag, s.summary FROM enterprise_document s
     WHERE s.uscc = ${uscc} AND ${freshAt('s', at)} OFFSET 0) sdoc ON true`

/** How many stale documents a brand-status page reads by index before it falls back to a scan. */
const STALE_BY_INDEX = 1000

/**
 * SQL: the USCCs (column `uscc`, in order, at most `limit`) of the enterprises whose brand status
 * at `at` is `status`, among the rows of `from` (which provides alias `e`) that meet `where`; and
 * in column `item`, the stored document column named by `item` for the fresh ones (null for the
 * stale ones and without `item`: compute those), read from the row the page found rather than by
 * a second probe.
 *
 * The stale documents are collected first, in the statement's own snapshot: by the fresh_until
 * index while there are at most STALE_BY_INDEX of them (the normal case: the refresher keeps
 * up), by a scan otherwise (a backlog, e.g. after a migration). The shape does not depend on the
 * planner's estimate of how many are stale, which histograms get wrong as time passes. Then:
 *  - every other enterprise is filtered by its stored brand status, a range of the
 *    (county_code, brand_status, uscc) or (brand_status, uscc) index, each row then checked
 *    against `where` on its own (name postings drive the page instead);
 *  - each stale one is checked against `where` and evaluated from its qualifications (LATERAL and
 *    OFFSET 0 keep the planner from evaluating every candidate of the other filters, or from
 *    joining all listings).
 * Both in USCC order, merged. `key` is the ordering column of `from` ('e.uscc', or 'g.uscc' for
 * name postings); `county` the parameter of a county filter, which `where` does not repeat: a fresh
 * row's stored county is the enterprise's (moving it marks the row stale), so the fresh branch
 * reads it from the index alone.
 */
function brandStatusPageSql(o: {
  status: string
  at: string
  from: string
  key: 'e.uscc' | 'g.uscc'
  where: string[]
  county?: string | undefined
  after?: string | undefined
  limit: string
  item?: 'summary' | 'doc' | undefined
  /**
   * Only the fresh rows, without the stale branch: the same page whenever no document is stale
   * (see staleExists), for a plan PostgreSQL sets up in half the time.
   */
  freshOnly?: boolean
}): string {
  const select = (key: string, from: string, conditions: string[], item = 'NULL::text') => {
    const all = o.after ? [...conditions, `${key} > ${o.after}`] : conditions
    return `SELECT ${key} AS uscc, ${item} AS item FROM ${from} ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY ${key} LIMIT ${o.limit}`
  }
  // Rows not in `stale` have fresh_until > at: fresh, so their stored columns are the answer.
  const storedItem = o.item ? `d.${o.item}` : undefined
  const fresh = o.freshOnly ? freshAt('d', o.at) : 'NOT (d.uscc = ANY (SELECT uscc FROM stale))'
  const stored = [`d.brand_status = ${o.status}`, ...(o.county ? [`d.county_code = ${o.county}`] : []), fresh]
  const where = o.county ? [`e.county_code = ${o.county}`, ...o.where] : o.where
  // Walking the stored status in USCC order, each row checked against the other filters on its
  // own; name postings (key g.uscc) drive the page instead and join the stored status.
  const freshPage =
    o.key === 'e.uscc'
      ? select(
          'd.uscc',
          o.where.length > 0
            ? `enterprise_document d CROSS JOIN LATERAL (SELECT 1 FROM ${o.from} WHERE ${['e.uscc = d.uscc', ...o.where].join(' AND ')} OFFSET 0) f`
            : 'enterprise_document d',
          stored,
          storedItem,
        )
      : select(o.key, `${o.from} JOIN enterprise_document d ON d.uscc = e.uscc`, [...o.where, ...stored], storedItem)
  if (o.freshOnly) return freshPage
  const candidates = `(SELECT c.uscc, c.cultivation_stage FROM stale d CROSS JOIN LATERAL (
    SELECT e.uscc, e.cultivation_stage FROM ${o.from} WHERE ${['e.uscc = d.uscc', ...where].join(' AND ')} OFFSET 0) c OFFSET 0) e`
  return `WITH few AS MATERIALIZED (
      SELECT sd.uscc FROM enterprise_document sd WHERE sd.fresh_until <= ${o.at} ORDER BY sd.fresh_until LIMIT ${STALE_BY_INDEX + 1}),
    stale AS MATERIALIZED (
      SELECT uscc FROM few WHERE (SELECT count(*) FROM few) <= ${STALE_BY_INDEX}
      UNION ALL
      SELECT sd.uscc FROM enterprise_document sd WHERE (SELECT count(*) FROM few) > ${STALE_BY_INDEX} AND sd.fresh_until <= ${o.at})
    SELECT uscc, item FROM ((${freshPage})
    UNION ALL (${select('e.uscc', candidates, [`${brandStatusAt('e', o.at, o.at)} = ${o.status}`])})) page ORDER BY uscc LIMIT ${o.limit}`
}

/** SQL: whether any stored document is stale at `at` (by the fresh_until index: normally none). */
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
export async function enterprisePage(
  db: Queryable,
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
  // A parameter of an unnamed statement (below), which is planned for its value on every execution:
  // how few rows changed since then decides the plan (the updated_at index for a recent time, a
  // walk in USCC order for an old one). Time bounds are never pasted into the statement's text.
  const since = f.updatedSince ? `${p(new Date(f.updatedSince))}::timestamptz` : undefined
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


/** What the public showcase asks for: listed enterprises, optionally of a county or also holding a type. */
export interface ListedFilter {
  countyCode?: string | undefined
  type?: string | undefined
  afterUscc?: string | undefined
  limit: number
}

/**
 * The USCCs of listed enterprises in order, one more than the limit, and the moment (the
 * statement's) they are listed at. The type filter is checked per candidate (a scalar subquery the
 * planner does not turn into a join over every qualification of the type, which took 0.3 s for a
 * common type at 100,000 enterprises).
 */
export async function listedPage(db: Database, f: ListedFilter): Promise<{ at: string; usccs: string[] }> {
  const params: unknown[] = []
  const p = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const now = 'statement_timestamp()'
  const where: string[] = []
  const county = f.countyCode ? p(f.countyCode) : undefined
  if (f.type) {
    where.push(`(SELECT true FROM qualification fq WHERE fq.uscc = e.uscc AND fq.type_code = ${p(f.type)}
      AND ${statusAt('fq', now, now)} = 'active' LIMIT 1)`)
  }
  const page = brandStatusPageSql({
    status: `'listed'`,
    at: now,
    from: 'enterprise e',
    key: 'e.uscc',
    where,
    county,
    after: f.afterUscc ? p(f.afterUscc) : undefined,
    limit: p(f.limit + 1),
  })
  const [row] = await db.query<{ at: string; usccs: string[] | null }>(
    `SELECT iso_utc(${now}) AS at, (SELECT array_agg(page.uscc::text ORDER BY page.uscc) FROM (${page}) page) AS usccs`,
    params,
  )
  return { at: row!.at, usccs: row!.usccs ?? [] }
}
