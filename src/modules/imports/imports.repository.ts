// The only code that touches import_job, import_chunk and import_rejection, and the reference
// rows an import checks its rows against.
import type { Database, Queryable } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import type { Cell } from './cells.ts'
import type { ImportKind, ImportMode } from './columns.ts'
import type { ImportFormat } from './reader.ts'
import type { RandomAccess } from './xlsx.ts'
import type { RejectedRow } from './report.ts'
import type { Reference, RowError } from './rows.ts'

export type JobState = 'queued' | 'reading' | 'writing' | 'succeeded' | 'failed'

export interface JobRow {
  id: string
  kind: ImportKind
  mode: ImportMode
  format: ImportFormat
  file_name: string | null
  file_sha256: string
  actor_sub: string
  actor_county: string | null
  actor_dept: string | null
  request_id: string
  state: JobState
  header: string[] | null
  total_rows: number | null
  rows_done: number
  accepted: number
  rejected: number
  problem: Record<string, unknown> | null
  attempts: number
  created_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
  /** Rows per second since this run of the job began (null before it wrote anything). */
  rate: number | null
  now: string
}

const JOB_COLUMNS = `id::text, kind, mode, format, file_name, file_sha256, actor_sub, actor_county, actor_dept, request_id, state, header,
  total_rows, rows_done, accepted, rejected, problem, attempts, iso_utc(created_at) AS created_at, iso_utc(started_at) AS started_at,
  iso_utc(finished_at) AS finished_at, iso_utc(updated_at) AS updated_at,
  CASE WHEN rate_since IS NOT NULL AND rows_done > rate_rows AND state IN ('reading', 'writing')
       THEN (rows_done - rate_rows) / greatest(extract(epoch FROM clock_timestamp() - rate_since), 0.001)::float8 END AS rate,
  iso_utc(clock_timestamp()) AS now`

export interface NewJob {
  id: string
  kind: ImportKind
  mode: ImportMode
  format: ImportFormat
  fileName: string | null
  sha256: string
  file: Buffer
  actor: Actor & { requestId: string }
  /** Rows the file has at most, until it is read. */
  totalRows: number
}

export async function insertJob(db: Queryable, job: NewJob): Promise<JobRow> {
  const [row] = await db.query<JobRow>(
    `INSERT INTO import_job (id, kind, mode, format, file_name, file_sha256, file, actor_sub, actor_county, actor_dept, request_id, total_rows)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     RETURNING ${JOB_COLUMNS}`,
    [job.id, job.kind, job.mode, job.format, job.fileName, job.sha256, job.file, job.actor.sub, job.actor.county ?? null,
      job.actor.dept ?? null, job.actor.requestId, job.totalRows],
  )
  return row!
}

export async function findJob(db: Queryable, id: string): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_job WHERE id = $1::uuid`, [id], 'import_job_find')
  return row ?? null
}

/**
 * Takes the oldest unfinished job no live worker holds (its lease expired or never given), for
 * `leaseMs`; rows locked by another instance's claim are skipped. Null when there is none.
 */
export async function claimJob(db: Queryable, worker: string, leaseMs: number, running: string[]): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(
    `UPDATE import_job j SET worker = $1, lease_until = clock_timestamp() + make_interval(secs => $2 / 1000.0), attempts = attempts + 1,
            started_at = coalesce(started_at, clock_timestamp()), state = CASE WHEN state = 'queued' THEN 'reading' ELSE state END,
            rate_since = clock_timestamp(), rate_rows = rows_done, updated_at = clock_timestamp()
     WHERE j.id = (SELECT id FROM import_job
                   WHERE state IN ('queued', 'reading', 'writing') AND (lease_until IS NULL OR lease_until < clock_timestamp())
                     AND NOT (id = ANY ($3::uuid[]))
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING ${JOB_COLUMNS}`,
    [worker, leaseMs, running],
  )
  return row ?? null
}

/**
 * Extends the worker's lease (and, while an atomic import's transaction is open, shows how far it
 * got). Skips a job row a writing transaction holds: that transaction's commit moves it on.
 */
export async function renewLease(db: Queryable, id: string, worker: string, leaseMs: number, liveRows: number | null): Promise<boolean> {
  const rows = await db.query(
    `UPDATE import_job SET lease_until = clock_timestamp() + make_interval(secs => $3 / 1000.0), rows_done = coalesce($4, rows_done)
     WHERE id = (SELECT id FROM import_job WHERE id = $1::uuid AND worker = $2 AND state IN ('reading', 'writing') FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [id, worker, leaseMs, liveRows],
  )
  return rows.length > 0
}

