import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { testConfig } from '../helpers/app.ts'

t.test('closing the app lets in-flight requests finish before the database closes', async (t) => {
  // The app owns its database here (no deps.db), as in production.
  const app = await buildApp(await testConfig({ DATABASE_URL: '' }))
  app.get('/slow', { schema: { hide: true }, config: { auth: false } }, async () => {
    await sleep(300)
    const [row] = await app.db.query<{ ok: number }>('SELECT 1 AS ok')
    return row
  })
  await app.ready()
  const pending = app.inject({ url: '/slow' })
  await sleep(50)
  await app.close()
  const res = await pending
  t.equal(res.statusCode, 200, 'the request that was running completed')
  t.same(res.json(), { ok: 1 })
  await t.rejects(app.db.query('SELECT 1'), 'and the database is closed afterwards')
})
