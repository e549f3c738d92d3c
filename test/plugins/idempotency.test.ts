import { randomUUID } from 'node:crypto'
import t from 'tap'
import { bearer, build, newUscc } from '../helpers/app.ts'

const app = await build(t)
const auth = await bearer(['registry:read', 'registry:write'], { sub: `idem-${randomUUID()}` })
const post = (key: string, payload: object, headers = auth) =>
  app.inject({ method: 'POST', url: '/v1/enterprises', headers: { ...headers, 'idempotency-key': key }, payload })

t.test('a retry with the same key and body replays the first response', async (t) => {
  const key = randomUUID()
  const body = { uscc: newUscc(), name: '德州重试测试有限公司', countyCode: '371402' }
  const first = await post(key, body)
  t.equal(first.statusCode, 201)
  t.notOk(first.headers['idempotency-replayed'])
  const retry = await post(key, body)
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotency-replayed'], 'true')
  t.equal(retry.body, first.body)
  t.equal(retry.headers.location, first.headers.location)
  t.equal(retry.headers.etag, first.headers.etag)
  const [row] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [body.uscc])
  t.equal(row!.n, '1', 'the write happened once')
})

t.test('the same key with a different body is a 422', async (t) => {
  const key = randomUUID()
  await post(key, { uscc: newUscc(), name: 'a', countyCode: '371402' })
  const other = await post(key, { uscc: newUscc(), name: 'b', countyCode: '371402' })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'idempotency_key_reused')
})

t.test('keys belong to the calling sub', async (t) => {
  const key = randomUUID()
  const otherCaller = await bearer(['registry:write'], { sub: `other-${randomUUID()}` })
  t.equal((await post(key, { uscc: newUscc(), name: 'a', countyCode: '371402' })).statusCode, 201)
  t.equal((await post(key, { uscc: newUscc(), name: 'b', countyCode: '371402' }, otherCaller)).statusCode, 201)
})

t.test('a retry while the first request is still running is a 409', async (t) => {
  const key = randomUUID()
  const body = { uscc: newUscc(), name: '处理中', countyCode: '371402' }
  const sub = JSON.parse(Buffer.from(auth.authorization.split('.')[1]!, 'base64url').toString()).sub
  t.equal((await post(key, body)).statusCode, 201)
  // Put the key back in the state it has while its first request is being processed.
  await app.db.query(`UPDATE idempotency_key SET completed_at = NULL, locked_until = now() + interval '1 minute' WHERE sub = $1 AND key = $2`, [sub, key])
  const res = await post(key, body)
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'idempotency_in_progress')
  t.equal(res.headers['retry-after'], '1')

  const key2 = randomUUID()
  const racing = { uscc: newUscc(), name: '并发重试', countyCode: '371402' }
  const statuses = (await Promise.all([post(key2, racing), post(key2, racing)])).map((x) => x.statusCode).sort()
  t.ok(['201,201', '201,409'].includes(statuses.join()), `concurrent retries: one runs, the other is replayed or told to wait (${statuses})`)
  const [row] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [racing.uscc])
  t.equal(row!.n, '1', 'and the write happened once')
})

t.test('a stale in-progress claim (its request died) is taken over', async (t) => {
  const key = randomUUID()
  const body = { uscc: newUscc(), name: '接管', countyCode: '371402' }
  const sub = JSON.parse(Buffer.from(auth.authorization.split('.')[1]!, 'base64url').toString()).sub
  const first = await post(key, body)
  t.equal(first.statusCode, 201)
  await app.db.query(`UPDATE idempotency_key SET completed_at = NULL, locked_until = now() - interval '1 second' WHERE sub = $1 AND key = $2`, [sub, key])
  const retry = await post(key, body)
  t.equal(retry.statusCode, 409, 'the retry ran again and met the existing enterprise')
  t.equal(retry.json().code, 'enterprise_exists')
})

t.test('a response is kept at least 24 hours', async (t) => {
  const key = randomUUID()
  await post(key, { uscc: newUscc(), name: 'ttl', countyCode: '371402' })
  const [row] = await app.db.query<{ hours: number }>(`SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM idempotency_key WHERE key = $1`, [key])
  t.ok(Number(row!.hours) >= 24)
})

t.test('a malformed key is a 400 naming the header', async (t) => {
  const res = await post('has spaces in it', { uscc: newUscc(), name: 'x', countyCode: '371402' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errors[0].in, 'header')
  t.equal(res.json().errors[0].pointer, '/idempotency-key')
})
