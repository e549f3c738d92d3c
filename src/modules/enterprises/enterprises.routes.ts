import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { nextLink } from '../../lib/paging.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, UsccParams } from '../../lib/schemas.ts'
import { sendJsonText, sendTagged } from '../../lib/reply.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { compileForPart } from '../../lib/validate.ts'
import { mergePatchBody, requireMergePatch } from '../../plugins/merge-patch.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { localizeBatch } from '../../plugins/errors.ts'
import {
  BatchBody,
  BatchEnvelope,
  BatchQuery,
  BatchResult,
  Enterprise,
  EnterpriseCreate,
  EnterpriseListPage,
  EnterprisePatch,
  ListEnterprisesQuery,
  EnterpriseAsOfQuery,
} from './enterprises.schemas.ts'
import { createEnterpriseService } from './enterprises.service.ts'

export default async function enterpriseRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createEnterpriseService({ db: app.db, clock: app.clock })
  const tags = ['enterprises']
  const read = { auth: { scopes: ['registry:read' as const] } }
  const write = { auth: { scopes: ['registry:write' as const] } }

  app.post('/v1/enterprises', {
    schema: {
      operationId: 'createEnterprise',
      summary: 'Register an enterprise',
      description: 'Registers an enterprise by its 统一社会信用代码 (checked against GB 32100). 409 `enterprise_exists` when it is already registered. A county token may register enterprises of its own county only.',
      tags,
      body: EnterpriseCreate,
      response: { 201: ok('The enterprise as registered', Enterprise, ['ETag', 'Location']), ...problemResponses(409) },
    },
    config: write,
  }, async (request, reply) => {
    const { doc, etag } = await service.create(actorOf(request), request.body)
    reply.code(201).header('location', `/v1/enterprises/${JSON.parse(doc).uscc}`).header('etag', etag)
    return sendJsonText(reply, doc)
  })

  app.post('/v1/enterprises/batch', {
    schema: {
      operationId: 'upsertEnterprises',
      summary: 'Create or update up to 1000 enterprises by USCC',
      description:
        'Each item has the create shape. Fields an item omits keep their stored values. By default every item gets its own result ' +
        '(index, USCC, status, outcome, problem); with `atomic=true` one rejected item rejects the whole batch (422 `batch_rejected`) and nothing is written.',
      tags,
      querystring: BatchQuery,
      body: BatchBody,
      response: { 200: ok('Counts and one result per item', BatchResult), ...problemResponses(422) },
    },
    config: write,
    // The contract types every item; validation checks the envelope and leaves each item to its own result.
    validatorCompiler: ({ schema, httpPart }) => compileForPart({ schema: httpPart === 'body' ? BatchEnvelope : schema, httpPart }),
  }, async (request) => localizeBatch(request, await service.batch(actorOf(request), request.body.items, request.query.atomic, request.id)))

  app.get('/v1/enterprises', {
    schema: {
      operationId: 'listEnterprises',
      summary: 'List and search enterprises',
      description:
        'Ordered by USCC; follow `nextCursor` (or the `Link: rel="next"` header) for further pages. Rows inserted while paging are never repeated and never shift other rows. ' +
        'Items are summaries by default; `view=full` gives whole documents. The page\'s `view` says which. ' +
        'Export: `Accept: text/csv` or `format=csv` streams every matching enterprise as CSV (UTF-8 with BOM, `header=zh` for Chinese column names, `timeZone=Asia/Shanghai`), ' +
        '`Accept: application/x-ndjson` or `format=ndjson` the items one a line, read from one snapshot; this list answers now only, so its exports are `Registry-Snapshot: provisional`. ' +
        'Any other `Accept` is 406.',
      tags,
      querystring: ListEnterprisesQuery,
      response: { 200: ok('A page of enterprises, or every matching enterprise as CSV or NDJSON', exportMedia(EnterpriseListPage, 'enterprise'), ['Link', ...EXPORT_HEADERS]), ...problemResponses(406) },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, service.exportSpec(request.query))
    const { items, nextCursor } = await service.list(request.query)
    const link = nextLink(request.url, nextCursor)
    if (link) reply.header('link', link)
    return sendJsonText(reply, `{"view":${JSON.stringify(request.query.view)},"items":[${items}],"nextCursor":${JSON.stringify(nextCursor)}}`)
  })

  app.get('/v1/enterprises/:uscc', {
    schema: {
      operationId: 'getEnterprise',
      summary: 'One enterprise with its brand status and active qualifications',
      description:
        'As of now, or of `asOf` (effective time) with what the registry had recorded by `knownAt` (default now), as the qualification ' +
        'endpoints mean them: qualifications count with their status then; name, county, cultivation stage and lists, business status and ' +
        'industry are those recorded by then (an enterprise\'s first recorded attributes stand for the time before it was recorded; 404 when ' +
        'it was not recorded by `knownAt`). Send the ETag you hold as `If-None-Match` to get 304 while it is unchanged.',
      tags,
      params: UsccParams,
      querystring: EnterpriseAsOfQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ok('The enterprise', Enterprise, ['ETag']), 304: notModifiedResponse(), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    return sendTagged(request, reply, await service.get(request.params.uscc, request.query.asOf, request.query.knownAt))
  })

  app.patch('/v1/enterprises/:uscc', {
    schema: {
      operationId: 'patchEnterprise',
      summary: 'Change an enterprise (JSON Merge Patch)',
      description:
        'A JSON Merge Patch (RFC 7396): absent fields stay, null removes. Send it as `application/merge-patch+json` (preferred) or `application/json`. ' +
        'Send `If-Match` with the ETag you read to avoid overwriting someone else\'s change (412 when stale). A county token may not move an enterprise out of its county.',
      tags,
      params: UsccParams,
      headers: IfMatchHeaders(),
      body: mergePatchBody(EnterprisePatch),
      response: { 200: ok('The enterprise after the change', Enterprise, ['ETag']), ...problemResponses(404, 412) },
    },
    config: write,
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { doc, etag } = await service.patch(actorOf(request), request.params.uscc, request.body as never, request.headers['if-match'])
    return sendJsonText(reply.header('etag', etag), doc)
  })
}
