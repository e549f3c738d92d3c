// Runs import jobs in the background on every instance. A job is claimed from PostgreSQL (the
// oldest unfinished one whose lease has run out; FOR UPDATE SKIP LOCKED, so two instances never
// take the same one) and kept by renewing its lease. Reading the file stages its rows in chunks in
// one transaction; each chunk is then written in one transaction with the job's counters, after
// checking that this worker still holds the job and that no one wrote the chunk: a worker killed
// mid-job leaves the chunks it had not committed, and whoever resumes it writes each exactly once.
// An atomic import writes every chunk in a single transaction instead.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../../config.ts'
import type { Database, Queryable, Transaction } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import { AppError, problemBody } from '../../lib/problems.ts'
import type { Actor } from '../../lib/actor.ts'
import { shanghaiDayOf } from './cells.ts'
import { checkAgainstRegistry, fileChecker } from './checks.ts'
import { matchHeader, type Column } from './columns.ts'
import * as repo from './imports.repository.ts'
import { sheetRows } from './reader.ts'
import type { RejectedRow } from './report.ts'
import type { Reference } from './rows.ts'
import { batchWriter, inSavepoint, rowErrorsOf, type Batch } from './writes.ts'

/** Rows staged (and written) together. */
export const CHUNK_ROWS = 1000
/** Runs of one job that failed unexpectedly before it is given up as failed. */
const MAX_ATTEMPTS = 5

export interface ImportWorker {
  readonly id: string
  start(): void
  /** Looks for work now (after a job was created here). */
  nudge(): void
  /** Stops claiming, lets running jobs finish their current chunk and hands them back. */
  stop(): Promise<void>
  /** Runs claimable jobs until none is left (tests, the command line). */
  drain(): Promise<void>
}

/** The job went to another worker (its lease ran out): this one stops touching it. */
class LostJob extends Error {}

/** An atomic import that met rejected rows: nothing is written, the rows are reported. */
class Rejected extends Error {
  constructor(readonly rows: RejectedRow[]) {
    super('rows rejected')
  }
}

const actorOf = (job: repo.JobRow): Actor & { requestId: string } => ({
  sub: job.actor_sub,
  county: job.actor_county ?? undefined,
  dept: job.actor_dept ?? undefined,
  requestId: job.request_id,
})

