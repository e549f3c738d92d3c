// Two status changes to one qualification at the same moment: exactly one is recorded, the
// other is refused (409 from the new status, or 412 from the changed ETag). Meaningful on a
// PostgreSQL server with a pool; on the embedded database it must simply not deadlock.
import t from 'tap'
import { build, onServer } from '../../helpers/app.ts'
import { changeBody, createEnterprise, grant, reader, revoker } from '../../helpers/fixtures.ts'

const app = await build(t)
const enterprise = await createEnterprise(app)
const ROUNDS = onServer ? 8 : 3

async function race(id: string, bodies: Record<string, unknown>[], headers: Record<string, string> = {}) {
  const auth = await revoker()
  return Promise.all(bodies.map((payload) => app.inject({
    method: 'POST', url: `/v1/qualifications/${id}/status-changes`, headers: { ...auth, ...headers }, payload,
  })))
}

async function historyOf(id: string) {
  return (await app.inject({ url: `/v1/qualifications/${id}/history`, headers: await reader() })).json().items
}

t.test('the same change twice: one 201, one 409; history holds the winner only', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    const q = await grant(app, enterprise.uscc)
    // One body sent twice: the same effective time, so the loser is refused by the status alone.
    const body = changeBody('suspended')
    const results = await race(q.id, [body, body])
    t.same(results.map((r) => r.statusCode).sort(), [201, 409], `round ${round}`)
    const loser = results.find((r) => r.statusCode === 409)!.json()
    t.equal(loser.code, 'invalid_transition')
    t.equal(loser.currentStatus, 'suspended', 'the loser saw the winner\'s status')
    const winner = results.find((r) => r.statusCode === 201)!
    const history = await historyOf(q.id)
    t.equal(history.length, 2)
    t.same(history[1], winner.json().change, 'the recorded event is the winner\'s')
  }
})

t.test('two different changes with the same If-Match: one 201, the other 412 or 409', async (t) => {
  for (let round = 0; round < ROUNDS; round++) {
    const q = await grant(app, enterprise.uscc)
    const results = await race(q.id, [changeBody('revoked'), changeBody('withdrawn')], { 'if-match': q.etag })
    const codes = results.map((r) => r.statusCode)
    t.equal(codes.filter((c) => c === 201).length, 1, `round ${round}: one winner`)
    t.ok(codes.some((c) => c === 412 || c === 409), 'the other is refused')
    const winner = results.find((r) => r.statusCode === 201)!.json().change
    const history = await historyOf(q.id)
    t.same(history.map((h: { toStatus: string }) => h.toStatus), ['active', winner.toStatus])
    const [row] = await app.db.query<{ version: number }>('SELECT version FROM qualification WHERE id = $1', [q.id])
    t.equal(row?.version, 2, 'one change applied')
  }
})

t.test('many changes at once on one qualification keep seq gapless and the timeline valid', async (t) => {
  const q = await grant(app, enterprise.uscc)
  const bodies = Array.from({ length: 6 }, (_, i) => changeBody(i % 2 === 0 ? 'suspended' : 'active'))
  const results = await race(q.id, bodies)
  t.ok(results.every((r) => r.statusCode === 201 || r.statusCode === 409), 'only 201 or 409')
  const history = await historyOf(q.id)
  t.same(history.map((h: { seq: number }) => h.seq), history.map((_: unknown, i: number) => i + 1), 'seq 1..n')
  t.equal(history.length, 1 + results.filter((r) => r.statusCode === 201).length, 'one event per success')
  for (let i = 1; i < history.length; i++) t.not(history[i].toStatus, history[i - 1].toStatus, 'each event changes the status')
})
