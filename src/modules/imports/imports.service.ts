// Imports as a person or a county system meets them: a file is checked as a whole, then becomes a
// job any instance's worker runs; its progress, its error report and the blank templates.
import { createHash, randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/client.ts'
import { isUuid } from '../../lib/path-params.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { hasScope, type Principal } from '../../plugins/auth.ts'
import type { Actor } from '../../lib/actor.ts'
import { matchHeader, type ImportKind, type ImportMode } from './columns.ts'
import * as repo from './imports.repository.ts'
import type { ImportJobView } from './imports.schemas.ts'
import { inspect } from './reader.ts'
import { reportCsv, reportXlsx } from './report.ts'
import { templateCsv, templateXlsx } from './template.ts'
import type { ImportWorker } from './worker.ts'

const KIND_SCOPE = { enterprises: 'registry:write', qualifications: 'qualifications:write' } as const

export function view(job: repo.JobRow): ImportJobView {
  const remaining = job.total_rows === null ? null : Math.max(0, job.total_rows - job.rows_done)
  const rate = job.rate !== null && job.rate > 0 ? Math.round(job.rate * 10) / 10 : null
  const eta = rate && remaining !== null ? new Date(new Date(job.now).getTime() + (remaining / rate) * 1000).toISOString() : null
  return {
    id: job.id,
    kind: job.kind,
    mode: job.mode,
    state: job.state,
    fileName: job.file_name,
    format: job.format,
    totalRows: job.total_rows,
    rowsDone: job.rows_done,
    accepted: job.accepted,
    rejected: job.rejected,
    rowsPerSecond: rate,
    estimatedFinishAt: eta,
    problem: job.problem as ImportJobView['problem'],
    requestId: job.request_id,
    createdAt: job.created_at,
    startedAt: job.started_at,
    finishedAt: job.finished_at,
    errorReport: { xlsx: `/v1/imports/${job.id}/errors.xlsx`, csv: `/v1/imports/${job.id}/errors.csv` },
  }
}

/** The header row against the kind's columns: one problem naming everything wrong with it. */
export function checkHeader(kind: ImportKind, header: string[]): void {
  const { unknown, missing, duplicated, columns } = matchHeader(kind, header)
  if (unknown.length === 0 && missing.length === 0 && duplicated.length === 0) return
  const extra = { unknownColumns: unknown, missingColumns: missing.map((c) => c.header), duplicatedColumns: duplicated }
  const shown = header.filter((h) => h.trim() !== '').slice(0, 6).join('、')
  if (columns.every((c) => c === undefined)) {
    throw new AppError(
      'import_columns_invalid',
      `表头无法识别：第一行应为模板中的中文列名（如“${missing.slice(0, 3).map((c) => c.header).join('”“')}”），此文件第一行为“${shown}”。请下载模板（GET /v1/imports/templates/${kind}.xlsx）填写后导入`,
      extra,
    )
  }
  const parts = [
    unknown.length > 0 ? `模板中没有的列：${unknown.join('、')}（请删除或改为模板列名）` : '',
    missing.length > 0 ? `缺少必填列：${missing.map((c) => c.header).join('、')}` : '',
    duplicated.length > 0 ? `重复的列：${duplicated.join('、')}` : '',
  ].filter(Boolean)
  throw new AppError('import_columns_invalid', `表头与模板不符：${parts.join('；')}`, extra)
}

export function createImportService(db: Database, config: Config['imports'], worker: ImportWorker) {
  async function readable(principal: Principal, rawId: string): Promise<repo.JobRow> {
    const job = isUuid(rawId) ? await repo.findJob(db, rawId.toLowerCase()) : null
    // Another caller's import is not found, rather than forbidden: its existence is not theirs to learn.
    if (!job || (job.actor_sub !== principal.sub && !hasScope(principal, 'admin'))) throw problems.notFound('import', rawId)
    return job
  }

  return {
    async create(actor: Actor & { requestId: string }, principal: Principal, kind: ImportKind, mode: ImportMode, file: { bytes: Buffer; name: string | null }) {
      const scope = KIND_SCOPE[kind]
      if (!hasScope(principal, scope)) {
        const description = `importing ${kind} needs the scope ${scope}`
        throw new AppError('insufficient_scope', description, { requiredScopes: [scope] }, {
          'www-authenticate': `Bearer realm="haopin-registry", error="insufficient_scope", error_description="${description}", scope="${scope}"`,
        })
      }
      const inspected = await inspect(file.bytes, config.maxRows)
      checkHeader(kind, inspected.header)
      const job = await repo.insertJob(db, {
        id: randomUUID(),
        kind,
        mode,
        format: inspected.format,
        fileName: file.name,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        file: file.bytes,
        actor,
        totalRows: inspected.rowsAtMost,
      })
      worker.nudge()
      return view(job)
    },

    async get(principal: Principal, rawId: string): Promise<ImportJobView> {
      return view(await readable(principal, rawId))
    },

    async errorReport(principal: Principal, rawId: string, format: 'xlsx' | 'csv'): Promise<{ job: ImportJobView; stream: Readable }> {
      const job = await readable(principal, rawId)
      const header = job.header ?? []
      const pages = repo.rejectionPages(db, job.id)
      return { job: view(job), stream: format === 'xlsx' ? reportXlsx(header, pages) : reportCsv(header, pages) }
    },

    async template(kind: ImportKind, format: 'xlsx' | 'csv'): Promise<Buffer> {
      return format === 'xlsx' ? templateXlsx(kind, await repo.reference(db), config.maxRows) : templateCsv(kind)
    },
  }
}
