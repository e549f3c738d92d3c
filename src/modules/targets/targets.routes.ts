import { sendTagged } from '../../lib/reply.ts'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { actorOf } from '../../lib/actor.ts'
import { nextLink } from '../../lib/paging.ts'
import { IfMatchHeaders, IfNoneMatchHeaders } from '../../lib/schemas.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { mergePatchBody, requireMergePatch } from '../../plugins/merge-patch.ts'
import { createProgressService } from './progress.service.ts'
import { progressCsv } from './progress-csv.ts'
import { createTargetService } from './targets.service.ts'
import {
  ContributorPage, ContributorQuery, Measurement, MeasurementList, MeasurementQuery, PatchTarget, Plan, PlanCodeParams, PlanList, PlanQuery,
  Progress, ProgressCsv, ProgressQuery, RecordMeasurement, Target, TargetCodeParams, TargetQuery,
} from './targets.schemas.ts'

const AS_OF_NOTE =
  'Figures are as of `asOf` (effective time, default now) with what the registry had recorded by `knownAt` (default now): a revocation recorded ' +
  'late with a past effective time lowers a figure from that time for `knownAt` after it was recorded, and not before. The county is the ' +
  'enterprise\'s county at `asOf`; a retired code (371421 陵县) counts in its successor.'

