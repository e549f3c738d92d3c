import { sendJsonText, sendTagged } from '../../lib/reply.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { nextLink } from '../../lib/paging.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, UsccParams } from '../../lib/schemas.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { hasScope } from '../../plugins/auth.ts'
import { mergePatchBody, requireMergePatch } from '../../plugins/merge-patch.ts'
import { createIncentiveService } from './incentives.service.ts'
import {
  AddRuleSet, CreateProgram, EligibilityPage, EligibilityQuery, EnterpriseEligibility, EnterpriseEligibilityQuery, Explanation, PatchProgram, PreviewBody,
  Program, ProgramCodeParams, ProgramEligibilityQuery, ProgramListQuery, ProgramPage, ProgramQuery, ProgramUsccParams, RuleSet, RuleSetList,
  RuleSetListQuery, RuleSetParams,
} from './incentives.schemas.ts'

const AS_OF_NOTE =
  'Evaluated as of `asOf` (effective time, default now) with what the registry had recorded by `knownAt` (default now): a revocation recorded ' +
  'late with a past effective time makes the enterprise ineligible from that time for `knownAt` after it was recorded, and not before. The rule ' +
  'set in force is the highest version with effectiveFrom ≤ asOf recorded by knownAt; without one the condition `program.rules` is unknown and ' +
  'nobody is eligible. Three-valued: a condition that cannot be decided is `unknown`, and unknown fails closed.'

const reader = (request: FastifyRequest) => ({ supervision: request.principal ? hasScope(request.principal, 'supervision:read') : false })

