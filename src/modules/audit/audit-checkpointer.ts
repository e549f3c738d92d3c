// Signs the audit chain's head (position, hash, time) with the registry's statement key every
// interval, when it moved since the last checkpoint, and stores the signed checkpoint for
// GET /v1/audit-checkpoints. Whoever keeps a checkpoint can later prove, offline with the JWKS,
// that the chain was rewritten or cut behind it. Every instance may run it: a position is signed
// once (the first insert wins).
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import { periodic, type Periodic } from '../../lib/periodic.ts'
import type { StatementSigner } from '../public/statement-key.ts'
import { checkpointState, storeCheckpoint } from './audit.repository.ts'

/** The JWS `typ` of a checkpoint, so that it is never taken for a verification statement. */
export const CHECKPOINT_TYPE = 'audit-checkpoint+jws'

/** The signed payload: this JSON text, exactly. */
export const checkpointPayload = (seq: string, hash: string, signedAt: string) =>
  JSON.stringify({ typ: 'audit-checkpoint', seq, hash, signedAt })

export async function signCheckpoint(db: Database, clock: Clock, signer: StatementSigner): Promise<number> {
  const { head, lastCheckpoint } = await checkpointState(db)
  if (!head || (lastCheckpoint !== null && BigInt(lastCheckpoint) >= BigInt(head.seq))) return 0
  const signedAt = new Date(Math.floor(clock.now().getTime()))
  const jws = await signer.sign(checkpointPayload(head.seq, head.hash, signedAt.toISOString()), CHECKPOINT_TYPE)
  return (await storeCheckpoint(db, { seq: head.seq, hash: head.hash, signedAt, jws })) ? 1 : 0
}

export function auditCheckpointer(db: Database, clock: Clock, signer: StatementSigner, intervalMs: number, log: FastifyBaseLogger): Periodic {
  return periodic({
    intervalMs,
    log,
    failure: 'signing an audit checkpoint failed; the next pass signs the head then',
    pass: () => signCheckpoint(db, clock, signer),
  })
}