export default async function targetRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const deps = { db: app.db, clock: app.clock }
  const targets = createTargetService(deps)
  const progress = createProgressService(deps)
  const tags = ['targets']
  const read = { auth: { scopes: ['registry:read' as const] } }
  const write = { auth: { scopes: ['targets:write' as const] } }

  app.get('/v1/target-plans', {
    schema: {
      operationId: 'listTargetPlans',
      summary: 'Plans of targets (the 2021 实施意见 and its period)',
      description: 'Every plan with its issuer, basis and period.',
      tags,
      response: { 200: ok('Every plan', PlanList) },
    },
    config: read,
  }, async () => targets.listPlans())

  app.get('/v1/target-plans/:code', {
    schema: {
      operationId: 'getTargetPlan',
      summary: 'A plan with its tasks (responsible units in order, lead first) and its targets as defined at a moment',
      description: 'Each target carries the definition in force at `asOf` as recorded by `knownAt` (version 1 stands for the time before any later one).',
      tags,
      params: PlanCodeParams,
      querystring: PlanQuery,
      response: { 200: ok('The plan with its tasks and targets', Plan), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => targets.getPlan(request.params.code, request.query.asOf, request.query.knownAt))

  app.get('/v1/target-plans/:code/progress', {
    schema: {
      operationId: 'getTargetProgress',
      summary: 'Where each target stands: figure, goal, status, the linear path, city-wide, for one county or by county',
      description:
        `${AS_OF_NOTE} \`status\`: met / not_met against the target (\`approximately\` within its tolerance below), \`no_data\` for a reported figure ` +
        'with no measurement, `indicator` where there is no number. `expectedByNow` is the linear path from the period start (for a stock, from ' +
        'what was held then: `baseline`) and `onTrack` whether the figure meets it. A clause read two ways (held at asOf, or new in the period) ' +
        'gives the other reading under `alternatives`. `by=county` adds every county\'s figure; their sum is the city\'s. With `countyCode` the ' +
        'figures are that county\'s; a count target is the city\'s, so a county\'s count has status `indicator`. `format=csv` (or `Accept: ' +
        'text/csv`): one row per target and county. Without `knownAt` everything recorded counts, and the answer is reused until something ' +
        'is committed or time alone changes a figure (an expiry, a grant, a change taking effect); with `knownAt` it is counted afresh.',
      tags,
      params: PlanCodeParams,
      querystring: ProgressQuery,
      response: {
        200: ok('The progress answer, as JSON or CSV', { 'application/json': Progress, 'text/csv': ProgressCsv }),
        ...problemResponses(404),
      },
    },
    config: read,
  }, async (request, reply) => {
    const answer = await progress.progress(request.params.code, request.query)
    const csv = request.query.format === 'csv' || (request.query.format === undefined && /text\/csv/i.test(request.headers.accept ?? ''))
    if (!csv) return reply.send(answer)
    const name = `progress-${answer.plan.code}-${answer.asOf.slice(0, 10)}.csv`
    return reply.type('text/csv; charset=utf-8; header=present').header('content-disposition', `attachment; filename="${name}"`).send(progressCsv(answer, { header: request.query.header ?? 'en', timeZone: request.query.timeZone ?? 'UTC' }))
  })

  app.get('/v1/targets/:code', {
    schema: {
      operationId: 'getTarget',
      summary: 'A target: the seed\'s words, its definition in force and every version recorded',
      description: 'The ETag changes with every new definition version; send it as `If-Match` with a change.',
      tags,
      params: TargetCodeParams,
      querystring: TargetQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ok('The target', Target, ['ETag']), 304: notModifiedResponse(), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    return sendTagged(request, reply, await targets.getTarget(request.params.code, request.query.asOf, request.query.knownAt))
  })

  app.patch('/v1/targets/:code', {
    schema: {
      operationId: 'patchTarget',
      summary: 'Change a target\'s definition (JSON Merge Patch): records a new version taking effect at effectiveFrom',
      description:
        'City-level tokens only (a county token gets 403 `city_level_required`); a token with a `dept` claim only for targets its department is ' +
        'responsible for (403 `forbidden_department`). `metric` is checked by kind with pointers (unknown kinds and qualification types are 400). ' +
        '`effectiveFrom` before the last version\'s is 409 `out_of_order_change`. Send `If-Match`: 412 when the target changed since you read it.',
      tags,
      params: TargetCodeParams,
      headers: IfMatchHeaders('ETag of the target as you read it'),
      body: mergePatchBody(PatchTarget),
      response: { 200: ok('The target with its new definition', Target, ['ETag']), ...problemResponses(404, 409, 412) },
    },
    config: write,
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { doc, etag } = await targets.patchTarget(actorOf(request), request.params.code, request.body as never, request.headers['if-match'])
    return reply.header('etag', etag).send(doc)
  })

  app.get('/v1/targets/:code/contributors', {
    schema: {
      operationId: 'listTargetContributors',
      summary: 'What a target\'s figure counted, and with includeExcluded what it left out and why',
      description:
        `${AS_OF_NOTE} One item per qualification of the metric's types recorded by \`knownAt\`: counted ones (their number equals the figure), and ` +
        'with `includeExcluded=true` the others with `excludedBecause` (annulled never counts; revoked drops out from its effective time; renewals and ' +
        'enterprises that held a type before the period are not new). `reading` lists an alternative reading. Ordered by USCC, then id; follow ' +
        '`nextCursor`. A reported target is 409 (its figures are its measurements). Export: `format=csv` (or `Accept: text/csv`; `header=zh`, ' +
        '`timeZone=Asia/Shanghai`) or `format=ndjson` (`Accept: application/x-ndjson`) streams every item from one snapshot, as of `asOf` (default: the ' +
        'export\'s `knownAt`); `Registry-Known-At` names the knownAt used. Any other `Accept` is 406.',
      tags,
      params: TargetCodeParams,
      querystring: ContributorQuery,
      response: {
        200: ok('A page of what was counted (and left out), or all of it as CSV or NDJSON', exportMedia(ContributorPage, 'contributor'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(404, 406, 409),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, await progress.contributorsExport(request.params.code, request.query))
    const page = await progress.contributors(request.params.code, request.query)
    const link = nextLink(request.url, page.nextCursor)
    return (link ? reply.header('link', link) : reply).send(page)
  })

  app.post('/v1/targets/:code/measurements', {
    schema: {
      operationId: 'recordTargetMeasurement',
      summary: 'Record a measured figure of a reported target (a survey result); a correction supersedes',
      description:
        'For targets whose metric is `reported` (409 otherwise). Append-only: a correction names the measurement it `supersedes` (same target ' +
        'and area; one correction each). A county token records its own county\'s figures only (403 `forbidden_county`); a `dept` token only for ' +
        'targets its department is responsible for. Percentages are 0–100; `periodTo` after `periodFrom` and not in the future.',
      tags,
      params: TargetCodeParams,
      body: RecordMeasurement,
      response: { 201: ok('The measurement as recorded', Measurement, ['Location']), ...problemResponses(404, 409) },
    },
    config: write,
  }, async (request, reply) => {
    const doc = await targets.recordMeasurement(actorOf(request), request.params.code, request.body)
    return reply.code(201).header('location', `/v1/targets/${request.params.code}/measurements`).send(doc)
  })

  app.get('/v1/targets/:code/measurements', {
    schema: {
      operationId: 'listTargetMeasurements',
      summary: 'Every measurement of a reported target as recorded by knownAt, with the correction that superseded each',
      description: 'Oldest period first, city-wide before counties; `supersededBy` names the correction of a measurement as known at `knownAt`.',
      tags,
      params: TargetCodeParams,
      querystring: MeasurementQuery,
      response: { 200: ok('The measurements', MeasurementList), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => targets.listMeasurements(request.params.code, request.query))
}
