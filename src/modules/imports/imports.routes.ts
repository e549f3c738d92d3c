import type { FastifyInstance, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { AppError } from '../../lib/problems.ts'
import { compileForPart } from '../../lib/validate.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { ok } from '../../lib/responses.ts'
import { Type } from 'typebox'
import { CreateImportQuery, CSV_TYPE, ErrorReportParams, ImportIdParams, ImportJob, ImportUpload, TemplateFileParams, XLSX_TYPE } from './imports.schemas.ts'
import { createImportService } from './imports.service.ts'

const fileResponse = (description: string, example: string) =>
  ok(description, {
    [XLSX_TYPE]: Type.String({ format: 'binary', description: 'The .xlsx workbook' }),
    [`${CSV_TYPE}; charset=utf-8`]: Type.String({ description: 'CSV, UTF-8 with a byte order mark', examples: [example] }),
  })

/** The file name a multipart upload gave, or a raw upload's `filename` in Content-Disposition. */
function uploadName(request: FastifyRequest): string | null {
  const disposition = request.headers['content-disposition']
  const match = typeof disposition === 'string' ? /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition) : null
  if (!match) return null
  try {
    return decodeURIComponent(match[1] ?? match[2]!).slice(0, 255)
  } catch {
    return (match[2] ?? null)?.slice(0, 255) ?? null
  }
}

