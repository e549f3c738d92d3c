import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { nextLink } from '../../lib/paging.ts'
import { sendJsonText, sendTagged } from '../../lib/reply.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, UsccParams } from '../../lib/schemas.ts'
import { compileBody, compileForPart } from '../../lib/validate.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { LATER_EVENT_TYPES } from './case-lifecycle.ts'
import {
  CaseEventsQuery,
  CaseIdParams,
  CaseReadQuery,
  EnterpriseCasesQuery,
  EVENT_VARIANTS,
  ListCasesQuery,
  OpenCase,
  RecordEvent,
  SupervisionCase,
  SupervisionCasePage,
  SupervisionEventList,
  SupervisionEventResult,
} from './supervision.schemas.ts'
import { createSupervisionService } from './supervision.service.ts'

const AS_OF_NOTE =
  'The case is answered as of `asOf` (default now) with the events the registry had recorded by `knownAt` (default now): an event counts ' +
  'from its `occurredAt` once it was recorded.'
const COUNTY_NOTE = 'A county token sees and acts on its own county\'s cases only (403 `forbidden_county`).'
const LIST_NOTE =
  'Filters on state, severity, overdue and referral apply to the case as of `asOf`/`knownAt`. Ordered by openedAt, then id; follow `nextCursor` ' +
  '(or the `Link: rel="next"` header) for further pages.'
const EXPORT_NOTE =
  'Export: `Accept: text/csv` or `format=csv` streams every matching case as CSV (UTF-8 with BOM, `header=zh` for Chinese column names, ' +
  '`timeZone=Asia/Shanghai`); `Accept: application/x-ndjson` or `format=ndjson` the items one a line; both from one snapshot, as of `asOf` (default: ' +
  'the export\'s `knownAt`), with the same filters and the same county rule. `Registry-Known-At` names the knownAt used; the same URL with `knownAt` ' +
  'pinned at least 60 s in the past gives the same bytes. Any other `Accept` is 406.'

