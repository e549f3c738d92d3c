import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { nextLink } from '../../lib/paging.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, UsccParams } from '../../lib/schemas.ts'
import { sendJsonText, sendTagged } from '../../lib/reply.ts'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import {
  AsOfQuery,
  EnterpriseQualificationsQuery,
  GrantQualification,
  History,
  IdParams,
  KnownAtQuery,
  ListQualificationsQuery,
  Qualification,
  QualificationPage,
  StatusChange,
  StatusChangeResult,
} from './qualifications.schemas.ts'
import { createQualificationService } from './qualifications.service.ts'

const AS_OF_NOTE =
  '`status` is answered as of `asOf` (effective time, default now) with what the registry had recorded by `knownAt` (default now): ' +
  'a change recorded late with a past `effectiveAt` shows from its effective time for `knownAt` after it was recorded, and not before. ' +
  '`expired` follows from `validUntil`.'
const PAGING_NOTE = 'Ordered by grantedAt, then id; follow `nextCursor` (or the `Link: rel="next"` header) for further pages.'

export default async function qualificationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createQualificationService({ db: app.db, clock: app.clock })
  const tags = ['qualifications']
  const read = { auth: { scopes: ['registry:read' as const] } }
  const write = { auth: { scopes: ['qualifications:write' as const] } }

  app.post('/v1/enterprises/:uscc/qualifications', {
    schema: {
      operationId: 'grantQualification',
      summary: 'Record a qualification granted to an enterprise (brand listing, certificate, award, standard)',
      description:
        'Records the grant and its first history event (effective at `grantedAt`). `certificateNo` is required for certificate-based types and ' +
        'unique per type among qualifications that were not annulled (409 `certificate_number_taken`). `validUntil` defaults to `validFrom` plus the ' +
        'type\'s default validity; send null for no expiry. `renews` links a renewal to the qualification it renews (same enterprise and type; ' +
        '409 `already_renewed` when that one is already renewed). A county token may grant to enterprises of its own county only.',
      tags,
      params: UsccParams,
      body: GrantQualification,
      response: { 201: ok('The qualification as recorded', Qualification, ['ETag', 'Location']), ...problemResponses(404, 409) },
    },
    config: write,
  }, async (request, reply) => {
    const { id, doc, etag } = await service.grant(actorOf(request), request.params.uscc, request.body)
    return sendJsonText(reply.code(201).header('location', `/v1/qualifications/${id}`).header('etag', etag), doc)
  })

  app.get('/v1/qualifications/:id', {
    schema: {
      operationId: 'getQualification',
      summary: 'One qualification with its status as of a moment',
      description: `${AS_OF_NOTE} 404 also when the qualification was not yet recorded at \`knownAt\`. The ETag covers everything but the \`asOf\`/\`knownAt\` echo; send it as \`If-Match\` with a status change.`,
      tags,
      params: IdParams,
      querystring: AsOfQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ok('The qualification', Qualification, ['ETag']), 304: notModifiedResponse(), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    return sendTagged(request, reply, await service.get(request.params.id, request.query.asOf, request.query.knownAt))
  })

  app.get('/v1/qualifications', {
    schema: {
      operationId: 'listQualifications',
      summary: 'List qualifications with filters, as of a moment',
      description: `${AS_OF_NOTE} The \`status\` filter applies to that as-of status. ${PAGING_NOTE} ${EXPORT_NOTE}`,
      tags,
      querystring: ListQualificationsQuery,
      response: {
        200: ok('A page of qualifications, or every matching qualification as CSV or NDJSON', exportMedia(QualificationPage, 'qualification'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, service.exportSpec(request.query))
    return sendPage(reply, request.url, await service.list(request.query))
  })

  app.get('/v1/enterprises/:uscc/qualifications', {
    schema: {
      operationId: 'listEnterpriseQualifications',
      summary: 'The qualifications of one enterprise, as of a moment',
      description: `${AS_OF_NOTE} ${PAGING_NOTE}`,
      tags,
      params: UsccParams,
      querystring: EnterpriseQualificationsQuery,
      response: { 200: ok('A page of the enterprise\'s qualifications', QualificationPage, ['Link']), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => sendPage(reply, request.url, await service.listOfEnterprise(request.params.uscc, request.query)))

  app.post('/v1/qualifications/:id/status-changes', {
    schema: {
      operationId: 'changeQualificationStatus',
      summary: 'Suspend, reinstate, revoke, annul or record the withdrawal of a qualification',
      description:
        'Allowed: active → suspended | revoked | annulled | withdrawn; suspended → active | revoked | annulled | withdrawn; after expiry only revoked or ' +
        'annulled; revoked, annulled and withdrawn are final. Anything else is 409 `invalid_transition` with `currentStatus` and `allowedTransitions`. ' +
        '`to: revoked` and `to: annulled` also need the scope `revocation:decide` (see `x-additional-scopes`). `effectiveAt` may be in the past; before the grant it is a 400, before the last ' +
        'recorded change a 409 `out_of_order_change`. `recordedAt` is set by the registry. Send `If-Match` with the ETag you read: 412 when the ' +
        'qualification changed since. Of two concurrent changes one wins, the other gets 409 or 412. The response carries the recorded change and ' +
        'the qualification as of now, with its new ETag. A county token may change qualifications of its own county\'s enterprises only.',
      tags,
      params: IdParams,
      headers: IfMatchHeaders('ETag of the qualification as you read it; 412 when it has changed since'),
      body: StatusChange,
      response: { 201: ok('The recorded change and the qualification as of now', StatusChangeResult, ['ETag', 'Location']), ...problemResponses(404, 409, 412) },
      'x-additional-scopes': [{ when: { to: ['revoked', 'annulled'] }, scopes: ['revocation:decide'] }],
    },
    config: write,
  }, async (request, reply) => {
    const { id, doc, etag } = await service.changeStatus(actorOf(request), request.principal!, request.params.id, request.body, request.headers['if-match'])
    return sendJsonText(reply.code(201).header('location', `/v1/qualifications/${id}/history`).header('etag', etag), doc)
  })

  app.get('/v1/qualifications/:id/history', {
    schema: {
      operationId: 'getQualificationHistory',
      summary: 'Every recorded event of a qualification: grant and status changes',
      description:
        'Oldest first, each with its three times (`occurredAt`, `effectiveAt`, `recordedAt`), the decision that made it (authority, level, 文号) and ' +
        'the token subject that recorded it. History is append-only. `knownAt` shows the history as recorded by then.',
      tags,
      params: IdParams,
      querystring: KnownAtQuery,
      response: { 200: ok('The history', History), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => sendJsonText(reply, await service.history(request.params.id, request.query.knownAt)))
}

const EXPORT_NOTE =
  'Export: `Accept: text/csv` or `format=csv` streams every matching qualification as CSV (UTF-8 with BOM, `header=zh` for Chinese column names, ' +
  '`timeZone=Asia/Shanghai`); `Accept: application/x-ndjson` or `format=ndjson` the items one a line; both from one snapshot, as of `asOf` (default: ' +
  'the export\'s `knownAt`). `Registry-Known-At` names the knownAt used; the same URL with `knownAt` pinned at least 60 s in the past gives the same bytes. ' +
  'Any other `Accept` is 406.'

function sendPage(reply: Parameters<typeof sendJsonText>[0], url: string, page: { items: string[]; nextCursor: string | null }) {
  const link = nextLink(url, page.nextCursor)
  if (link) reply.header('link', link)
  return sendJsonText(reply, `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`)
}
