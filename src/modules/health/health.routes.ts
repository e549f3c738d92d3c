import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../../lib/problems.ts'
import { component } from '../../lib/components.ts'
import { ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'

const Status = component('HealthStatus', Type.Object({ status: Type.Literal('ok') }, { description: 'All is well' }))

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
    async () => ({ status: 'ok' as const }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'The database is reachable',
        description: 'For readiness probes and load balancers: 200 when a query succeeds, a 503 problem otherwise.',
        tags: ['operations'],
        response: { 200: ok('The database answered', Status), ...problemResponses(503) },
      },
      config: { auth: false },
      logLevel: 'warn',
    },
    async (request) => {
      try {
        await app.db.query('SELECT 1')
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        throw new AppError('not_ready', 'the database is not reachable')
      }
      return { status: 'ok' as const }
    },
  )
}
