// The OpenAPI 3.1 contract, generated from the route schemas. An onRoute hook makes every
// operation complete: it insists on operationId, tags and summary, adds the security
// requirement from `config.auth`, and the error responses every operation can give.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { PROBLEM_CODES, PROBLEM_TYPE_BASE } from '../lib/problems.ts'

export const API_VERSION = '1.0.0'

export const ProblemSchema = {
  $id: 'Problem',
  type: 'object',
  description: `RFC 9457 problem details. \`code\` is stable and machine-readable; \`type\` is \`${PROBLEM_TYPE_BASE}<code>\`.`,
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
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
  400: 'Invalid request: malformed JSON or fields that fail validation (see `errors`)',
  401: 'Missing, malformed, expired or wrongly signed token',
  403: 'The token lacks a scope, or the record is outside its county',
  404: 'Not found',
  406: 'No acceptable representation',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Idempotency-Key reused with a different request',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Unexpected error (details are in the server log under the instance id)',
  503: 'Not ready',
}

/** Problem responses for the given statuses, for use in a route's `response` schema. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } },
    ]),
  )
}

function completeRoute(route: RouteOptions) {
  const schema = (route.schema ??= {}) as Record<string, any>
  if (schema.hide) return
  const where = `${route.method} ${route.url}`
  for (const field of ['operationId', 'summary', 'tags'] as const) {
    if (!schema[field]) throw new Error(`route ${where} has no ${field}; every operation needs operationId, summary and tags`)
  }
  const rule = route.config?.auth
  if (rule === undefined) throw new Error(`route ${where} must declare config.auth (false for public routes)`)
  const statuses = [500]
  if (schema.body || schema.querystring || schema.params || schema.headers) statuses.push(400)
  if (schema.body) statuses.push(413, 415)
  if (rule === false) {
    schema.security = []
    if (route.config?.rateLimit !== false && String(route.url).startsWith('/v1/public')) statuses.push(429)
  } else {
    schema.security = [{ bearerAuth: rule.scopes }]
    statuses.push(401, 403)
    schema.description = `${schema.description ? `${schema.description}\n\n` : ''}Requires scope: ${rule.scopes.map((s) => `\`${s}\``).join(', ')} (or \`admin\`).`
  }
  schema.response = { ...problemResponses(...statuses.filter((s) => !schema.response?.[s])), ...schema.response }
}

export default fp(
  async function openapi(app: FastifyInstance) {
    app.addSchema(ProblemSchema)
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
            '(`application/problem+json`) with a stable `code`.',
          // No public licence URL or SPDX list entry exists for it; LicenseRef- is SPDX's form for such licences.
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
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
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'JWT with `sub`, space-delimited `scope`, optional `county` and `dept` claims' },
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