export default async function supervisionRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createSupervisionService({ db: app.db, clock: app.clock })
  const tags = ['supervision']
  const read = { auth: { scopes: ['supervision:read' as const] } }
  const write = { auth: { scopes: ['supervision:write' as const] } }

  app.post('/v1/supervision-cases', {
    schema: {
      operationId: 'openSupervisionCase',
      summary: 'Open a supervision case (立案) against a registered enterprise',
      description:
        'Records the case and its first event `opened`; the registry assigns `caseNo` (HPJG-{county}-{year}-{nnnn}). The enterprise must be ' +
        'registered (400 on `/uscc` otherwise); `qualificationIds` must be its own (400 on `/qualificationIds/i`). `externalRef` is unique ' +
        `(409 \`supervision_case_exists\` with \`caseId\`). ${COUNTY_NOTE}`,
      tags,
      body: OpenCase,
      response: { 201: ok('The case as opened', SupervisionCase, ['ETag', 'Location']), ...problemResponses(409) },
    },
    config: write,
  }, async (request, reply) => {
    const { id, doc, etag } = await service.open(actorOf(request), request.body)
    return sendJsonText(reply.code(201).header('location', `/v1/supervision-cases/${id}`).header('etag', etag), doc)
  })

  app.get('/v1/supervision-cases', {
    schema: {
      operationId: 'listSupervisionCases',
      summary: 'List supervision cases with filters, as of a moment',
      description: `${AS_OF_NOTE} ${LIST_NOTE} ${COUNTY_NOTE} ${EXPORT_NOTE}`,
      tags,
      querystring: ListCasesQuery,
      response: {
        200: ok('A page of cases, or every matching case as CSV or NDJSON', exportMedia(SupervisionCasePage, 'supervision case'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, service.listExport(actorOf(request), request.query))
    return sendPage(reply, request.url, await service.list(actorOf(request), request.query))
  })

  app.get('/v1/supervision-cases/:id', {
    schema: {
      operationId: 'getSupervisionCase',
      summary: 'One supervision case as of a moment, with the events its state allows',
      description:
        `${AS_OF_NOTE} \`{id}\` is the uuid or the caseNo; 404 also before the case was opened or recorded. \`allowedEvents\` lists what the state ` +
        'allows (before scopes and county), so a county system offers only valid actions. The ETag covers everything but the `asOf`/`knownAt` ' +
        `echo; send it as \`If-Match\` with the next event. ${COUNTY_NOTE}`,
      tags,
      params: CaseIdParams,
      querystring: CaseReadQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ok('The case', SupervisionCase, ['ETag']), 304: notModifiedResponse(), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    return sendTagged(request, reply, await service.get(actorOf(request), request.params.id, request.query.asOf, request.query.knownAt))
  })

  app.post('/v1/supervision-cases/:id/events', {
    schema: {
      operationId: 'recordSupervisionEvent',
      summary: 'Record an event on a supervision case: interview, rectification, referral to the province, its decision, closing',
      description:
        'The case\'s lifecycle decides what may follow what (see `allowedEvents` of the case): an event not allowed now is 409 ' +
        '`invalid_case_transition` with `currentState`, `allowedEvents` and, when a condition failed, `guard`; any event on a closed case is 409 ' +
        '`case_closed`; `occurredAt` before the case\'s last event is 409 `out_of_order_event`. `revocation_referred`, `referral_withdrawn`, ' +
        '`province_decision` and closing a decided case are city-level (403 `city_level_required` for a county token); `province_decision` also needs ' +
        '`revocation:decide` (see `x-additional-scopes`), must name exactly the referred qualifications (400 on `/payload/outcomes` with `missing` and ' +
        '`extra`) and revokes each `revoked` one through the status-change rules in the same transaction, linked to the case: one failure (e.g. 409 ' +
        '`invalid_transition` with `qualificationId`) writes nothing. A referred qualification cannot be revoked, annulled or withdrawn directly ' +
        'until the decision or the withdrawal (409 `revocation_referral_pending`); a second referral of it is refused the same way. Send `If-Match` ' +
        `with the case's ETag: 412 when it changed since. ${COUNTY_NOTE}`,
      tags,
      params: CaseIdParams,
      headers: IfMatchHeaders('ETag of the case as you read it; 412 when it has changed since'),
      body: RecordEvent,
      response: { 201: ok('The recorded event, the case after it and the status changes it made', SupervisionEventResult, ['ETag', 'Location']), ...problemResponses(404, 409, 412) },
      'x-additional-scopes': [{ when: { type: ['province_decision'] }, scopes: ['revocation:decide'] }],
    },
    validatorCompiler: ({ schema, httpPart }) => (httpPart === 'body' ? eventBodyValidator() : compileForPart({ schema, httpPart })),
    config: write,
  }, async (request, reply) => {
    const { id, doc, etag } = await service.record(actorOf(request), request.principal!, request.params.id, request.body, request.headers['if-match'])
    return sendJsonText(reply.code(201).header('location', `/v1/supervision-cases/${id}/events`).header('etag', etag), doc)
  })

  app.get('/v1/supervision-cases/:id/events', {
    schema: {
      operationId: 'listSupervisionEvents',
      summary: 'Every recorded event of a supervision case',
      description:
        'Oldest first, each with its three times (`occurredAt`, `effectiveAt`, `recordedAt`), the states before and after, the authority and 文号, ' +
        `documents and the token subject that recorded it. History is append-only; \`knownAt\` shows it as recorded by then. ${COUNTY_NOTE}`,
      tags,
      params: CaseIdParams,
      querystring: CaseEventsQuery,
      response: { 200: ok('The events', SupervisionEventList), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => sendJsonText(reply, await service.events(actorOf(request), request.params.id, request.query.knownAt)))

  app.get('/v1/enterprises/:uscc/supervision-cases', {
    schema: {
      operationId: 'listEnterpriseSupervisionCases',
      summary: 'The supervision cases of one enterprise, as of a moment',
      description: `${AS_OF_NOTE} ${LIST_NOTE} ${COUNTY_NOTE} ${EXPORT_NOTE}`,
      tags,
      params: UsccParams,
      querystring: EnterpriseCasesQuery,
      response: {
        200: ok('A page of the enterprise\'s cases, or every matching case as CSV or NDJSON', exportMedia(SupervisionCasePage, 'supervision case of the enterprise'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(404, 406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, await service.enterpriseListExport(actorOf(request), request.params.uscc, request.query))
    return sendPage(reply, request.url, await service.listOfEnterprise(actorOf(request), request.params.uscc, request.query))
  })
}

/**
 * An event body is checked against the variant its `type` names, so a caller hears what is wrong
 * with that event, not why it fails every other variant of the union.
 */
function eventBodyValidator() {
  const compiled = new Map<string, ReturnType<typeof compileBody>>()
  const validate = (body: unknown) => {
    const type = (body as { type?: unknown } | null)?.type
    if (typeof type !== 'string' || !(LATER_EVENT_TYPES as string[]).includes(type)) {
      const isObject = body !== null && typeof body === 'object' && !Array.isArray(body)
      validate.errors = [
        !isObject
          ? { instancePath: '', schemaPath: '#/type', keyword: 'type', params: { type: 'object' }, message: 'must be object' }
          : !('type' in body)
            ? { instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'type' }, message: 'must have required property \'type\'' }
            : { instancePath: '/type', schemaPath: '#/properties/type/enum', keyword: 'enum', params: { allowedValues: LATER_EVENT_TYPES }, message: 'must be equal to one of the allowed values' },
      ] as never
      return false
    }
    let check = compiled.get(type)
    if (!check) compiled.set(type, (check = compileBody(EVENT_VARIANTS[type] as object)))
    const valid = check(body)
    validate.errors = check.errors as never
    return valid
  }
  validate.errors = null as null | never[]
  return validate
}

function sendPage(reply: Parameters<typeof sendJsonText>[0], url: string, page: { items: string[]; nextCursor: string | null }) {
  const link = nextLink(url, page.nextCursor)
  if (link) reply.header('link', link)
  return sendJsonText(reply, `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`)
}