export function importWorker(db: Database, clock: Clock, config: Config['imports'], log: FastifyBaseLogger): ImportWorker {
  const id = `${process.pid}-${randomUUID().slice(0, 8)}`
  const write = batchWriter({ db, clock })
  const running = new Map<string, Promise<void>>()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let polling: Promise<void> | undefined

  function schedule() {
    if (stopped || config.workers === 0) return
    clearTimeout(timer)
    timer = setTimeout(() => void poll(), config.pollIntervalMs)
    timer.unref()
  }

  /** Claims jobs while there is room, each run in the background. */
  async function claimWhileRoom(): Promise<void> {
    try {
      while (!stopped && running.size < config.workers) {
        const job = await repo.claimJob(db, id, config.leaseMs, [...running.keys()])
        if (!job) break
        const run = runJob(job).finally(() => {
          running.delete(job.id)
          // A finished job makes room for the next one.
          nudge()
        })
        running.set(job.id, run)
      }
    } catch (error) {
      log.warn({ err: error }, 'import worker could not look for jobs')
    }
  }

  /** One claiming pass at a time; the next is scheduled when it ends (never before it is registered). */
  function poll(): Promise<void> {
    polling ??= claimWhileRoom().finally(() => {
      polling = undefined
      schedule()
    })
    return polling
  }

  function nudge() {
    if (!stopped && config.workers > 0) void poll()
  }

  async function runJob(job: repo.JobRow): Promise<void> {
    const live = { rows: null as number | null }
    let beating = false
    const heartbeat = setInterval(() => {
      if (beating) return
      beating = true
      repo
        .renewLease(db, job.id, id, config.leaseMs, live.rows)
        .catch((error: unknown) => log.warn({ err: error, importId: job.id }, 'import lease not renewed'))
        .finally(() => {
          beating = false
        })
    }, Math.max(100, Math.floor(config.leaseMs / 3)))
    heartbeat.unref()
    try {
      if (job.attempts > MAX_ATTEMPTS) {
        await db.transaction((tx) => repo.fail(tx, job.id, id, problemBody('internal_error', `导入已尝试${MAX_ATTEMPTS}次仍未完成，已停止；请联系管理员并提供导入编号`, job.id)))
        return
      }
      const ref = await repo.reference(db)
      if (job.state === 'reading') {
        const read = await readFile(job, ref)
        if (!read) return
        job = read
      }
      if (job.state !== 'writing') return
      if (job.mode === 'atomic') await writeAtomic(job, ref, live)
      else await writePerRow(job, ref)
    } catch (error) {
      if (error instanceof LostJob) {
        log.info({ importId: job.id }, 'import taken over by another worker')
        return
      }
      log.error({ err: error, importId: job.id }, 'import run failed; it will be retried')
      await repo.postponeJob(db, job.id, id, Math.min(config.leaseMs, 5000)).catch(() => undefined)
    } finally {
      clearInterval(heartbeat)
      if (stopped) await repo.releaseJob(db, job.id, id).catch(() => undefined)
    }
  }

  /** Stages the file's rows in chunks and rejects those wrong on their own; the job moves on to writing (or fails). */
  async function readFile(job: repo.JobRow, ref: Reference): Promise<repo.JobRow | null> {
    const actor = actorOf(job)
    const today = shanghaiDayOf(clock.now())
    const outcome = await db.transaction(async (tx) => {
      await repo.clearStaged(tx, job.id)
      const file = await repo.jobFileAccess(tx, job.id)
      if (!file) throw new Error(`import ${job.id} has no file to read`)
      const load = async () => (await repo.jobFile(tx, job.id)) ?? Buffer.alloc(0)
      let header: string[] | undefined
      let columns: (Column | undefined)[] = []
      let check: ReturnType<typeof fileChecker> | undefined
      let chunk: repo.StagedRow[] = []
      let rejected: RejectedRow[] = []
      let chunks = 0
      let total = 0
      let rejectedCount = 0
      for await (const r of sheetRows(file, job.format, load)) {
        if (stopped) throw new LostJob()
        if (!header) {
          header = r.cells.map((c) => (c === null ? '' : String(typeof c === 'object' ? Object.values(c)[0] : c)))
          columns = matchHeader(job.kind, header).columns
          check = fileChecker(job.kind, columns, ref, actor, today)
          continue
        }
        total++
        if (total > config.maxRows) {
          throw new AppError('import_too_many_rows', `文件最多可有${config.maxRows}行数据：请拆分成多个文件导入`, { maxRows: config.maxRows })
        }
        const staged = { row: r.row, cells: r.cells }
        const refused = check!(staged)
        if (refused) rejected.push(refused)
        else chunk.push(staged)
        if (chunk.length === CHUNK_ROWS) {
          await repo.insertChunk(tx, job.id, chunks++, chunk)
          chunk = []
        }
        if (rejected.length === CHUNK_ROWS) {
          await repo.insertRejections(tx, job.id, rejected)
          rejectedCount += rejected.length
          rejected = []
        }
      }
      if (chunk.length > 0) await repo.insertChunk(tx, job.id, chunks++, chunk)
      await repo.insertRejections(tx, job.id, rejected)
      rejectedCount += rejected.length
      if (!(await repo.finishReading(tx, job.id, id, { header: header ?? [], total, rejected: rejectedCount }))) throw new LostJob()
      if (job.mode === 'atomic' && rejectedCount > 0) {
        await repo.fail(tx, job.id, id, rejectedProblem(job, rejectedCount, total))
        return 'failed'
      }
      return 'writing'
    }).catch(async (error: unknown) => {
      if (!(error instanceof AppError)) throw error
      // The file as a whole is refused: nothing was staged (the reading rolled back).
      await db.transaction((tx) => repo.fail(tx, job.id, id, problemBody(error.code, error.message, job.request_id, error.extra)))
      return 'failed'
    })
    return outcome === 'writing' ? repo.findJob(db, job.id) : null
  }

  /** Writes a batch, or, when one row spoils it, each row alone: refused rows are added to `rejected`. Returns how many rows were written. */
  async function writeRows(tx: Transaction, job: repo.JobRow, batch: Batch, rowsOf: repo.StagedRow[], rejected: RejectedRow[]): Promise<number> {
    const actor = actorOf(job)
    try {
      await inSavepoint(tx, 'import_batch', (scoped) => write(scoped, actor, batch))
      return batch.rows.length
    } catch {
      // Whichever row it was, the batch is undone; each row then stands alone.
    }
    let written = 0
    for (const [i, row] of batch.rows.entries()) {
      try {
        await inSavepoint(tx, 'import_row', (scoped) => write(scoped, actor, { kind: batch.kind, rows: [row] } as Batch))
        written++
      } catch (error) {
        const errors = rowErrorsOf(job.kind, error)
        if (errors === null) throw error
        rejected.push({ ...rowsOf[i]!, errors })
      }
    }
    return written
  }

  const columnsOfJob = (job: repo.JobRow) => matchHeader(job.kind, job.header ?? []).columns

  /**
   * Each chunk in its own transaction with the job's counters; good rows are written, the others
   * reported. On a server, `writers` chunks are written side by side (the embedded database has one connection).
   */
  async function writePerRow(job: repo.JobRow, ref: Reference) {
    const actor = actorOf(job)
    const columns = columnsOfJob(job)
    let after = -1
    let handing = Promise.resolve<{ chunk_no: number; rows: repo.StagedRow[] } | null>(null)
    // Chunks are handed out one at a time, in file order, to whichever writer asks.
    const next = () =>
      (handing = handing.then(async () => {
        const chunk = await repo.nextChunk(db, job.id, after)
        if (chunk) after = chunk.chunk_no
        return chunk
      }))
    const writer = async () => {
      for (;;) {
        if (stopped) return
        // The embedded database's one connection: let waiting requests (progress reads) in between chunks.
        if (db.kind === 'embedded') await new Promise((resolve) => setTimeout(resolve, 10))
        const chunk = await next()
        if (!chunk) return
        const today = shanghaiDayOf(clock.now())
        await db.transaction(async (tx) => {
          const taken = await repo.takeChunk(tx, job.id, id, chunk.chunk_no)
          if (taken === 'lost') throw new LostJob()
          if (taken === 'done') return
          const { batch, rowsOf, rejected } = await checkAgainstRegistry(tx, job.kind, columns, ref, actor, today, chunk.rows)
          const written = await writeRows(tx, job, batch, rowsOf, rejected)
          await repo.insertRejections(tx, job.id, rejected)
          await repo.countChunk(tx, job.id, { rows: chunk.rows.length, accepted: written, rejected: rejected.length, leaseMs: config.leaseMs })
        })
      }
    }
    const writers = db.kind === 'postgres' ? config.writers : 1
    const results = await Promise.allSettled(Array.from({ length: writers }, writer))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
    if (stopped) return
    if (!(await db.transaction((tx) => repo.succeed(tx, job.id, id)))) throw new LostJob()
  }

  /** Every row checked first; then all written in one transaction, or nothing when any row is refused. */
  async function writeAtomic(job: repo.JobRow, ref: Reference, live: { rows: number | null }) {
    const actor = actorOf(job)
    const columns = columnsOfJob(job)
    const today = shanghaiDayOf(clock.now())
    // Read through the transaction once one is open: the embedded database has one connection.
    const chunks = async function* (q: Queryable) {
      let after = -1
      for (;;) {
        const chunk = await repo.nextChunk(q, job.id, after)
        if (!chunk) return
        after = chunk.chunk_no
        yield chunk
      }
    }
    const base = job.rows_done
    try {
      const refused: RejectedRow[] = []
      for await (const chunk of chunks(db)) {
        if (stopped) return
        refused.push(...(await checkAgainstRegistry(db, job.kind, columns, ref, actor, today, chunk.rows)).rejected)
      }
      if (refused.length > 0) throw new Rejected(refused)
      live.rows = base
      await db.transaction(async (tx) => {
        let accepted = 0
        let done = base
        for await (const chunk of chunks(tx)) {
          if (stopped) throw new LostJob()
          const { batch, rowsOf, rejected } = await checkAgainstRegistry(tx, job.kind, columns, ref, actor, today, chunk.rows)
          accepted += await writeRows(tx, job, batch, rowsOf, rejected)
          if (rejected.length > 0) throw new Rejected(rejected)
          done += chunk.rows.length
          live.rows = done
        }
        await repo.takeAllChunks(tx, job.id)
        if (!(await repo.succeed(tx, job.id, id, { rows: job.total_rows ?? done, accepted, rejected: 0 }))) throw new LostJob()
      })
    } catch (error) {
      if (!(error instanceof Rejected)) throw error
      await db.transaction(async (tx) => {
        await repo.insertRejections(tx, job.id, error.rows)
        const rejected = base + error.rows.length
        if (!(await repo.fail(tx, job.id, id, rejectedProblem(job, rejected, job.total_rows ?? rejected), { rows: job.total_rows ?? rejected, rejected }))) {
          throw new LostJob()
        }
      })
    } finally {
      live.rows = null
    }
  }

  return {
    id,
    start() {
      if (config.workers > 0) nudge()
    },
    nudge,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await polling
      await Promise.allSettled(running.values())
    },
    async drain() {
      for (;;) {
        await poll()
        if (running.size === 0) return
        await Promise.allSettled(running.values())
      }
    },
  }
}

function rejectedProblem(job: repo.JobRow, rejected: number, total: number) {
  return problemBody('import_rejected', `整体导入：${total}行中有${rejected}行不合格，全部未导入；请下载错误报告改正后重新导入`, job.request_id, { rejected, total })
}
