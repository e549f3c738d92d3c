// The one place that decides which database the registry talks to: a PostgreSQL server
// (DATABASE_URL) or the embedded PGlite database. Nothing else knows which one it got.
import { constants as fsConstants, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { PrismaPg } from '@prisma/adapter-pg'
import { setFlagsFromString } from 'node:v8'
import pg from 'pg'
import { lockDataDir } from './data-dir-lock.ts'
import { PrismaClient } from '../generated/prisma/client.ts'

export type { PrismaClient }

// Date parameters are sent as UTC text. pg's default writes them in the process's local zone,
// which is lossy for historical offsets (Asia/Shanghai in 1900 is +08:05:43).
pg.defaults.parseInputDatesAsUTC = true
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]

/**
 * The Prisma client, built at its first use. Only the reference data reads through Prisma; building
 * the client (its schema's data model is deserialised then) cost ~0.1 s of every start before.
 */
function lazyPrisma(create: () => PrismaClient): { get(): PrismaClient; disconnect(): Promise<void> } {
  let client: PrismaClient | undefined
  return {
    get: () => (client ??= create()),
    disconnect: async () => {
      await client?.$disconnect()
    },
  }
}

/** Raw SQL inside a Prisma interactive transaction, in the Queryable shape. */
export function inTx(tx: Tx): Queryable {
  return { query: <T>(text: string, params: unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...params) }
}

/** A single database session, for multi-statement scripts and session-level advisory locks. */
export interface Session {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  exec(sql: string): Promise<void>
}

/** Parameterised SQL on one connection: the pool, a transaction, or a Prisma transaction (inTx). */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<T[]>
}

/**
 * A transaction in progress. Statements are pipelined: each is sent when `query` is called, without
 * waiting for the answers to those before it, and the server runs them in order. So statements
 * whose parameters do not depend on each other's results are sent together by calling `query`
 * for each before awaiting any, and they cost one round trip; BEGIN travels with the first.
 */
export interface Transaction extends Queryable {
  /**
   * Sends COMMIT behind the statements already sent, in the same round trip, and resolves to
   * `work` (the promise of those statements) once the commit is durable. When any statement
   * failed, nothing is committed and its error is thrown. Call it last: a statement sent after
   * COMMIT is refused. On the server, the statements sent before it are committed when they all
   * succeed, even if code run on their results afterwards throws: keep that code to reading them.
   */
  commit<T>(work: Promise<T>): Promise<T>
  /**
   * Queues a statement that is sent just before the COMMIT, in the same round trip, whenever the
   * transaction commits (by `commit` or when fn resolves); its result is not needed by anyone. When
   * it fails, nothing commits and the transaction fails with its error. For what a unit of work
   * writes last from values it already has, such as its audit entries (recordAudit).
   */
  atCommit(text: string, params: unknown[], name?: string): void
}

export interface Database {
  kind: 'postgres' | 'embedded'
  prisma: PrismaClient
  /**
   * Runs fn in one transaction on one connection, committing when it resolves (or when it calls
   * tx.commit). The hot write paths use it: measured here, a Prisma interactive transaction of
   * three statements took 4.5 ms against 0.76 ms for the same statements in a pg transaction.
   * Transactions find their rows by key, and run on generic plans like named statements (see
   * query).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>
  /**
   * One parameterised statement outside any transaction. `name` makes it a prepared statement
   * on PostgreSQL, planned once per connection and never again: give a name only to statements
   * whose best plan does not depend on their parameters' values (key lookups, the shaped read
   * paths). Unnamed statements are planned for their values on every execution (a range filter
   * such as updatedSince needs that).
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<T[]>
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>
  /** Connections of each pool, for the metrics endpoint. */
  pools(): PoolUse[]
  /** The embedded database's data directory as a gzipped tarball (install-time templates). */
  dump?(): Promise<Blob>
  close(): Promise<void>
}

export interface PoolUse {
  pool: string
  max: number
  total: number
  idle: number
  /** Requests waiting for a connection. */
  waiting: number
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined
  /** Directory for the embedded database, or `memory://` for an in-memory one. */
  dataDir?: string
  poolMax?: number
  /** A new embedded database: empty (default), or with the migrations known at install applied (a first start). */
  newEmbeddedFrom?: 'empty' | 'migrated'
  /** Limits on a PostgreSQL server (none when absent); the embedded database is in-process and has none. */
  timeouts?: DatabaseTimeouts
}