export default async function importRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const limits = app.config.imports
  const service = createImportService(app.db, limits, app.importWorker)
  const tags = ['imports']

  // Spreadsheets arrive as they are; the reader decides what they are, whatever the type says.
  app.addContentTypeParser([XLSX_TYPE, CSV_TYPE, 'application/octet-stream', 'application/vnd.ms-excel'], { parseAs: 'buffer', bodyLimit: limits.maxBytes }, (_request, body, done) =>
    done(null, body),
  )
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: limits.maxBytes, files: 1, fields: 5 } })
  // A multipart body the parser cannot read (no boundary, cut off, malformed) fails with the parser's
  // own error, which has no status: it is the caller's 400, not a 500.
  const parentHandler = app.errorHandler
  app.setErrorHandler(function (error, request, reply) {
    const unread = request.isMultipart() && !Buffer.isBuffer(request.body) && !(error instanceof AppError) && !(error as { statusCode?: number }).statusCode
    const reported = unread ? new AppError('bad_request', `the multipart body cannot be read (${(error as Error).message})`) : error
    return parentHandler.call(this, reported as never, request, reply)
  })
  // A multipart upload's file becomes the body, so that every later step (idempotency included) sees the file's bytes.
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return
    const body = request.body as Record<string, unknown> | undefined
    const file = body?.file
    if (!Buffer.isBuffer(file)) throw new AppError('validation_failed', 'multipart body: the spreadsheet must be sent in the field "file"', { errors: [{ in: 'body', pointer: '/file', message: 'is required' }] })
    request.body = file
  })

  app.post('/v1/imports', {
    schema: {
      operationId: 'createImport',
      summary: 'Import enterprises or qualifications from an .xlsx or CSV file, as a background job',
      description:
        'Send the file as the body (`Content-Type` of .xlsx or `text/csv`) or as the `file` field of a multipart form. The file as a whole is checked at once ' +
        '(a readable .xlsx or CSV, the template\'s Chinese header, no merged cells, at most IMPORT_MAX_ROWS rows): anything wrong is a 422 problem and no job is made. ' +
        'Otherwise the answer is 202 with the job and its `Location`; follow `GET /v1/imports/{id}` for progress. Each row is checked and written with the same ' +
        'rules as the API (enterprises upserted by USCC, each qualification row a grant); a county token imports its own county\'s rows only. In `per-row` mode ' +
        'good rows are written and bad ones reported; in `atomic` mode any bad row means nothing is written. The rejected rows, with the reason in Chinese, ' +
        'are at `errorReport`. Every row written is audited under this request\'s id. The same file with the same `Idempotency-Key` answers the same job. ' +
        'Importing enterprises also needs `registry:write`; qualifications, `qualifications:write`.',
      tags,
      querystring: CreateImportQuery,
      body: ImportUpload,
      response: {
        202: ok('The job was created; it runs in the background. `Location` is its URL.', ImportJob, ['Location']),
        ...problemResponses(413, 415, 422),
      },
    } as never,
    // Bodies are files: the reader checks them, not JSON Schema.
    validatorCompiler: ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? () => true : compileForPart({ schema, httpPart: httpPart! })),
    bodyLimit: limits.maxBytes,
    config: { auth: { scopes: ['registry:read'] } },
  }, async (request, reply) => {
    const query = request.query as { kind: 'enterprises' | 'qualifications'; mode?: 'atomic' | 'per-row' }
    const body = request.body
    if (!Buffer.isBuffer(body)) throw new AppError('unsupported_media_type', `send the file as ${XLSX_TYPE}, ${CSV_TYPE} or multipart/form-data`)
    const actor = { ...actorOf(request), requestId: request.id }
    const job = await service.create(actor, request.principal!, query.kind, query.mode ?? 'per-row', { bytes: body, name: uploadName(request) })
    return reply.code(202).header('location', `/v1/imports/${job.id}`).send(job)
  })

  app.get('/v1/imports/:id', {
    schema: {
      operationId: 'getImport',
      summary: 'Progress of an import: state, rows done of the total, accepted, rejected, rate and estimated finish',
      description: 'Only the token subject that created the import (or `admin`) can see it.',
      tags,
      params: ImportIdParams,
      response: { 200: ok('The import job as it stands', ImportJob), ...problemResponses(404) },
    },
    config: { auth: { scopes: ['registry:read'] } },
  }, async (request) => service.get(request.principal!, request.params.id))

  app.get('/v1/imports/:id/errors.:format', {
    schema: {
      operationId: 'getImportErrors',
      summary: 'The rows an import rejected, as sent, with the column and the reason in Chinese (.xlsx or .csv)',
      description:
        'One row per rejected row: 原行号 (its row in the file), 出错列, 错误原因, then its cells as sent. While the import runs, the rows rejected so far. ' +
        'The CSV is UTF-8 with a byte order mark; cells a spreadsheet would run as formulas are escaped.',
      tags,
      params: ErrorReportParams,
      response: { 200: fileResponse('The error report', '\ufeff原行号,出错列,错误原因,统一社会信用代码,企业名称,所属县（市、区）\r\n3,统一社会信用代码,统一社会信用代码：校验位不符：按GB 32100应为“3”，实际为“4”,91350100M000100Y44,德州市华源生态科技有限公司,371402 德城区\r\n'), ...problemResponses(404) },
    } as never,
    config: { auth: { scopes: ['registry:read'] } },
  }, async (request, reply) => {
    const { id, format } = request.params as { id: string; format: 'xlsx' | 'csv' }
    const { job, stream } = await service.errorReport(request.principal!, id, format)
    const name = `${(job.fileName ?? 'import').replace(/\.(xlsx|csv)$/i, '')}.errors.${format}`
    reply.type(format === 'xlsx' ? XLSX_TYPE : `${CSV_TYPE}; charset=utf-8`)
    reply.header('content-disposition', `attachment; filename="import-${job.id}.errors.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    return reply.send(stream)
  })

  app.get('/v1/imports/templates/:kind.:format', {
    schema: {
      operationId: 'getImportTemplate',
      summary: 'The blank spreadsheet to fill in for an import (.xlsx with drop-down lists and a 填写说明 sheet, or .csv)',
      description:
        'The .xlsx has the Chinese column headers on its data sheet, drop-down lists for county, cultivation stage, business status, qualification type ' +
        'and issuer level, a note on every header, and a 填写说明 sheet explaining each column. The CSV is the header line, UTF-8 with a byte order mark.',
      tags,
      params: TemplateFileParams,
      response: { 200: fileResponse('The template', '\ufeff统一社会信用代码,企业名称,所属县（市、区）,行业代码,地址,法定代表人,联系人,联系电话,电子邮箱,培育阶段,经营状态,培育名单\r\n') },
    } as never,
    config: { auth: false },
  }, async (request, reply) => {
    const { kind, format } = request.params as { kind: 'enterprises' | 'qualifications'; format: 'xlsx' | 'csv' }
    reply.type(format === 'xlsx' ? XLSX_TYPE : `${CSV_TYPE}; charset=utf-8`)
    reply.header('content-disposition', `attachment; filename="${kind}-template.${format}"`)
    return reply.send(await service.template(kind, format))
  })
}
