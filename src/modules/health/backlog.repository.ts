// Work the background loops have not done yet, for the metrics endpoint: stored documents waiting
// to be rebuilt, audit entries waiting to be chained.
import type { Database } from '../../db/client.ts'

export interface Backlog {
  staleDocuments: number
  auditPending: number
}

export async function backlog(db: Database): Promise<Backlog> {
  const [row] = await db.query<{ stale: string; pending: string }>(
    `SELECT (SELECT count(*) FROM enterprise_document WHERE fresh_until <= statement_timestamp())::text AS stale,
            (SELECT count(*) FROM audit_pending)::text AS pending`,
  )
  return { staleDocuments: Number(row?.stale ?? 0), auditPending: Number(row?.pending ?? 0) }
}
