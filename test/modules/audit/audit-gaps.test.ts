// The audit trail's gaps closed (issue 11): a pending marker cannot be deleted before its entry is
// chained; an entry taken out of the trail shows in verify; signed checkpoints expose a chain
// rewritten or cut behind them, to the registry's verify and to anyone holding one, offline.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { compactVerify, createLocalJWKSet } from 'jose'
import type { Database } from '../../../src/db/client.ts'
import { bearer, buildOwn, newUscc } from '../../helpers/app.ts'

const auditor = await bearer(['audit:read'])
const writer = await bearer(['registry:read', 'registry:write'], { sub: 'audit-gaps-writer', county: '371402' })

async function write(app: FastifyInstance, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `德州审计缺口测试${i}有限公司`, countyCode: '371402' } })
    if (res.statusCode !== 201) throw new Error(`write failed: ${res.body}`)
  }
}

const verify = async (app: FastifyInstance) => (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()

/** Runs SQL with the triggers switched off, as the tables' owner or a superuser could. */
const bypassingTriggers = (db: Database, sql: string) =>
  db.withSession(async (s) => {
    await s.exec('SET session_replication_role = replica')
    try {
      await s.exec(sql)
    } finally {
      await s.exec('SET session_replication_role = DEFAULT')
    }
  })

/** A trail of 5 entries with a signed checkpoint at position 3. */
async function trail(t: Test) {
  const { db, app } = await buildOwn(t)
  await app.ready()
  await write(app, 3)
  await app.inject({ url: '/v1/audit-events?limit=1', headers: auditor }) // seals
  t.equal(await app.auditCheckpointer.runOnce(), 1, 'a checkpoint is signed')
  t.equal(await app.auditCheckpointer.runOnce(), 0, 'none while the head has not moved')
  await write(app, 2)
  const before = await verify(app)
  t.match(before, { valid: true, entries: 5, unchained: 0, checkpoints: { checked: 1, firstMismatch: null } }, 'valid before tampering')
  return { db, app }
}

t.test('a pending marker cannot be deleted before its entry is chained', async (t) => {
  const { db, app } = await buildOwn(t)
  await app.ready()
  const [entry] = await db.query<{ id: string }>(
    `INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, before, after) VALUES ('x', 'enterprise.create', 'enterprise', 'x', null, '{}') RETURNING id::text`,
  )
  await t.rejects(db.query('DELETE FROM audit_pending WHERE event_id = $1', [entry!.id]), /not chained yet/, 'DELETE refused')
  await t.rejects(db.query('UPDATE audit_pending SET event_id = event_id'), /not allowed/, 'UPDATE refused')
  await t.rejects(db.query('TRUNCATE audit_pending'), /append-only/, 'TRUNCATE refused')
  t.match(await verify(app), { valid: true, pending: 0, entries: 1 }, 'sealing still removes it, by chaining it')
})

t.test('an entry neither chained nor pending makes verify invalid', async (t) => {
  const { db, app } = await buildOwn(t)
  await app.ready()
  await write(app, 2)
  // With the triggers off, an entry is written without its pending marker: outside the trail.
  await bypassingTriggers(db, `INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, before, after) VALUES ('x', 'enterprise.create', 'enterprise', 'ghost', null, '{}')`)
  const report = await verify(app)
  t.match(report, { valid: false, entries: 2, pending: 0, unchained: 1, firstUnchained: { eventId: /^\d+$/ } })
})

t.test('a rewritten chain (every later hash recomputed) is detected against a checkpoint', async (t) => {
  const { db, app } = await trail(t)
  await bypassingTriggers(db, `
    UPDATE audit_event SET after = '{"name":"改写"}' WHERE id = (SELECT event_id FROM audit_chain WHERE seq = 2);
    DO $$
    DECLARE r RECORD; prev TEXT;
    BEGIN
      SELECT hash INTO prev FROM audit_chain WHERE seq = 1;
      FOR r IN SELECT c.seq, e.* FROM audit_chain c JOIN audit_event e ON e.id = c.event_id WHERE c.seq >= 2 ORDER BY c.seq LOOP
        UPDATE audit_chain SET prev_hash = prev,
          hash = audit_event_digest(prev, r.seq, r.at, r.actor_sub, r.actor_county, r.actor_dept, r.request_id, r.operation,
                                    r.entity_type, r.entity_id, r.before, r.after, r.occurred_at, r.effective_at, r.payload_format)
        WHERE seq = r.seq RETURNING hash INTO prev;
      END LOOP;
    END $$;`)
  const report = await verify(app)
  t.equal(report.firstBroken, null, 'the chain is consistent in itself')
  t.match(report, { valid: false, checkpoints: { checked: 1, firstMismatch: { id: '3', reason: 'rewritten' } } }, 'but not with the checkpoint')
})

t.test('a truncated chain is detected against a checkpoint', async (t) => {
  const { db, app } = await trail(t)
  await bypassingTriggers(db, `
    CREATE TEMP TABLE cut AS SELECT event_id FROM audit_chain WHERE seq >= 3;
    DELETE FROM audit_chain WHERE seq >= 3;
    DELETE FROM audit_event WHERE id IN (SELECT event_id FROM cut);
    DROP TABLE cut;`)
  const report = await verify(app)
  t.equal(report.firstBroken, null, 'what is left of the chain is consistent')
  t.equal(report.unchained, 0)
  t.match(report, { valid: false, entries: 2, checkpoints: { firstMismatch: { id: '3', reason: 'truncated' } } }, 'the checkpoint shows the cut')
})

t.test('a checkpoint is checked offline with the JWKS against the published trail', async (t) => {
  const { app } = await trail(t)
  const page = await app.inject({ url: '/v1/audit-checkpoints' })
  t.equal(page.statusCode, 200, 'public: no token')
  const [checkpoint] = page.json().items
  t.match(checkpoint, { id: '3', hash: /^[0-9a-f]{64}$/, signedAt: /Z$/ })
  const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json()
  const { payload, protectedHeader } = await compactVerify(checkpoint.jws, createLocalJWKSet(jwks))
  t.equal(protectedHeader.typ, 'audit-checkpoint+jws')
  t.same(JSON.parse(new TextDecoder().decode(payload)), { typ: 'audit-checkpoint', seq: '3', hash: checkpoint.hash, signedAt: checkpoint.signedAt })
  const entries = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  t.equal(entries.find((e: { id: string }) => e.id === '3').hash, checkpoint.hash, 'the trail holds the signed hash at that position')
})

t.test('a forged checkpoint row is reported as badly signed', async (t) => {
  const { db, app } = await trail(t)
  await db.query(`INSERT INTO audit_checkpoint (seq, hash, signed_at, jws) SELECT 4, hash, now(), 'e30.e30.AAAA' FROM audit_chain WHERE seq = 4`)
  t.match(await verify(app), { valid: false, checkpoints: { checked: 2, firstMismatch: { id: '4', reason: 'bad_signature' } } })
})
