// Who is doing a write, as recorded in history and the audit log.
import type { FastifyRequest } from 'fastify'
import { AppError } from './problems.ts'

/** The caller of a write: the token's subject, county and department, and the request id. */
export interface Actor {
  sub: string
  county?: string | undefined
  dept?: string | undefined
  requestId?: string | undefined
}

export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal
  if (!p) throw new AppError('unauthorized', 'a Bearer token is required')
  return { sub: p.sub, county: p.county, dept: p.dept, requestId: request.id }
}

/** County systems may only act on enterprises of their own county. */
export function assertCountyAccess(actor: Actor, countyCode: string, action = 'change'): void {
  if (actor.county && actor.county !== countyCode) {
    throw new AppError('forbidden_county', `a token for county ${actor.county} may not ${action} records of county ${countyCode}`)
  }
}
