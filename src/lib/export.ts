// Exports shared by every list: the whole matching set as CSV (for Excel: UTF-8 BOM, CRLF, RFC 4180
// quoting, formula-like cells neutralised by csv-stringify's escape_formulas) or NDJSON (the JSON items, one a line),
// read from one REPEATABLE READ READ ONLY snapshot in keyset batches and streamed with backpressure,
// so memory stays flat whatever the row count. Headers state the provenance: the knownAt used and
// the audit chain head when the export began. With a pinned knownAt older than the settle window
// the same URL gives the same bytes (design §3.9).
import { stringify } from 'csv-stringify/sync'
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TSchema } from 'typebox'
import type { Database, Queryable } from '../db/client.ts'
import { sealAudit } from '../modules/audit/audit.repository.ts'
import { AppError, problems } from './problems.ts'

export type ExportFormat = 'csv' | 'ndjson'

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present'
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson; charset=utf-8'

/** Rows per keyset batch: the unit read, rendered and sent at once. */
export const EXPORT_BATCH = 1000

/** Query parameters every exportable list takes, besides its own filters. */
export const ExportQueryFields = {
  format: Type.Optional(Type.Enum(['json', 'csv', 'ndjson'], {
    description: '`json` (a page, the default), `csv` or `ndjson`: every matching row, streamed (same as `Accept: text/csv` / `Accept: application/x-ndjson`); `cursor` and `limit` are refused with an export format',
  })),
  header: Type.Optional(Type.Enum(['en', 'zh'], { description: 'CSV header row: `en` (default, column names such as `effective_at`) or `zh` (统一社会信用代码, 企业名称, …)' })),
  timeZone: Type.Optional(Type.Enum(['UTC', 'Asia/Shanghai'], { description: 'CSV times: `UTC` (default, `…Z`) or `Asia/Shanghai` (`…+08:00`)' })),
}

/** The body schemas of an exportable list's 200, per media type (JSON page, CSV, NDJSON). */
export function exportMedia(page: TSchema, what: string): Record<string, TSchema> {
  return {
    'application/json': page,
    'text/csv': Type.String({
      description: `Every matching ${what} as CSV: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting, one header row (\`header=zh\` for Chinese), cells starting with = + - @ tab or CR prefixed with '`,
      examples: ['\uFEFFuscc,name,county_code\r\n91350100M000100Y43,德州市华源生态科技有限公司,371402\r\n'],
    }),
    'application/x-ndjson': Type.String({
      description: `Every matching ${what} as NDJSON: the JSON list item, one a line, \\n separated, UTF-8 without BOM`,
      examples: ['{"uscc":"91350100M000100Y43","name":"德州市华源生态科技有限公司"}\n'],
    }),
  }
}

/** Response headers an export sends (declared in RESPONSE_HEADERS). */
export const EXPORT_HEADERS = ['Registry-Known-At', 'Registry-Audit-Head', 'Registry-Snapshot', 'Content-Location', 'Content-Disposition', 'Vary'] as const

/** One CSV column: its English name, Chinese name, where in the JSON item its value is. */
export interface ExportColumn {
  key: string
  zh: string
  /** Dotted path in the item (default: the key). */
  path?: string
  /** The value is an instant (rendered per timeZone). */
  time?: boolean
}

interface ParsedAccept {
  type: string
  q: number
  order: number
}

function parseAccept(header: string): ParsedAccept[] {
  return header
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim())
      const q = params.find((p) => p.startsWith('q='))
      return { type: type ?? '', q: q ? Number(q.slice(2)) : 1, order }
    })
    .filter((a) => a.type !== '' && Number.isFinite(a.q) && a.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
}

const ACCEPTED: Record<string, 'json' | ExportFormat> = {
  'application/json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'text/csv': 'csv',
  'text/*': 'csv',
  'application/x-ndjson': 'ndjson',
}

/**
 * The representation asked for: `format` when given, else the best `Accept` media range this list
 * offers. Null means the JSON page. 406 `not_acceptable` when Accept names nothing offered.
 */
export function exportFormatOf(request: FastifyRequest): ExportFormat | null {
  const q = request.query as { format?: string; cursor?: string; limit?: number }
  let format: 'json' | ExportFormat | undefined = q.format as never
  if (format === undefined) {
    const accept = request.headers.accept
    if (!accept || accept.trim() === '') return null
    const ranges = parseAccept(accept)
    format = ranges.map((r) => ACCEPTED[r.type]).find((f) => f !== undefined)
    if (format === undefined) {
      throw new AppError('not_acceptable', `this list is offered as application/json, text/csv (format=csv) and application/x-ndjson (format=ndjson); Accept was: ${accept.slice(0, 200)}`, {
        available: ['application/json', 'text/csv', 'application/x-ndjson'],
      })
    }
  }
  if (format === 'json') return null
  // An export is every matching row: paging parameters would silently cut it.
  const raw = new URL(request.url, 'http://registry.local').searchParams
  if (raw.has('cursor')) throw problems.field('query', '/cursor', `cannot be combined with an export (format ${format}): an export streams every matching row`)
  if (raw.has('limit')) throw problems.field('query', '/limit', `cannot be combined with an export (format ${format}): an export streams every matching row`)
  return format
}

