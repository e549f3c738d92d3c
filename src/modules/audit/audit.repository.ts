// The only code that writes or reads audit_event. Appends run inside the caller's transaction;
// the database trigger chains each entry's hash to the previous one (see the integrity migration).
import type { Database, Queryable } from '../../db/client.ts'

export interface Actor {
  sub: string
  county?: string | undefined
  dept?: string | undefined
  requestId?: string | undefined
}

export interface AuditEntry {
  operation: string
  entityType: string
  entityId: string
  before?: unknown
  after?: unknown
}

export async function appendAudit(tx: Queryable, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  // One statement for the whole set; the trigger serialises appends and fills id, prev_hash, hash.
  await tx.query(
    `INSERT INTO audit_event (actor_sub, actor_county, actor_dept, request_id, operation, entity_type, entity_id, before, after, prev_hash, hash)
     SELECT $1, $2, $3, $4, e.operation, e.entity_type, e.entity_id, e.before, e.after, '', ''
     FROM jsonb_to_recordset($5::jsonb) AS e(ord int, operation text, entity_type text, entity_id text, before jsonb, after jsonb)
     ORDER BY e.ord`,
    [
      actor.sub,
      actor.county ?? null,
      actor.dept ?? null,
      actor.requestId ?? null,
      JSON.stringify(
        entries.map((e, ord) => ({
          ord,
          operation: e.operation,
          entity_type: e.entityType,
          entity_id: e.entityId,
          before: e.before ?? null,
          after: e.after ?? null,
        })),
      ),
    ],
  )
}

export interface AuditRow {
  id: string
  at: Date
  actor_sub: string
  actor_county: string | null
  actor_dept: string | null
  request_id: string | null
  operation: string
  entity_type: string
  entity_id: string
  before: unknown
  after: unknown
  prev_hash: string
  hash: string
}

export interface AuditFilter {
  entityType?: string | undefined
  entityId?: string | undefined
  actor?: string | undefined
  operation?: string | undefined
  from?: Date | undefined
  to?: Date | undefined
  afterId?: string | undefined
  limit: number
}

export async function listAudit(db: Database, f: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (sql: string, value: unknown) => {
    params.push(value)
    where.push(sql.replace('?', `$${params.length}`))
  }
  if (f.entityType) add('entity_type = ?', f.entityType)
  if (f.entityId) add('entity_id = ?', f.entityId)
  if (f.actor) add('actor_sub = ?', f.actor)
  if (f.operation) add('operation = ?', f.operation)
  if (f.from) add('at >= ?', f.from)
  if (f.to) add('at < ?', f.to)
  if (f.afterId) add('id > ?::bigint', f.afterId)
  params.push(f.limit + 1)
  return db.query<AuditRow>(
    `SELECT id::text AS id, at, actor_sub, actor_county, actor_dept, request_id, operation, entity_type, entity_id,
            before, after, prev_hash, hash
     FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY audit_event.id LIMIT $${params.length}`,
    params,
  )
}

export interface ChainCheck {
  entries: number
  head: { id: string; hash: string } | null
  firstBroken: { id: string; reason: 'hash_mismatch' | 'link_mismatch' } | null
}

/** Recomputes every entry's hash and link in one set-based pass. */
export async function verifyChain(db: Database): Promise<ChainCheck> {
  const [summary] = await db.query<{ entries: string; head_id: string | null; head_hash: string | null }>(
    `SELECT count(*)::text AS entries, max(id)::text AS head_id,
            (SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1) AS head_hash
     FROM audit_event`,
  )
  const [broken] = await db.query<{ id: string; reason: 'hash_mismatch' | 'link_mismatch' }>(
    `SELECT id::text AS id,
            CASE WHEN hash <> audit_event_digest(prev_hash, id, at, actor_sub, actor_county, actor_dept, request_id,
                                                  operation, entity_type, entity_id, before, after)
                 THEN 'hash_mismatch' ELSE 'link_mismatch' END AS reason
     FROM (SELECT *, lag(hash) OVER (ORDER BY id) AS previous FROM audit_event) AS chain
     WHERE hash <> audit_event_digest(prev_hash, id, at, actor_sub, actor_county, actor_dept, request_id,
                                      operation, entity_type, entity_id, before, after)
        OR prev_hash <> coalesce(previous, repeat('0', 64))
     ORDER BY id LIMIT 1`,
  )
  return {
    entries: Number(summary?.entries ?? 0),
    head: summary?.head_id ? { id: summary.head_id, hash: summary.head_hash! } : null,
    firstBroken: broken ?? null,
  }
}
