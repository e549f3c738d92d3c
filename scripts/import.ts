// npm run import -- FILE [--kind enterprises|qualifications] [--mode per-row|atomic] [--url URL --token TOKEN]
// Imports a spreadsheet: uploads it to a running registry (--url, --token), or, without --url, runs
// the import against the database directly (DATABASE_URL, else the embedded database in DATA_DIR).
// Shows a progress bar with rows/s and the time left while the job runs, and writes the rejected
// rows next to the file (FILE.errors.xlsx or .csv). Exit code 0: every row imported; 2: rows were
// rejected or the import failed; 1: it could not run.
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import type { FastifyBaseLogger } from 'fastify'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { systemClock } from '../src/lib/clock.ts'
import { AppError } from '../src/lib/problems.ts'
import { IMPORT_KINDS, IMPORT_MODES, matchHeader, type ImportKind, type ImportMode } from '../src/modules/imports/columns.ts'
import * as repo from '../src/modules/imports/imports.repository.ts'
import type { ImportJobView } from '../src/modules/imports/imports.schemas.ts'
import { createImportService, view } from '../src/modules/imports/imports.service.ts'
import { inspect } from '../src/modules/imports/reader.ts'
import { importWorker } from '../src/modules/imports/worker.ts'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string' },
    mode: { type: 'string', default: 'per-row' },
    url: { type: 'string' },
    token: { type: 'string', default: process.env.REGISTRY_TOKEN },
  },
})

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

class Usage extends Error {}

/** The kind whose required columns the header has (qualifications have 资质类型, enterprises 企业名称). */
async function kindOf(bytes: Buffer): Promise<ImportKind> {
  const { header } = await inspect(bytes, Number.MAX_SAFE_INTEGER)
  const fits = IMPORT_KINDS.filter((k) => matchHeader(k, header).missing.length === 0)
  if (fits.length !== 1) throw new Usage('cannot tell from the header whether the file holds enterprises or qualifications: pass --kind')
  return fits[0]!
}

const STATE: Record<ImportJobView['state'], string> = { queued: '排队', reading: '读取', writing: '写入', succeeded: '完成', failed: '失败' }

