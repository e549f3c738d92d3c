// A request that reaches an instance already shutting down (pipelined on a connection that was
// busy) gets a 503 problem document with Retry-After and the security headers, not Fastify's
// plain JSON; the request that was running completes.
import { connect } from 'node:net'
import t from 'tap'
import { SECURITY_HEADERS } from '../../src/plugins/security-headers.ts'
import { buildWithRoutes } from '../helpers/app.ts'

t.test('a request arriving during shutdown is a problem document', async (t) => {
  let started!: () => void
  const running = new Promise<void>((resolve) => (started = resolve))
  let finish!: () => void
  const release = new Promise<void>((resolve) => (finish = resolve))
  let answered!: () => void
  const refused = new Promise<void>((resolve) => (answered = resolve))
  const app = await buildWithRoutes(t, (app) => {
    app.addHook('onSend', async (request) => {
      if (request.url === '/v1/counties') answered()
    })
    app.get('/slow', { schema: { hide: true }, config: { auth: false } }, async () => {
      started()
      await release
      return { ok: 1 }
    })
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (c) => (received += c))
  const ended = new Promise((resolve) => socket.once('close', resolve))
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
  await running
  const closed = app.close()
  // preClose has run once the server stops listening; then the next request comes on the busy connection.
  while (app.server.listening) await new Promise((resolve) => setImmediate(resolve))
  socket.write('GET /v1/counties HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  // The pipelined request is read and answered (its response waits behind the running one's) before that one is let go.
  await refused
  finish()
  await ended
  await closed
  const responses = received.split(/(?=HTTP\/1\.1 )/)
  t.match(responses[0], /^HTTP\/1\.1 200/, 'the running request completed')
  t.equal(responses.length, 2, 'the pipelined request was answered')
  const [head, body] = responses[1]!.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 503/)
  t.match(head, /content-type: application\/problem\+json/i)
  t.match(head, /retry-after: 1/i)
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) t.ok(head!.toLowerCase().includes(`${name}: ${value.toLowerCase()}`), `${name}`)
  t.match(JSON.parse(body!), { code: 'not_ready', status: 503 })
})