/** Gives the job back at once (shutdown), so that another instance resumes it without waiting for the lease. */
export async function releaseJob(db: Queryable, id: string, worker: string): Promise<void> {
  await db.query(`UPDATE import_job SET lease_until = NULL, worker = NULL WHERE id = $1::uuid AND worker = $2 AND state IN ('reading', 'writing')`, [id, worker])
}

/** A failed run that should be retried later: the lease is kept until `retryMs` from now. */
export async function postponeJob(db: Queryable, id: string, worker: string, retryMs: number): Promise<void> {
  await db.query(
    `UPDATE import_job SET lease_until = clock_timestamp() + make_interval(secs => $3 / 1000.0) WHERE id = $1::uuid AND worker = $2`,
    [id, worker, retryMs],
  )
}

/**
 * The job's stored file, read by ranges (`substring` of the bytea, which PostgreSQL reads from its
 * TOAST slices): the reader holds one block at a time instead of the file, twice over as the hex
 * text the whole column arrives in. Null when the file is gone.
 */
export async function jobFileAccess(db: Queryable, id: string): Promise<RandomAccess | null> {
  const [row] = await db.query<{ size: number | null }>('SELECT octet_length(file) AS size FROM import_job WHERE id = $1::uuid', [id])
  if (row?.size === null || row?.size === undefined) return null
  return {
    size: row.size,
    async read(position, length) {
      const [block] = await db.query<{ bytes: Buffer | Uint8Array }>(
        'SELECT substring(file FROM $2 FOR $3) AS bytes FROM import_job WHERE id = $1::uuid',
        [id, position + 1, length],
      )
      if (!block) throw new Error(`import ${id} lost its file while it was read`)
      return Buffer.isBuffer(block.bytes) ? block.bytes : Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength)
    },
  }
}

export async function jobFile(db: Queryable, id: string): Promise<Buffer | null> {
  const [row] = await db.query<{ file: Buffer | Uint8Array | null }>('SELECT file FROM import_job WHERE id = $1::uuid', [id])
  return row?.file ? Buffer.from(row.file) : null
}

/** A reading that starts (again) from the beginning: whatever an interrupted one staged goes. */
export async function clearStaged(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM import_chunk WHERE job_id = $1::uuid', [id])
  await tx.query('DELETE FROM import_rejection WHERE job_id = $1::uuid', [id])
}

export interface StagedRow {
  row: number
  cells: Cell[]
}

export async function insertChunk(tx: Queryable, id: string, chunkNo: number, rows: StagedRow[]): Promise<void> {
  await tx.query('INSERT INTO import_chunk (job_id, chunk_no, rows) VALUES ($1::uuid, $2, $3::jsonb)', [id, chunkNo, JSON.stringify(rows)])
}

export async function insertRejections(tx: Queryable, id: string, rejected: RejectedRow[]): Promise<void> {
  if (rejected.length === 0) return
  await tx.query(
    `INSERT INTO import_rejection (job_id, row_no, cells, errors)
     SELECT $1::uuid, r.row_no, r.cells, r.errors FROM jsonb_to_recordset($2::jsonb) AS r(row_no int, cells jsonb, errors jsonb)`,
    [id, JSON.stringify(rejected.map((r) => ({ row_no: r.row, cells: r.cells, errors: r.errors })))],
  )
}

/**
 * Ends the reading, if this worker still holds the job: the header, the exact row count and the
 * rows rejected so far are recorded, and the file is dropped. Returns false when the job was lost.
 */
