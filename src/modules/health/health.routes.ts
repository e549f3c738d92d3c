import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../../lib/problems.ts'
import { component } from '../../lib/components.ts'
import { ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { DATABASE_RETRY_AFTER_SECONDS } from '../../plugins/errors.ts'

/** A readiness probe answers within a second even when the database hangs. */
export const READINESS_TIMEOUT_MS = 800

/** Resolves with the query, or rejects after `ms` (the query goes on until the database's own timeouts end it). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  work.catch(() => undefined)
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

const Status = component('HealthStatus', Type.Object({ status: Type.Literal('ok') }, { description: 'All is well' }))

/**
 * The probes' one answer, written out: it needs no serializer. Serializers are compiled at a
 * route's first response (src/lib/serializer.ts), and the first of all also compiles the schema
 * checks they share (~0.1 s), which the first /readyz, the end of every start, paid.
 */
const OK = JSON.stringify({ status: 'ok' })
const okBody = (reply: FastifyReply) => reply.type('application/json; charset=utf-8').send(OK)

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'The process is alive',
        description: 'For liveness probes: answers without touching the database.',
        tags: ['operations'],
        response: { 200: ok('The process is alive', Status) },
      },
      config: { auth: false },
      logLevel: 'warn',
    },
    async (_request, reply) => okBody(reply),
  )
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'The database is reachable',
        description: 'For readiness probes and load balancers: 200 when a query succeeds within 0.8 s, a 503 problem (with Retry-After) otherwise.',
        tags: ['operations'],
        response: { 200: ok('The database answered', Status), ...problemResponses(503) },
      },
      config: { auth: false },
      logLevel: 'warn',
    },
    async (request, reply) => {
      try {
        await within(READINESS_TIMEOUT_MS, app.db.query('SELECT 1'))
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        throw new AppError('not_ready', 'the database is not reachable or did not answer in time', {}, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) })
      }
      return okBody(reply)
    },
  )
}
