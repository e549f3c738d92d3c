import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../../lib/problems.ts'
import { problemResponses } from '../../plugins/openapi.ts'

const Status = Type.Object({ status: Type.Literal('ok') })

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      schema: { operationId: 'getHealth', summary: 'The process is alive', tags: ['operations'], response: { 200: Status } },
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
        tags: ['operations'],
        response: { 200: Status, ...problemResponses(503) },
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
