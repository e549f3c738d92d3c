// The enterprise's recorded attributes at a moment (table enterprise_version, migration
// 20261130000300): county, name, cultivation stage and lists, business status and industry take
// effect when recorded, and an enterprise's first recorded attributes stand for the time before.
// Every read that asks "the county (or stage...) at the time" uses this one definition.

/**
 * FROM-clause item: the version `alias` of enterprise alias `e` in force at `asOf` as known at
 * `knownAt` (SQL expressions): the last one recorded by least(asOf, knownAt), else the first one
 * when it was recorded by knownAt. No row when the enterprise was not recorded yet at knownAt.
 * `columns`: the version's columns the caller reads (default all; a filter needing only the county
 * reads less per candidate).
 */
export function enterpriseVersionAt(e: string, asOf: string, knownAt: string, alias = 'ev', columns = 'v.*'): string {
  return `CROSS JOIN LATERAL (
    SELECT ${columns} FROM enterprise_version v
    WHERE v.uscc = ${e}.uscc AND v.recorded_at <= ${knownAt} AND (v.recorded_at <= least(${asOf}, ${knownAt}) OR v.version = 1)
    ORDER BY v.version DESC LIMIT 1) ${alias}`
}
