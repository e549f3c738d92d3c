// The only code that writes or reads audit_event and its hash chain. Entries are recorded inside
// the caller's unit of work (recordAudit) and share nothing with other writers; they are chained
// after they commit by audit_seal() (migration 20261126001600), in the background and before every
// audit read.
import type { Database, Transaction } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'

/**
 * What one write reports to the audit trail: the entity it changed and that entity's public
 * document before and after the write (the representation its own GET returns, as JSON text;
 * null before a creation), with the times of the change where the entity has them. The actor and
 * the request id come from the unit of work's actor; the recording time is the database's.
 */
export interface AuditRecord {
  /** `<entity type>.<what happened>`, e.g. `qualification.change_status`. */
  operation: string
  entityType: string
  entityId: string
  /** The document as JSON text, or null. */
  before: string | null
  after: string | null
  /** When the change happened in the world, where the entity records it. */
  occurredAt?: Date | null
  /** When the change takes effect, where the entity records it. */
  effectiveAt?: Date | null
}

/**
 * The actor's columns (sub, county, dept, request id) as statement parameters, in the order
 * history tables (qualification_event, supervision_event) list them.
 */
export const actorParams = (actor: Actor): [string, string | null, string | null, string | null] =>
  [actor.sub, actor.county ?? null, actor.dept ?? null, actor.requestId ?? null]

const iso = (d: Date | null | undefined) => (d ? JSON.stringify(d.toISOString()) : 'null')

/**
 * Records writes in the audit trail as part of the caller's unit of work: every write calls it
 * with every entity it changed. The entries are inserted in the order recorded, by one statement
 * per call that travels with the transaction's COMMIT (a failure there commits nothing); a trigger
 * then queues them for chaining.
 */
export function recordAudit(tx: Transaction, actor: Actor, records: AuditRecord[]): void {
  if (records.length === 0) return
  // The documents are JSON texts already: spliced into the parameter, never parsed here.
  const rows = records.map(
    (r, ord) =>
      `{"ord":${ord},"operation":${JSON.stringify(r.operation)},"entity_type":${JSON.stringify(r.entityType)},` +
      `"entity_id":${JSON.stringify(r.entityId)},"before":${r.before ?? 'null'},"after":${r.after ?? 'null'},` +
      `"occurred_at":${iso(r.occurredAt)},"effective_at":${iso(r.effectiveAt)}}`,
  )
  tx.atCommit(
    `INSERT INTO audit_event (actor_sub, actor_county, actor_dept, request_id, operation, entity_type, entity_id, before, after,
                              occurred_at, effective_at, payload_format)
     SELECT $1, $2, $3, $4, r.operation, r.entity_type, r.entity_id, r.before, r.after, r.occurred_at, r.effective_at, 'document'
     FROM jsonb_to_recordset($5::jsonb) AS r(ord int, operation text, entity_type text, entity_id text, before jsonb, after jsonb,
                                             occurred_at timestamptz, effective_at timestamptz)
     ORDER BY r.ord`,
    [...actorParams(actor), `[${rows.join(',')}]`],
    'audit_record',
  )
}

/** Entries one audit_seal() call chains at most. */
const SEAL_BATCH = 1000

/**
 * Chains every committed entry not yet chained (in batches). With `wait` false it gives up at
 * once when another transaction is sealing and returns -1 (a background pass skips its turn);
 * with `wait` true it waits, so that everything committed before the call is chained after it.
 */
export async function sealAudit(db: Database, wait: boolean): Promise<number> {
  let total = 0
  for (;;) {
    const [row] = await db.query<{ n: number }>('SELECT audit_seal($1, $2) AS n', [SEAL_BATCH, wait], 'audit_seal')
    const n = row!.n
    if (n < 0) return total > 0 ? total : -1
    total += n
    if (n < SEAL_BATCH) return total
  }
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
  occurred_at: Date | null
  effective_at: Date | null
  payload_format: 'document' | 'legacy'
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

/** Chained entries in chain order; `id` is the position in the chain. */
export async function listAudit(db: Database, f: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (sql: string, value: unknown) => {
    params.push(value)
    where.push(sql.replace('?', `$${params.length}`))
  }
  if (f.entityType) add('e.entity_type = ?', f.entityType)
  if (f.entityId) add('e.entity_id = ?', f.entityId)
  if (f.actor) add('e.actor_sub = ?', f.actor)
  if (f.operation) add('e.operation = ?', f.operation)
  if (f.from) add('e.at >= ?', f.from)
  if (f.to) add('e.at < ?', f.to)
  if (f.afterId) add('c.seq > ?::bigint', f.afterId)
  params.push(f.limit + 1)
  return db.query<AuditRow>(
    `SELECT c.seq::text AS id, e.at, e.actor_sub, e.actor_county, e.actor_dept, e.request_id, e.operation, e.entity_type,
            e.entity_id, e.before, e.after, e.occurred_at, e.effective_at, e.payload_format, c.prev_hash, c.hash
     FROM audit_chain c JOIN audit_event e ON e.id = c.event_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.seq LIMIT $${params.length}`,
    params,
  )
}

export interface ChainCheck {
  entries: number
  /** Entries written but not chained yet (their transactions committed after the sealing began). */
  pending: number
  head: { id: string; hash: string } | null
  firstBroken: { id: string; reason: 'hash_mismatch' | 'link_mismatch' } | null
}

/**
 * Recomputes every chained entry's hash and link in one set-based pass. A chain row removed, or
 * whose entry is gone, breaks the link of the next position.
 */
export async function verifyChain(db: Database): Promise<ChainCheck> {
  const [summary] = await db.query<{ entries: string; pending: string; head_id: string | null; head_hash: string | null }>(
    `SELECT (SELECT count(*) FROM audit_chain)::text AS entries, (SELECT count(*) FROM audit_pending)::text AS pending,
            head.seq::text AS head_id, head.hash AS head_hash
     FROM (SELECT 1) one LEFT JOIN (SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1) head ON true`,
  )
  const digest = `audit_event_digest(prev_hash, seq, at, actor_sub, actor_county, actor_dept, request_id,
                                     operation, entity_type, entity_id, before, after, occurred_at, effective_at, payload_format)`
  const [broken] = await db.query<{ id: string; reason: 'hash_mismatch' | 'link_mismatch' }>(
    `SELECT seq::text AS id, CASE WHEN hash <> ${digest} THEN 'hash_mismatch' ELSE 'link_mismatch' END AS reason
     FROM (SELECT c.seq, c.prev_hash, c.hash, e.*, lag(c.hash) OVER (ORDER BY c.seq) AS previous
           FROM audit_chain c JOIN audit_event e ON e.id = c.event_id) AS chain
     WHERE hash <> ${digest}
        OR prev_hash <> coalesce(previous, repeat('0', 64))
     ORDER BY seq LIMIT 1`,
  )
  return {
    entries: Number(summary?.entries ?? 0),
    pending: Number(summary?.pending ?? 0),
    head: summary?.head_id ? { id: summary.head_id, hash: summary.head_hash! } : null,
    firstBroken: broken ?? null,
  }
}