export async function finishReading(tx: Queryable, id: string, worker: string, o: { header: string[]; total: number; rejected: number }): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE import_job SET state = 'writing', header = $3::jsonb, total_rows = $4, rows_done = $5, rejected = $5, accepted = 0, file = NULL,
            rate_since = clock_timestamp(), rate_rows = $5, updated_at = clock_timestamp()
     WHERE id = $1::uuid AND worker = $2 AND state = 'reading' RETURNING 1`,
    [id, worker, JSON.stringify(o.header), o.total, o.rejected],
  )
  return rows.length > 0
}

/** The next chunk not yet written, in file order. */
export async function nextChunk(db: Queryable, id: string, after: number): Promise<{ chunk_no: number; rows: StagedRow[] } | null> {
  const [row] = await db.query<{ chunk_no: number; rows: StagedRow[] }>(
    'SELECT chunk_no, rows FROM import_chunk WHERE job_id = $1::uuid AND NOT done AND chunk_no > $2 ORDER BY chunk_no LIMIT 1',
    [id, after],
  )
  return row ?? null
}

/**
 * Marks a chunk written, first thing in its writing transaction: 'lost' when this worker no longer
 * holds the job (it stops), 'done' when someone already wrote the chunk (a second writer of the
 * same chunk waits for the first and then finds it done), 'taken' otherwise. Chunk transactions of
 * one job run side by side: the job row is read, not locked, and each chunk is its own row.
 */
export async function takeChunk(tx: Queryable, id: string, worker: string, chunkNo: number): Promise<'taken' | 'done' | 'lost'> {
  const [job, chunk] = await Promise.all([
    tx.query(`SELECT 1 FROM import_job WHERE id = $1::uuid AND worker = $2 AND state = 'writing'`, [id, worker]),
    tx.query('UPDATE import_chunk SET done = true WHERE job_id = $1::uuid AND chunk_no = $2 AND NOT done RETURNING 1', [id, chunkNo]),
  ])
  return job.length === 0 ? 'lost' : chunk.length === 0 ? 'done' : 'taken'
}

/**
 * Adds a written chunk's counts to the job, in the chunk's transaction, and extends the lease (the
 * heartbeat skips a job row that chunk transactions keep locked).
 */
export async function countChunk(tx: Queryable, id: string, o: { rows: number; accepted: number; rejected: number; leaseMs: number }): Promise<void> {
  await tx.query(
    `UPDATE import_job SET rows_done = rows_done + $2, accepted = accepted + $3, rejected = rejected + $4, updated_at = clock_timestamp(),
            lease_until = clock_timestamp() + make_interval(secs => $5 / 1000.0)
     WHERE id = $1::uuid`,
    [id, o.rows, o.accepted, o.rejected, o.leaseMs],
  )
}

/** Every chunk of an atomic import, marked written in its one transaction. */
export async function takeAllChunks(tx: Queryable, id: string): Promise<void> {
  await tx.query('UPDATE import_chunk SET done = true WHERE job_id = $1::uuid', [id])
}

/** Ends the job as succeeded, if this worker holds it; its staged rows go (the rejected ones stay for the report). */
export async function succeed(tx: Queryable, id: string, worker: string, counts?: { rows: number; accepted: number; rejected: number }): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE import_job SET state = 'succeeded', finished_at = clock_timestamp(), updated_at = clock_timestamp(), lease_until = NULL, file = NULL,
            rows_done = coalesce($3, rows_done), accepted = coalesce($4, accepted), rejected = coalesce($5, rejected)
     WHERE id = $1::uuid AND worker = $2 AND state = 'writing'
       AND NOT EXISTS (SELECT 1 FROM import_chunk c WHERE c.job_id = $1::uuid AND NOT c.done) RETURNING 1`,
    [id, worker, counts?.rows ?? null, counts?.accepted ?? null, counts?.rejected ?? null],
  )
  if (rows.length > 0) await tx.query('DELETE FROM import_chunk WHERE job_id = $1::uuid', [id])
  return rows.length > 0
}

