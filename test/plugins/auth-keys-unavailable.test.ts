import { createServer } from 'node:net'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { AUDIENCE, build, ISSUER, token } from '../helpers/app.ts'

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('an unreachable key set is a 503, not a 401 or a 500', async (t) => {
  const app = await build(t, { AUTH_JWKS: '', AUTH_JWKS_URL: `http://127.0.0.1:${await closedPort()}/jwks.json` })
  const res = await app.inject({ url: '/v1/enterprises', headers: { authorization: `Bearer ${await token(['registry:read'])}` } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'not_ready')
  t.equal(res.headers['retry-after'], '5')
})

t.test('production refuses a key set fetched over plain http', async (t) => {
  const env = { NODE_ENV: 'production', AUTH_JWKS_URL: 'http://idp.example/jwks.json', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, SIGNING_KEY: '{}' }
  let problems: string[] = []
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) problems = error.problems
  }
  t.match(problems, [/AUTH_JWKS_URL must use https/])
  t.doesNotThrow(() => loadConfig({ ...env, AUTH_JWKS_URL: 'https://idp.example/jwks.json' }))
})