/** An instant as UTC text (as the JSON says it) or in Asia/Shanghai (fixed +08:00: no DST since 1991). */
export function renderInstant(value: string, timeZone: 'UTC' | 'Asia/Shanghai'): string {
  if (timeZone === 'UTC') return value
  const t = Date.parse(value)
  if (Number.isNaN(t)) return value
  return new Date(t + 8 * 3600_000).toISOString().replace('Z', '+08:00')
}

/** Reads a column's value from an item: a function per column, its dotted path split once. */
function accessor(path: string): (item: unknown) => unknown {
  const parts = path.split('.')
  if (parts.length === 1) {
    const key = parts[0]!
    return (item) => (item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : null)
  }
  return (item) => {
    let v: unknown = item
    for (const part of parts) {
      if (v === null || v === undefined || typeof v !== 'object') return null
      v = (v as Record<string, unknown>)[part]
    }
    return v
  }
}

/** The columns' accessors, made once per column list (lists are module constants or built per export). */
const accessors = new WeakMap<readonly ExportColumn[], ((item: unknown) => unknown)[]>()
function accessorsOf(columns: readonly ExportColumn[]): ((item: unknown) => unknown)[] {
  let list = accessors.get(columns)
  if (!list) {
    list = columns.map((c) => accessor(c.path ?? c.key))
    accessors.set(columns, list)
  }
  return list
}

/**
 * Rows of cells from items held as objects (each column read at its `path`): for lists whose items
 * node builds itself, or keeps as stored JSON documents. Lists whose items SQL builds per row select
 * the columns instead (no JSON built, then parsed again).
 */
export function cellsOf(items: readonly unknown[], columns: readonly ExportColumn[]): unknown[][] {
  const get = accessorsOf(columns)
  const n = columns.length
  return items.map((item) => {
    const row = new Array<unknown>(n)
    for (let i = 0; i < n; i++) row[i] = get[i]!(item)
    return row
  })
}

/** A value as CSV text before quoting: null for an empty cell. */
function cell(v: unknown, time: boolean | undefined, timeZone: 'UTC' | 'Asia/Shanghai'): string | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return time ? renderInstant(v, timeZone) : v
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(';')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export interface CsvOptions {
  header: 'en' | 'zh'
  timeZone: 'UTC' | 'Asia/Shanghai'
}

/**
 * CSV text of rows (cells in the columns' order; instants as ISO text in UTC): with `first` the BOM
 * and the header row come first. Every export, and any other CSV the registry writes, goes through here.
 */
