// Chains committed audit entries in the background, so that the chain's head stays within an
// interval of the last write even when nobody reads the trail (audit reads seal first anyway).
// One instance at a time: the others skip their turn while one is sealing.
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/client.ts'
import { periodic, type Periodic } from '../../lib/periodic.ts'
import { sealAudit } from './audit.repository.ts'

export function auditSealer(db: Database, intervalMs: number, log: FastifyBaseLogger): Periodic {
  return periodic({
    intervalMs,
    log,
    failure: 'chaining audit entries failed; they stay pending until a later pass or an audit read chains them',
    pass: async () => Math.max(0, await sealAudit(db, false)),
  })
}