function progress() {
  const tty = Boolean(process.stdout.isTTY)
  const bar = new cliProgress.SingleBar(
    {
      format: `{state} |{bar}| {percentage}% | {value}/{total} 行 | {rate} 行/秒 | 预计剩余 {remaining} | 不合格 {rejected}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: tty,
      noTTYOutput: !tty,
      notTTYSchedule: 2000,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(job: ImportJobView) {
      const total = job.totalRows ?? 0
      const seconds = job.estimatedFinishAt ? Math.max(0, (new Date(job.estimatedFinishAt).getTime() - Date.now()) / 1000) : null
      const payload = {
        state: STATE[job.state],
        rate: job.rowsPerSecond === null ? '-' : Math.round(job.rowsPerSecond),
        remaining: seconds === null ? '-' : seconds >= 60 ? `${Math.floor(seconds / 60)}分${Math.round(seconds % 60)}秒` : `${Math.round(seconds)}秒`,
        rejected: job.rejected,
      }
      if (!started) {
        bar.start(Math.max(total, 1), job.rowsDone, payload)
        started = true
      }
      bar.setTotal(Math.max(total, 1))
      bar.update(job.rowsDone, payload)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

interface Runner {
  create(bytes: Buffer, name: string, kind: ImportKind, mode: ImportMode): Promise<ImportJobView>
  get(id: string): Promise<ImportJobView>
  report(job: ImportJobView, format: 'xlsx' | 'csv'): Promise<Readable>
  close(): Promise<void>
}

function overHttp(url: string, token: string | undefined): Runner {
  if (!token) throw new Usage('--url needs --token (or REGISTRY_TOKEN): a token with registry:read and registry:write or qualifications:write')
  const headers = { authorization: `Bearer ${token}` }
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(path, url), { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } })
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string }
      throw new Error(`${res.status} ${problem.code ?? ''}: ${problem.detail ?? res.statusText}`)
    }
    return res
  }
  return {
    async create(bytes, name, kind, mode) {
      // The same file, kind and mode are the same request: a retried upload answers the same job.
      const key = createHash('sha256').update(bytes).update(`\n${kind}\n${mode}`).digest('hex')
      const res = await call(`/v1/imports?kind=${kind}&mode=${mode}`, {
        method: 'POST',
        headers: {
          'content-type': bytes.subarray(0, 2).toString() === 'PK' ? XLSX : 'text/csv',
          'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
          'idempotency-key': `import-${key}`,
        },
        body: new Uint8Array(bytes),
      })
      return (await res.json()) as ImportJobView
    },
    async get(id) {
      return (await (await call(`/v1/imports/${id}`)).json()) as ImportJobView
    },
    async report(job, format) {
      const res = await call(job.errorReport[format])
      return Readable.fromWeb(res.body as never)
    },
    async close() {},
  }
}

async function direct(): Promise<Runner> {
  const config = loadConfig()
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax })
  await migrate(db)
  const log = { warn: (o: unknown, m?: string) => console.error(m ?? o), error: (o: unknown, m?: string) => console.error(m ?? o), info: () => {} } as unknown as FastifyBaseLogger
  const worker = importWorker(db, systemClock, { ...config.imports, workers: 1 }, log)
  const service = createImportService(db, config.imports, worker)
  const sub = `cli:${userInfo().username}`
  const principal = { sub, scopes: new Set(['admin']), county: undefined, dept: undefined }
  let running: Promise<void> | undefined
  return {
    async create(bytes, name, kind, mode) {
      const job = await service.create({ sub, requestId: randomUUID() }, principal, kind, mode, { bytes, name })
      // This process is the worker: it runs the job (and any other waiting one) to the end.
      running = worker.drain()
      return job
    },
    async get(id) {
      return view((await repo.findJob(db, id))!)
    },
    async report(job, format) {
      return (await service.errorReport(principal, job.id, format)).stream
    },
    async close() {
      await running
      await worker.stop()
      await db.close()
    },
  }
}

async function main(): Promise<number> {
  const file = positionals[0]
  if (!file) throw new Usage('usage: npm run import -- FILE [--kind enterprises|qualifications] [--mode per-row|atomic] [--url URL --token TOKEN]')
  const mode = args.mode as ImportMode
  if (!IMPORT_MODES.includes(mode)) throw new Usage(`--mode must be ${IMPORT_MODES.join(' or ')}`)
  if (args.kind !== undefined && !IMPORT_KINDS.includes(args.kind as ImportKind)) throw new Usage(`--kind must be ${IMPORT_KINDS.join(' or ')}`)
  const bytes = readFileSync(file)
  const kind = (args.kind as ImportKind | undefined) ?? (await kindOf(bytes))
  const runner = args.url ? overHttp(args.url, args.token) : await direct()
  const bar = progress()
  try {
    console.log(`导入 ${basename(file)}（${kind === 'enterprises' ? '企业' : '资质'}，${mode === 'atomic' ? '整体' : '逐行'}）${args.url ? `到 ${args.url}` : '，直接写入数据库'}`)
    let job = await runner.create(bytes, basename(file), kind, mode)
    console.log(`导入编号 ${job.id}`)
    while (job.state !== 'succeeded' && job.state !== 'failed') {
      bar.update(job)
      await new Promise((resolve) => setTimeout(resolve, 500))
      job = await runner.get(job.id)
    }
    bar.update(job)
    bar.stop()
    console.log(`${STATE[job.state]}：共 ${job.totalRows} 行，导入 ${job.accepted} 行，不合格 ${job.rejected} 行`)
    if (job.problem) console.log(`原因：${job.problem.detail}`)
    if (job.rejected > 0) {
      const format = extname(file).toLowerCase() === '.csv' ? 'csv' : 'xlsx'
      const out = join(dirname(file), `${basename(file, extname(file))}.errors.${format}`)
      await pipeline(await runner.report(job, format), createWriteStream(out))
      console.log(`不合格的行及原因已写入 ${out}`)
    }
    return job.state === 'succeeded' && job.rejected === 0 ? 0 : 2
  } finally {
    bar.stop()
    await runner.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof AppError ? `${error.code}: ${error.message}` : error instanceof Usage ? error.message : error)
    process.exit(1)
  },
)
