// The OpenAPI 3.1 contract, generated from the route schemas. An onRoute hook makes every
// operation complete: it insists on operationId, summary, description, tags and described success
// responses, adds the security requirements from `config.auth`, the error responses every
// operation can give and the headers every response carries. Named schemas come from
// src/lib/components.ts, response declarations from src/lib/responses.ts.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { component, components } from '../lib/components.ts'
import { PROBLEM_CODES, PROBLEM_TYPE_BASE } from '../lib/problems.ts'
import { headerSchemas, type ResponseHeader } from '../lib/responses.ts'
import type { Scope } from './auth.ts'

export const API_VERSION = '1.0.0'

export const ProblemSchema = {
  type: 'object',
  description: `RFC 9457 problem details. \`code\` is stable and machine-readable; \`type\` is \`${PROBLEM_TYPE_BASE}<code>\`.`,
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string', description: 'Summary of the problem kind, in the language `Content-Language` names' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What went wrong in this request, in the language `Content-Language` names' },
    instance: { type: 'string', description: 'The request id; quote it when reporting a problem.' },
    code: { type: 'string', enum: Object.keys(PROBLEM_CODES) },
    errors: {
      type: 'array',
      description: 'Field errors of a validation failure.',
      items: {
        type: 'object',
        required: ['in', 'pointer', 'message'],
        properties: {
          in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
          pointer: { type: 'string', description: 'JSON pointer into that part of the request' },
          message: { type: 'string' },
          expected: { type: 'string' },
        },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
} as const

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: malformed JSON, a body that is not valid UTF-8, or fields that fail validation (see `errors`)',
  401: 'Missing, malformed, expired or wrongly signed token',
  403: 'The token lacks a scope, or the record is outside its county',
  404: 'Not found',
  406: 'No acceptable representation',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Request body too large',
  415: 'Unsupported media type or character set',
  422: 'Idempotency-Key reused with a different request',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Unexpected error (details are in the server log under the instance id)',
  503: 'The database is unavailable or did not answer in time, or the service is not ready; retry after Retry-After seconds',
}

/** Headers a problem response of each status carries besides X-Request-Id and Content-Language. */
const PROBLEM_HEADERS: Record<number, ResponseHeader[]> = {
  401: ['WWW-Authenticate'],
  403: ['WWW-Authenticate'],
  409: ['Retry-After'],
  429: ['Retry-After'],
  503: ['Retry-After'],
}

/** Problem responses for the given statuses, for use in a route's `response` schema. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        headers: headerSchemas(['X-Request-Id', 'Content-Language', 'Vary', ...(PROBLEM_HEADERS[status] ?? [])]),
        content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
      },
    ]),
  )
}

/** What each scope allows, as the contract lists them. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'registry:read': 'Read enterprises and qualifications',
  'registry:write': 'Register and change enterprises',
  'qualifications:write': 'Grant qualifications and change their status',
  'revocation:decide': 'Revoke or annul a qualification (with qualifications:write)',
  'supervision:read': 'Read supervision cases and their events (county tokens: their own county\'s cases only); eligibility explanations show case identifiers only to holders',
  'supervision:write': 'Open supervision cases and record their events (referral and the provincial decision: city-level tokens only)',
  'incentives:write': 'Create and edit incentive programs and their rule sets (county tokens: their county\'s programs; dept tokens: programs their department sponsors); preview rules',
  'targets:write': 'Reserved: 2025 targets',
  'audit:read': 'Read and verify the audit trail',
  'metrics:read': 'Scrape GET /metrics (give a monitoring system this scope alone)',
  admin: 'Everything, including the qualification catalog; satisfies every other scope',
}

/** Security requirements for a rule: its scopes, or `admin` alone (which carries every scope). */
export function securityFor(scopes: readonly Scope[]) {
  const own = { oauth2: [...scopes] }
  return scopes.length === 1 && scopes[0] === 'admin' ? [own] : [own, { oauth2: ['admin'] }]
}

