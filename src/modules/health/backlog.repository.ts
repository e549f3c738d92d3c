// Work the background loops have not done yet, for the metrics endpoint: stored documents waiting
// to be rebuilt, audit entries waiting to be chained.
import type { Database } from '../../db/client.ts'
import { staleCount } from '../enterprises/document-cache/index.ts'

export interface Backlog {
  staleDocuments: number
  auditPending: number
}

export async function backlog(db: Database): Promise<Backlog> {
  const [staleDocuments, [pending]] = await Promise.all([staleCount(db), db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_pending')])
  return { staleDocuments, auditPending: Number(pending?.n ?? 0) }
}