export default async function incentiveRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const svc = createIncentiveService({ db: app.db, clock: app.clock })
  const tags = ['incentives']
  const read = { auth: { scopes: ['registry:read' as const] } }
  const write = { auth: { scopes: ['incentives:write' as const] } }

  app.get('/v1/incentive-programs', {
    schema: {
      operationId: 'listIncentivePrograms',
      summary: 'Incentive programs (激励措施): by kind, level, county, sponsoring department or period',
      description: 'Every program with its sponsors (lead first) and the rule set in force now. Ordered by code; follow `nextCursor`.',
      tags,
      querystring: ProgramListQuery,
      response: { 200: ok('A page of programs', ProgramPage, ['Link']) },
    },
    config: read,
  }, async (request, reply) => {
    const page = await svc.listPrograms(request.query)
    const link = nextLink(request.url, page.nextCursor)
    return (link ? reply.header('link', link) : reply).send(page)
  })

  app.post('/v1/incentive-programs', {
    schema: {
      operationId: 'createIncentiveProgram',
      summary: 'Create an incentive program with its first rule set',
      description:
        'The body is the program with `rules` (rule set 1, in force from `rulesEffectiveFrom`, default validFrom). A county token creates county ' +
        'programs of its own county only (403 `forbidden_county`; a city program: 403 `city_level_required`); a `dept` token only programs its ' +
        'department sponsors (403 `forbidden_department`). Rules are checked with pointers into the tree (400). A taken code is 409 `incentive_program_exists`.',
      tags,
      body: CreateProgram,
      response: { 201: ok('The program as created', Program, ['ETag', 'Location']), ...problemResponses(409) },
    },
    config: write,
  }, async (request, reply) => {
    const { doc, etag } = await svc.createProgram(actorOf(request), request.body)
    return reply.code(201).header('etag', etag).header('location', `/v1/incentive-programs/${doc.code}`).send(doc)
  })

  app.get('/v1/incentive-programs/:code', {
    schema: {
      operationId: 'getIncentiveProgram',
      summary: 'An incentive program with the rule set in force at a moment',
      description: 'The rule set in force at `asOf` as recorded by `knownAt` (default now). The ETag changes with every edit and rule set; send it as `If-Match` with a change.',
      tags,
      params: ProgramCodeParams,
      querystring: ProgramQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ok('The program', Program, ['ETag']), 304: notModifiedResponse(), ...problemResponses(404) },
    },
    config: read,
  }, async (request, reply) => {
    return sendTagged(request, reply, await svc.getProgram(request.params.code, request.query.asOf, request.query.knownAt))
  })

  app.patch('/v1/incentive-programs/:code', {
    schema: {
      operationId: 'patchIncentiveProgram',
      summary: 'Change a program\'s metadata (JSON Merge Patch)',
      description:
        'Not `code`, `level` or `countyCode`; conditions change by a new rule set. County tokens: their own county\'s programs only; `dept` tokens: ' +
        'programs their department sponsors (403 `forbidden_department`), and the department must stay a sponsor. Send `If-Match`: 412 when the program changed.',
      tags,
      params: ProgramCodeParams,
      headers: IfMatchHeaders('ETag of the program as you read it'),
      body: mergePatchBody(PatchProgram),
      response: { 200: ok('The program as changed', Program, ['ETag']), ...problemResponses(404, 412) },
    },
    config: write,
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { doc, etag } = await svc.patchProgram(actorOf(request), request.params.code, request.body as never, request.headers['if-match'])
    return reply.header('etag', etag).send(doc)
  })

  app.post('/v1/incentive-programs/:code/rule-sets', {
    schema: {
      operationId: 'addIncentiveRuleSet',
      summary: 'Add a rule set version (append-only) taking effect at effectiveFrom',
      description:
        'The new version is in force from `effectiveFrom` for reads that know of it (recorded now). `effectiveFrom` before the last version\'s is 409 ' +
        '`out_of_order_change`. Same county and department rules as editing the program.',
      tags,
      params: ProgramCodeParams,
      body: AddRuleSet,
      response: { 201: ok('The rule set as recorded', RuleSet, ['Location']), ...problemResponses(404, 409) },
    },
    config: write,
  }, async (request, reply) => {
    const doc = await svc.addRuleSet(actorOf(request), request.params.code, request.body)
    return reply.code(201).header('location', `/v1/incentive-programs/${doc.programCode}/rule-sets/${doc.version}`).send(doc)
  })

  app.get('/v1/incentive-programs/:code/rule-sets', {
    schema: {
      operationId: 'listIncentiveRuleSets',
      summary: 'Every rule set version of a program recorded by knownAt',
      description: 'Oldest first; immutable.',
      tags,
      params: ProgramCodeParams,
      querystring: RuleSetListQuery,
      response: { 200: ok('The rule sets', RuleSetList), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => svc.listRuleSets(request.params.code, request.query.knownAt))

  app.get('/v1/incentive-programs/:code/rule-sets/:version', {
    schema: {
      operationId: 'getIncentiveRuleSet',
      summary: 'One rule set version',
      description: 'Immutable once recorded.',
      tags,
      params: RuleSetParams,
      response: { 200: ok('The rule set', RuleSet), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => svc.getRuleSet(request.params.code, request.params.version))

  app.get('/v1/incentive-programs/:code/eligibility/:uscc', {
    schema: {
      operationId: 'getEligibility',
      summary: 'Whether an enterprise qualifies for a program at a moment, and why: every condition with its facts and records',
      description:
        `${AS_OF_NOTE} Every node is evaluated (no short-circuit). Each condition has a stable \`code\`, a Chinese \`summary\` built from the facts, ` +
        'the `facts` used and the `evidence` (ids of the records that decided it). Case identifiers of supervision conditions are shown only to ' +
        '`supervision:read` holders. The same inputs give the same bytes. `ruleSetVersion` evaluates a given version instead (400 when it does not exist).',
      tags,
      params: ProgramUsccParams,
      querystring: EligibilityQuery,
      response: { 200: ok('The explanation', Explanation), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => svc.eligibility(request.params.code, request.params.uscc, request.query, reader(request)))

  app.get('/v1/enterprises/:uscc/eligibility', {
    schema: {
      operationId: 'listEnterpriseEligibility',
      summary: 'Every program an enterprise could use at a moment, with the answer and the failed conditions',
      description: `${AS_OF_NOTE} Programs whose period contains asOf: city programs and the county programs of the enterprise's county at asOf. \`explain=true\` adds each full explanation.`,
      tags,
      params: UsccParams,
      querystring: EnterpriseEligibilityQuery,
      response: { 200: ok('The answer per program', EnterpriseEligibility), ...problemResponses(404) },
    },
    config: read,
  }, async (request) => svc.enterpriseEligibility(request.params.uscc, request.query, reader(request)))

  app.get('/v1/incentive-programs/:code/eligibility', {
    schema: {
      operationId: 'listProgramEligibility',
      summary: 'Which enterprises are eligible for a program at a moment (one statement compiled from the rules)',
      description:
        `${AS_OF_NOTE} Every enterprise recorded by knownAt (a county program: those in its county at asOf), \`result=eligible\` by default ` +
        '(or not_eligible, unknown, all), with the ids of the failed and undecided conditions; each answer equals getEligibility\'s. Ordered by USCC; follow `nextCursor`. ' +
        'Export: `format=csv` (or `Accept: text/csv`; `header=zh`, `timeZone=Asia/Shanghai`) or `format=ndjson` (`Accept: application/x-ndjson`) streams every ' +
        'matching enterprise from one snapshot, as of `asOf` (default: the export\'s `knownAt`); `Registry-Known-At` names the knownAt used. Any other `Accept` is 406.',
      tags,
      params: ProgramCodeParams,
      querystring: ProgramEligibilityQuery,
      response: {
        200: ok('A page of enterprises with their answer, or all of them as CSV or NDJSON', exportMedia(EligibilityPage, 'enterprise with its answer'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(404, 406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, await svc.programEligibilityExport(request.params.code, request.query))
    const page = await svc.programEligibility(request.params.code, request.query)
    const link = nextLink(request.url, page.nextCursor)
    return sendJsonText(link ? reply.header('link', link) : reply, page.json)
  })

  app.post('/v1/incentive-rules/evaluate', {
    schema: {
      operationId: 'previewEligibility',
      summary: 'Dry run: evaluate a rule tree for one enterprise without saving anything',
      description: `Checks the rules as a rule set would be checked (400 with pointers) and explains them for the enterprise. ${AS_OF_NOTE} Writes nothing.`,
      tags,
      body: PreviewBody,
      response: { 200: ok('The explanation', Explanation) },
    },
    config: write,
  }, async (request) => svc.preview(request.body, reader(request)))
}