function completeRoute(route: RouteOptions) {
  const schema = (route.schema ??= {}) as Record<string, any>
  if (schema.hide) return
  const where = `${route.method} ${route.url}`
  for (const field of ['operationId', 'summary', 'description', 'tags'] as const) {
    if (!schema[field]) throw new Error(`route ${where} has no ${field}; every operation needs operationId, summary, description and tags`)
  }
  const rule = route.config?.auth
  if (rule === undefined) throw new Error(`route ${where} must declare config.auth (false for public routes)`)
  const declared = Object.entries((schema.response ?? {}) as Record<string, any>)
  const successes = declared.filter(([status]) => Number(status) < 400)
  if (successes.length === 0) throw new Error(`route ${where} declares no success response; use ok() from src/lib/responses.ts`)
  for (const [status, response] of successes) {
    if (!response.description) throw new Error(`route ${where}: response ${status} has no description; use ok() from src/lib/responses.ts`)
  }
  // Every operation may find the database unavailable (503 with Retry-After).
  const statuses = [500, 503]
  if (schema.body || schema.querystring || schema.params || schema.headers) statuses.push(400)
  if (schema.body) statuses.push(413, 415)
  if (rule === false) {
    schema.security = []
    if (route.config?.rateLimit !== false && route.config?.rateLimit !== undefined) statuses.push(429)
  } else {
    schema.security = securityFor(rule.scopes)
    statuses.push(401, 403)
    schema.description = `${schema.description}\n\nRequires scope: ${rule.scopes.map((s) => `\`${s}\``).join(', ')} (or \`admin\`).`
  }
  // Every response names its request id; copies, since route files share response objects.
  const completed: Record<string, any> = {}
  for (const [status, response] of declared) {
    completed[status] = { ...response, headers: { ...headerSchemas(['X-Request-Id']), ...response.headers } }
  }
  schema.response = { ...problemResponses(...statuses.filter((s) => !completed[s])), ...completed }
}

export default fp(
  async function openapi(app: FastifyInstance) {
    component('Problem', ProblemSchema as never)
    // Every named schema the route files registered (src/lib/components.ts), for the serializer and the contract.
    for (const schema of components()) app.addSchema(schema)
    app.addHook('onRoute', completeRoute)
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: '好品山东 brand qualification registry (Dezhou)',
          version: API_VERSION,
          description:
            'System of record for Dezhou enterprises holding 好品山东 and related quality brands and certificates: ' +
            'qualifications and their full history, public verification, and audit. Errors are RFC 9457 problem documents ' +
            '(`application/problem+json`) with a stable `code`; send `Accept-Language: zh-CN` for Chinese `title` and `detail`.\n\n' +
            'Dates and times: every date-time input takes an RFC 3339 date-time with its offset (`2025-07-01T00:00:00+08:00`, ' +
            '`2025-06-30T16:00:00Z`) or a calendar date (`2025-07-01`), which means the start of that day in Asia/Shanghai; a ' +
            'date-time without an offset is refused. Responses give instants in UTC (`2025-06-30T16:00:00.000Z`).\n\n' +
            'Request bodies are UTF-8 JSON; `charset=GBK` or `charset=GB18030` bodies are accepted and converted.',
          // No public licence URL or SPDX list entry exists for it; LicenseRef- is SPDX's form for such licences.
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
          contact: { name: '德州市市场监督管理局（好品山东品牌资格登记系统）' },
        },
        servers: [{ url: '/' }],
        tags: [
          { name: 'operations', description: 'Health and readiness' },
          { name: 'reference', description: 'Counties, departments and the qualification catalog' },
          { name: 'enterprises', description: 'Enterprises keyed by 统一社会信用代码' },
          { name: 'qualifications', description: 'Brands and certificates with their lifecycle' },
          { name: 'public', description: 'Public verification and showcase (no token)' },
          { name: 'audit', description: 'Tamper-evident audit trail' },
          { name: 'imports', description: 'Bulk imports from Excel and CSV files, run as jobs' },
          { name: 'supervision', description: 'Dynamic supervision (动态监管): cases, interviews (约谈), rectification (整改), referral to the province for revocation and its decision' },
          { name: 'incentives', description: 'Incentive programs (激励措施) as data, versioned rule sets, and eligibility that explains itself for any date' },
          { name: 'targets', description: 'The 2025 targets of the 2021 实施意见: definitions, progress, what was counted, reported measurements' },
          { name: 'revocations', description: 'The auditors\' revocation register (撤销登记): every revocation, annulment, withdrawal or suspension with its decision, case and audit-chain position; counts; CSV/NDJSON exports' },
        ],
        components: {
          securitySchemes: {
            oauth2: {
              type: 'oauth2',
              description:
                'A JWT (RS256, ES256 or EdDSA) from the identity provider this deployment trusts (`AUTH_ISSUER`), sent as ' +
                '`Authorization: Bearer <token>` (the scheme name is case-insensitive). Claims: `sub` (the calling system or person), ' +
                '`scope` (space-delimited, listed here), optional `county` (a county system writes only its own county) and `dept`. ' +
                'The token URL is a placeholder for your identity provider; in development `npm run -s token` mints a token.',
              flows: { clientCredentials: { tokenUrl: 'https://idp.example/oauth2/token', scopes: SCOPE_DESCRIPTIONS } },
            },
          },
        },
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `schema${i}`) },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true }, config: { auth: false } }, async () => app.swagger())
  },
  { name: 'openapi', dependencies: ['errors'] },
)
