import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { notModified } from '../../lib/http.ts'
import { nextLink } from '../../lib/paging.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, NotModified, UsccParams } from '../../lib/schemas.ts'
import { sendJsonText } from '../../lib/reply.ts'
import { requireMergePatch } from '../../plugins/merge-patch.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import {
  BatchBody,
  BatchQuery,
  BatchResult,
  CreateEnterprise,
  Enterprise,
  EnterprisePage,
  ListEnterprisesQuery,
  EnterpriseAsOfQuery,
  PatchEnterprise,
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
      description: 'A county token may register enterprises of its own county only.',
      tags,
      body: CreateEnterprise,
      response: { 201: Enterprise, ...problemResponses(409) },
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
        '(index, status, outcome, problem); with `atomic=true` one rejected item rejects the whole batch (422 `batch_rejected`) and nothing is written.',
      tags,
      querystring: BatchQuery,
      body: BatchBody,
      response: { 200: BatchResult, ...problemResponses(422) },
    },
    config: write,
  }, async (request) => service.batch(actorOf(request), request.body.items, request.query.atomic, request.id))

  app.get('/v1/enterprises', {
    schema: {
      operationId: 'listEnterprises',
      summary: 'List and search enterprises',
      description: 'Ordered by USCC; follow `nextCursor` (or the `Link: rel="next"` header) for further pages. Rows inserted while paging are never repeated and never shift other rows.',
      tags,
      querystring: ListEnterprisesQuery,
      response: { 200: EnterprisePage },
    },
    config: read,
  }, async (request, reply) => {
    const { items, nextCursor } = await service.list(request.query)
    const link = nextLink(request.url, nextCursor)
    if (link) reply.header('link', link)
    return sendJsonText(reply, `{"items":[${items}],"nextCursor":${JSON.stringify(nextCursor)}}`)
  })

  app.get('/v1/enterprises/:uscc', {
    schema: {
      operationId: 'getEnterprise',
      summary: 'One enterprise with its brand status and active qualifications',
      tags,
      params: UsccParams,
      querystring: EnterpriseAsOfQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: Enterprise, 304: NotModified, ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    const { doc, etag } = await service.get(request.params.uscc, request.query.asOf)
    reply.header('etag', etag)
    if (notModified(request.headers['if-none-match'], etag)) return reply.code(304).send(null as never)
    return sendJsonText(reply, doc)
  })

  app.patch('/v1/enterprises/:uscc', {
    schema: {
      operationId: 'patchEnterprise',
      summary: 'Change an enterprise (JSON Merge Patch)',
      description: 'Send `If-Match` with the ETag you read to avoid overwriting someone else\'s change (412 when stale). A county token may not move an enterprise out of its county.',
      tags,
      params: UsccParams,
      headers: IfMatchHeaders(),
      body: { content: { 'application/merge-patch+json': { schema: PatchEnterprise } } },
      response: { 200: Enterprise, ...problemResponses(404, 412) },
    },
    config: write,
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { doc, etag } = await service.patch(actorOf(request), request.params.uscc, request.body as never, request.headers['if-match'])
    return sendJsonText(reply.header('etag', etag), doc)
  })
}