/** Ends the job as failed with a problem (nothing of it is written, or, per row, what was written stays). */
export async function fail(tx: Queryable, id: string, worker: string, problem: Record<string, unknown>, counts?: { rows: number; rejected: number }): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE import_job SET state = 'failed', problem = $3::jsonb, finished_at = clock_timestamp(), updated_at = clock_timestamp(),
            lease_until = NULL, file = NULL, rows_done = coalesce($4, rows_done), rejected = coalesce($5, rejected),
            accepted = CASE WHEN mode = 'atomic' THEN 0 ELSE accepted END
     WHERE id = $1::uuid AND worker = $2 AND state IN ('reading', 'writing') RETURNING 1`,
    [id, worker, JSON.stringify(problem), counts?.rows ?? null, counts?.rejected ?? null],
  )
  if (rows.length > 0) await tx.query('DELETE FROM import_chunk WHERE job_id = $1::uuid', [id])
  return rows.length > 0
}

/** Rejected rows in file order, a page at a time. */
export async function* rejectionPages(db: Queryable, id: string, pageSize = 1000): AsyncGenerator<RejectedRow[]> {
  let after = 0
  for (;;) {
    const rows = await db.query<{ row_no: number; cells: Cell[]; errors: RowError[] }>(
      'SELECT row_no, cells, errors FROM import_rejection WHERE job_id = $1::uuid AND row_no > $2 ORDER BY row_no LIMIT $3',
      [id, after, pageSize],
    )
    if (rows.length === 0) return
    yield rows.map((r) => ({ row: r.row_no, cells: r.cells, errors: r.errors }))
    if (rows.length < pageSize) return
    after = rows[rows.length - 1]!.row_no
  }
}

/** Counties and qualification types, as the rows are checked against them. */
export async function reference(db: Queryable): Promise<Reference> {
  const [counties, types] = await Promise.all([
    db.query<{ code: string; name: string; retired: boolean; successor: string | null }>(
      `SELECT code, name, valid_until IS NOT NULL AND valid_until < current_date AS retired, successor_code AS successor FROM county ORDER BY code`,
    ),
    db.query<{ code: string; name: string; certificate_based: boolean }>('SELECT code, name, certificate_based FROM qualification_type ORDER BY code'),
  ])
  return { counties, types: types.map((t) => ({ code: t.code, name: t.name, certificateBased: t.certificate_based })) }
}

/** The county of each registered enterprise among `usccs`. */
export async function enterpriseCounties(tx: Queryable, usccs: string[]): Promise<Map<string, string>> {
  if (usccs.length === 0) return new Map()
  const rows = await tx.query<{ uscc: string; county_code: string }>('SELECT uscc, county_code FROM enterprise WHERE uscc = ANY($1::bpchar[])', [usccs])
  return new Map(rows.map((r) => [r.uscc, r.county_code]))
}

/**
 * For grants about to be written: which certificate numbers are held (and by which
 * qualification), and which enterprise already has a qualification of the type granted that day.
 */
export async function grantConflicts(
  tx: Queryable,
  grants: { uscc: string; type: string; certificateNo: string | null; grantedAt: string }[],
): Promise<{ holders: Map<string, string>; repeats: Set<string> }> {
  if (grants.length === 0) return { holders: new Map(), repeats: new Set() }
  const rows = await tx.query<{ kind: 'holder' | 'repeat'; key: string; id: string }>(
    `WITH g AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS g(uscc text, type text, certificate_no text, granted_at timestamptz))
     SELECT 'holder' AS kind, q.type_code || ' ' || q.certificate_no AS key, q.id::text AS id
     FROM g JOIN qualification q ON q.type_code = g.type AND q.certificate_no = g.certificate_no AND q.status <> 'annulled'
     UNION ALL
     SELECT 'repeat', g.uscc || ' ' || g.type || ' ' || iso_utc(g.granted_at), q.id::text
     FROM g JOIN qualification q ON q.uscc = g.uscc::bpchar AND q.type_code = g.type AND q.granted_at = g.granted_at`,
    [JSON.stringify(grants.map((g) => ({ uscc: g.uscc, type: g.type, certificate_no: g.certificateNo, granted_at: g.grantedAt })))],
  )
  return {
    holders: new Map(rows.filter((r) => r.kind === 'holder').map((r) => [r.key, r.id])),
    repeats: new Set(rows.filter((r) => r.kind === 'repeat').map((r) => r.key)),
  }
}