export function csvText(rows: readonly (readonly unknown[])[], columns: readonly ExportColumn[], options: CsvOptions, first: boolean): string {
  const n = columns.length
  const times = columns.map((c) => c.time)
  const text = rows.map((row) => {
    const fields = new Array<string | null>(n)
    for (let i = 0; i < n; i++) fields[i] = cell(row[i], times[i], options.timeZone)
    return fields
  })
  const header = columns.map((c) => (options.header === 'zh' ? c.zh : c.key))
  // Quoting and formula escaping are csv-stringify's, a well-kept library's, not the registry's own: its
  // per-field work is about a quarter of the register export's CPU per row (docs/performance.md), kept.
  return stringify(first ? [header, ...text] : text, { bom: first, record_delimiter: '\r\n', quoted_match: /[\r\n",]/, escape_formulas: true })
}

/** What a batch is read as: `json`, each item's JSON text (NDJSON); `cells`, each row's values in the spec's column order (CSV). */
export type ExportShape = 'json' | 'cells'

/** A batch: its items or rows, and the key after the last one, or null when this was the last batch. */
export type ExportBatch<K> = { next: K | null } & ({ items: string[] } | { cells: unknown[][] })

export interface ExportSpec<K> {
  /** File name base: `<resource>-<knownAt>.<ext>`. */
  resource: string
  /** Chinese file name base, sent as the UTF-8 `filename*` (RFC 6266 / 8187). */
  title: string
  columns: readonly ExportColumn[]
  /** The knownAt the caller pinned (undefined: the snapshot's own time). */
  knownAt?: Date | undefined
  /** Whether the list takes `knownAt` (then Content-Location pins it; otherwise the export is always provisional). */
  pinnable: boolean
  /**
   * Reads one batch in the snapshot, after `after` (undefined: from the start), in the shape asked
   * for: JSON items for NDJSON, rows of cells in `columns` order for CSV.
   */
  batch(q: Queryable, knownAt: Date, after: K | undefined, size: number, shape: ExportShape): Promise<ExportBatch<K>>
}

/**
 * Sends the export: opens the snapshot, reads the first batch (a failure up to here is an ordinary
 * problem), then streams. A failure after the first bytes ends the response early (the client sees
 * a truncated transfer) and is logged; it never reaches the process.
 */
export async function sendExport<K>(
  request: FastifyRequest,
  reply: FastifyReply,
  db: Database,
  format: ExportFormat,
  spec: ExportSpec<K>,
): Promise<FastifyReply> {
  const q = request.query as { header?: 'en' | 'zh'; timeZone?: 'UTC' | 'Asia/Shanghai' }
  const options: CsvOptions = { header: q.header ?? 'en', timeZone: q.timeZone ?? 'UTC' }
  const shape: ExportShape = format === 'csv' ? 'cells' : 'json'

  let started!: (v: { knownAt: Date; now: Date; head: string | null; first: ExportBatch<K>; q: Queryable }) => void
  let failed!: (e: unknown) => void
  const start = new Promise<Parameters<typeof started>[0]>((res, rej) => {
    started = res
    failed = rej
  })
  let finish!: (e?: unknown) => void
  const finished = new Promise<void>((res, rej) => {
    finish = (e) => (e === undefined ? res() : rej(e))
  })
  // Everything committed so far is chained first, as before every audit read: the head the export
  // names, and the chain positions its items carry, include it.
  await sealAudit(db, true)
  const done = db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
    // Each batch's statement is planned for its values (transactions otherwise run on generic plans).
    await tx.query('SET LOCAL plan_cache_mode = force_custom_plan')
    const [row] = await tx.query<{ now: Date; head: string | null }>(
      `SELECT transaction_timestamp() AS now,
              (SELECT seq::text || ':' || hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS head`,
    )
    const now = new Date(row!.now)
    const knownAt = spec.knownAt && spec.knownAt < now ? spec.knownAt : now
    const first = await spec.batch(tx, knownAt, undefined, EXPORT_BATCH, shape)
    started({ knownAt, now, head: row!.head, first, q: tx })
    // The snapshot stays open while the stream reads from it.
    await finished
  })
  done.catch((e) => failed(e))
  const { knownAt, now, head, first, q: tx } = await start

  const knownAtText = knownAt.toISOString()
  // Settled: no transaction still open can record anything before knownAt (EXPORT_SETTLE_SECONDS).
  const settled = knownAt.getTime() <= now.getTime() - request.server.config.exportSettleSeconds * 1000
  const ext = format === 'csv' ? 'csv' : 'ndjson'
  const stamp = knownAtText.replace(/[:.]/g, '-')
  const asciiName = `${spec.resource}-${stamp}.${ext}`
  const utf8Name = `${spec.title}-${stamp}.${ext}`
  reply
    .type(format === 'csv' ? CSV_MEDIA_TYPE : NDJSON_MEDIA_TYPE)
    .header('content-disposition', `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`)
    .header('registry-known-at', knownAtText)
    .header('vary', 'Accept')
  if (head) reply.header('registry-audit-head', head)
  if (!settled || !spec.pinnable) reply.header('registry-snapshot', 'provisional')
  if (spec.pinnable) {
    const u = new URL(request.url, 'http://registry.local')
    u.searchParams.set('knownAt', knownAtText)
    u.searchParams.set('format', format)
    reply.header('content-location', `${u.pathname}${u.search}`)
  }

  const render = (batch: ExportBatch<K>, isFirst: boolean): string => {
    if (shape === 'json' && 'items' in batch) return batch.items.length ? `${batch.items.join('\n')}\n` : ''
    if (shape === 'cells' && 'cells' in batch) return csvText(batch.cells, spec.columns, options, isFirst)
    throw new Error(`the ${spec.resource} export answered a batch of another shape than ${shape}`)
  }
  const log = request.log
  // The next batch is read while the current one is rendered and sent (the database and this
  // process work side by side); at most two batches are held.
  let inFlight: Promise<ExportBatch<K>> | null = null
  const read = (after: K | null) => {
    if (after === null) return null
    const p = spec.batch(tx, knownAt, after, EXPORT_BATCH, shape)
    // Awaited below; a result nobody waits for any more (the client left) must not become an unhandled rejection.
    p.catch(() => {})
    return p
  }
  let generating = false
  async function* chunks() {
    generating = true
    let error: unknown
    try {
      inFlight = read(first.next)
      yield render(first, true)
      while (inFlight) {
        const batch: ExportBatch<K> = await inFlight
        inFlight = read(batch.next)
        const text = render(batch, false)
        if (text) yield text
      }
    } catch (e) {
      error = e
      log.error({ err: e }, 'export failed after its first batch was sent; the response ends early')
      throw e
    } finally {
      // Ends the snapshot (after any read still in flight): commits a read-only transaction, or rolls back after a failure.
      const pending = inFlight as Promise<unknown> | null
      inFlight = null
      if (pending) await pending.catch(() => {})
      finish(error ?? undefined)
      await done.catch(() => {})
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 })
  // The reply answers a failed stream (logs it, destroys the socket); nothing is left unhandled.
  stream.on('error', () => {})
  // A client gone before the generator ran: end the snapshot now (once it runs, its finally ends it,
  // also when the stream is destroyed: the iterator is returned at its next yield).
  stream.on('close', () => {
    if (!generating) finish()
  })
  return reply.send(stream)
}