export interface DatabaseTimeouts {
  /** Getting a connection: a new one, or a free one from a full pool. */
  connectMs: number
  /** statement_timeout on the server; the client gives up on a silent server a moment after it. */
  statementMs: number
  /** idle_in_transaction_session_timeout on the server. */
  idleInTransactionMs: number
}

/** The limits a configuration sets. */
export const databaseTimeouts = (config: { dbConnectTimeoutMs: number; dbStatementTimeoutMs: number; dbIdleInTransactionTimeoutMs: number }): DatabaseTimeouts => ({
  connectMs: config.dbConnectTimeoutMs,
  statementMs: config.dbStatementTimeoutMs,
  idleInTransactionMs: config.dbIdleInTransactionTimeoutMs,
})

/** How much longer than statement_timeout the client waits for an answer before it gives the connection up. */
const CLIENT_GRACE_MS = 250

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? createServerDatabase(options.databaseUrl, options.poolMax ?? 10, options.timeouts)
    : createEmbeddedDatabase(options.dataDir ?? './.data', options.newEmbeddedFrom)
}

function createServerDatabase(connectionString: string, max: number, timeouts?: DatabaseTimeouts): Database {
  // JIT and parallel workers pay off for long analytical queries only. On the registry's short
  // statements (measured on the 100k dataset) JIT added ~0.4 s to list queries with a high cost
  // estimate, and starting workers took longer than the whole first page.
  // The timeouts make an unreachable, stopped or frozen server fail fast instead of hanging
  // requests: the server cancels long statements itself; a server that does not answer at all
  // (frozen) is given up by the client (query_timeout), and the connection is discarded.
  const limits = timeouts
    ? ` -c statement_timeout=${timeouts.statementMs} -c idle_in_transaction_session_timeout=${timeouts.idleInTransactionMs}`
    : ''
  const settings = `-c jit=off -c max_parallel_workers_per_gather=0${limits}`
  const clientLimits = timeouts
    ? { connectionTimeoutMillis: timeouts.connectMs, query_timeout: timeouts.statementMs + CLIENT_GRACE_MS, keepAlive: true }
    : {}
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, application_name: 'haopin-registry', options: settings, ...clientLimits })
  // Named statements and transactions run on connections that never re-plan a prepared statement.
  // PostgreSQL otherwise keeps re-planning a statement whose plan for the values at hand looks
  // cheaper than its generic plan: measured on 100,000 enterprises, building a document took
  // 1.4 ms re-planned against 0.4 ms on its generic plan, and the name-search page was re-planned
  // on every request. Unnamed statements stay on connections that plan for their values.
  // Its connections pipeline (pg's pipeline mode): a transaction sends the statements that do not
  // wait for each other's results, and its COMMIT, in one round trip (see Transaction).
  const prepared = new pg.Pool({
    connectionString,
    max,
    pipeline: true,
    idleTimeoutMillis: 30_000,
    application_name: 'haopin-registry',
    options: `${settings} -c plan_cache_mode=force_generic_plan`,
    ...clientLimits,
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  prepared.on('error', () => {})
  const prisma = lazyPrisma(() => new PrismaClient({ adapter: new PrismaPg(pool) }))
  return {
    kind: 'postgres',
    get prisma() {
      return prisma.get()
    },
    async query(text, params = [], name) {
      const result = await (name ? prepared.query({ name, text, values: params }) : pool.query({ text, values: params }))
      return result.rows
    },
    async transaction(fn) {
      const client = await prepared.connect()
      const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream
      let begun = false
      let ended = false
      let corked = false
      let broken: unknown
      // A connection lost while checked out (the server stopped) fails its statements; its 'error'
      // event must not crash the process, and the connection is discarded at release.
      const lost = (error: Error) => {
        broken = error
      }
      client.on('error', lost)
      // Statements sent in one turn of the event loop leave in one socket write.
      const send = (config: pg.QueryConfig) => {
        if (!corked) {
          corked = true
          stream.cork()
          process.nextTick(() => {
            corked = false
            stream.uncork()
          })
        }
        return client.query(config)
      }
      // COMMIT in a transaction that a failed statement aborted ends it as a ROLLBACK, without an
      // error: that must not pass for success (fn may have caught the statement's error).
      const committed = (result: pg.QueryResult) => {
        if (result.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${result.command}): one of its statements failed`)
      }
      const queued: pg.QueryConfig[] = []
      // The queued statements and COMMIT, sent together (BEGIN first when nothing was sent yet);
      // resolves once all are answered, rejecting with the first failure.
      const finish = async (work: Promise<unknown>) => {
        const last = queued.splice(0)
        if (!begun && last.length === 0) return
        const statements = [...(begun ? [] : [send({ text: 'BEGIN' })]), ...last.map(send), send({ text: 'COMMIT' })]
        begun = true
        const settled = await Promise.allSettled([work, ...statements])
        const failed = settled.find((r) => r.status === 'rejected')
        if (failed) throw (failed as PromiseRejectedResult).reason
        committed((settled[settled.length - 1] as PromiseFulfilledResult<pg.QueryResult>).value)
      }
      const tx: Transaction = {
        async query(text, params = [], name) {
          if (ended) throw new Error('a statement was sent after its transaction committed')
          const config = name ? { name, text, values: params } : { text, values: params }
          if (begun) return (await send(config)).rows
          begun = true
          const [, result] = await Promise.all([send({ text: 'BEGIN' }), send(config)])
          return result.rows
        },
        async commit(work) {
          ended = true
          await finish(work)
          return work
        },
        atCommit(text, params, name) {
          if (ended) throw new Error('a statement was queued after its transaction committed')
          queued.push(name ? { name, text, values: params } : { text, values: params })
        },
      }
      try {
        const result = await fn(tx)
        if (!ended) await finish(Promise.resolve())
        ended = true
        return result
      } catch (error) {
        // Sent behind any statement still running; a transaction its COMMIT already ended is left alone.
        if (begun && !(ended && client.getTransactionStatus() === 'I')) {
          await client.query('ROLLBACK').catch((rollbackError) => {
            broken = rollbackError
          })
        }
        throw error
      } finally {
        // A connection that could not roll back is discarded rather than reused.
        client.off('error', lost)
        client.release(broken instanceof Error ? broken : undefined)
      }
    },
    async withSession(fn) {
      // Migrations run here: a statement of theirs may rightly take longer than any request's.
      const client = await pool.connect()
      let broken: Error | undefined
      const lost = (error: Error) => {
        broken = error
      }
      client.on('error', lost)
      const unlimited = timeouts ? { query_timeout: 2_147_483_647 } : {}
      const run = (text: string, values: unknown[] = []) => client.query({ text, values, ...unlimited } as pg.QueryConfig)
      try {
        if (timeouts) await run('SET statement_timeout = 0')
        return await fn({
          query: async (text, params = []) => (await run(text, params)).rows,
          exec: async (sql) => {
            await run(sql)
          },
        })
      } finally {
        if (timeouts) await client.query('RESET statement_timeout').catch((error: Error) => (broken = error))
        client.off('error', lost)
        client.release(broken)
      }
    },
    pools: () =>
      ([['adhoc', pool], ['prepared', prepared]] as const).map(([name, p]) => ({ pool: name, max, total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount })),
    async close() {
      await prisma.disconnect()
      await Promise.all([pool.end(), prepared.end()])
    },
  }
}

/**
 * A data directory written at install (scripts/pglite-template.mjs), if present: `template` is
 * pristine, `migrated` has this checkout's migrations applied (migrate() then finds them recorded).
 */
function embeddedTemplate(kind: 'template' | 'migrated' = 'template'): Blob | undefined {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'))
    const file = new URL(`../../node_modules/.cache/haopin-registry/pglite-${version}-${kind}.tgz`, import.meta.url)
    return new Blob([readFileSync(file)])
  } catch {
    return undefined
  }
}

/**
 * The migrated template as a data directory (scripts/pglite-template.mjs writes it beside the
 * tarball), if present. A new data directory copied from it natively starts as a restart does;
 * the tarball through PGlite's loadDataDir is gunzipped in web streams and written file by file
 * through the WebAssembly file system (about 1.5 s of CPU here against ~0.1 s for the copy).
 */
function embeddedTemplateDir(kind: 'migrated'): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'))
    const dir = new URL(`../../node_modules/.cache/haopin-registry/pglite-${version}-${kind}/`, import.meta.url).pathname
    return existsSync(`${dir}PG_VERSION`) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * Copies a template data directory to `pgdata`: into a side directory first, renamed into place
 * once complete, so that a start interrupted mid-copy leaves no half data directory behind (the
 * next start copies again). Copy-on-write clones where the file system has them.
 */
function copyDataDir(from: string, pgdata: string): void {
  const partial = `${pgdata}.partial`
  rmSync(partial, { recursive: true, force: true })
  cpSync(from, partial, { recursive: true, mode: fsConstants.COPYFILE_FICLONE })
  renameSync(partial, pgdata)
}

/** V8's WebAssembly tier-up budget while an embedded database is open (see createEmbeddedDatabase). */
const EMBEDDED_WASM_TIERING_BUDGET = 60_000_000

/** The embedded database's buffer cache (see createEmbeddedDatabase). */
export const EMBEDDED_SHARED_BUFFERS = '16MB'

async function createEmbeddedDatabase(dataDir: string, newFrom: 'empty' | 'migrated' = 'empty'): Promise<Database> {
  const inMemory = dataDir === 'memory://'
  const pgdata = `${dataDir.replace(/\/$/, '')}/pgdata`
  if (!inMemory) mkdirSync(dataDir, { recursive: true })
  // One process at a time (src/db/data-dir-lock.ts): refused here, before anything is read.
  const lock = inMemory ? undefined : lockDataDir(dataDir)
  // A new database starts from an install-time template rather than running initdb in WASM: empty,
  // or for the service's own start (server.ts) with the install's migrations already applied.
  const templateDir = !inMemory && newFrom === 'migrated' && !existsSync(pgdata) ? embeddedTemplateDir('migrated') : undefined
  if (templateDir) copyDataDir(templateDir, pgdata)
  const loadDataDir = inMemory || !existsSync(pgdata) ? ((newFrom === 'migrated' ? embeddedTemplate('migrated') : undefined) ?? embeddedTemplate()) : undefined
  // PGlite is PostgreSQL compiled to WebAssembly. V8 runs it first as baseline (Liftoff) code and
  // recompiles a function with its optimising compiler (TurboFan, on background threads) once the
  // function has run through a budget of roughly 1.8 MB of code. Opening the database runs large
  // parts of PostgreSQL's start-up a few times only, yet crossed that budget in enough functions
  // to spend 1.5–1.9 s of CPU recompiling them before the registry was ready (measured per thread;
  // none with --liftoff-only). A 60 MB budget leaves start-up code on the baseline tier (0.7 s)
  // while what a running database repeats (its executor, scans, index lookups) still reaches
  // TurboFan: a 200,000-row scan and 6,000 short statements took no more CPU than before.
  // Process-wide, and only here: a registry on a PostgreSQL server never changes it.
  setFlagsFromString(`--wasm-tiering-budget=${EMBEDDED_WASM_TIERING_BUDGET}`)
  // Loaded only here: the embedded engine adds about 40 MB to a process that never uses it.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')])
  // shared_buffers: PGlite zeroes its shared memory in WebAssembly at every start, which at
  // PostgreSQL's default of 128 MB was the largest part of opening the database (0.7–2 s of CPU
  // here). 16 MB of buffers holds an embedded database's working set (it serves one process).
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`]
  const lite = new PGlite(inMemory ? 'memory://' : pgdata, { startParams, ...(loadDataDir ? { loadDataDir } : {}) })
  try {
    await lite.waitReady
  } catch (error) {
    lock?.release()
    throw error
  }
  const prisma = lazyPrisma(() => new PrismaClient({ adapter: new PrismaPGlite(lite) }))
  const session: Session = {
    query: async (text, params = []) => (await lite.query<never>(text, params)).rows,
    exec: async (sql) => {
      await lite.exec(sql)
    },
  }
  return {
    kind: 'embedded',
    get prisma() {
      return prisma.get()
    },
    query: (text, params = []) => session.query(text, params),
    // PGlite runs a transaction's statements in the order they are sent and commits when fn resolves.
    transaction: (fn) =>
      lite.transaction(async (t) => {
        let ended = false
        const queued: [string, unknown[]][] = []
        const finish = async () => {
          for (const [text, params] of queued.splice(0)) await t.query(text, params)
        }
        const result = await fn({
          async query(text, params = []) {
            if (ended) throw new Error('a statement was sent after its transaction committed')
            return (await t.query<never>(text, params)).rows
          },
          async commit(work) {
            ended = true
            const value = await work
            await finish()
            return value
          },
          atCommit(text, params) {
            if (ended) throw new Error('a statement was queued after its transaction committed')
            queued.push([text, params])
          },
        })
        // PGlite commits when this callback resolves: the queued statements run just before.
        await finish()
        return result
      }),
    withSession: (fn) => fn(session),
    dump: async () => lite.dumpDataDir('gzip'),
    // One in-process connection.
    pools: () => [{ pool: 'embedded', max: 1, total: 1, idle: 1, waiting: 0 }],
    async close() {
      await prisma.disconnect()
      await lite.close()
      lock?.release()
    },
  }
}
