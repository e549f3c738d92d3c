// Failures of an export: before the first batch the caller gets an ordinary problem; after bytes
// went out the response ends early (the client sees a broken transfer), the failure is logged,
// the snapshot ends and the process goes on serving.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildWithRoutes } from '../helpers/app.ts'
import { exportFormatOf, sendExport, type ExportSpec } from '../../src/lib/export.ts'

function failing(after: number): ExportSpec<number> {
  return {
    resource: 'failing',
    title: '失败测试',
    columns: [{ key: 'n', zh: '序号' }],
    pinnable: false,
    async batch(_q, _knownAt, from, size, shape) {
      const start = from ?? 0
      if (start >= after) throw new Error('the database went away')
      const ns = Array.from({ length: size }, (_, i) => start + i)
      return shape === 'cells' ? { cells: ns.map((n) => [n]), next: start + size } : { items: ns.map((n) => JSON.stringify({ n })), next: start + size }
    },
  }
}

const app = await buildWithRoutes(t, (app: FastifyInstance) => {
  const meta = (operationId: string) => ({ operationId, summary: 'Test only', description: 'Test only', tags: ['operations'], response: { 200: { description: 'Test only' } } })
  app.get('/test/export-fails-later', { schema: meta('testExportFailsLater'), config: { auth: false } }, async (request, reply) =>
    sendExport(request, reply, app.db, exportFormatOf(request) ?? 'csv', failing(3000)))
  app.get('/test/export-wrong-shape', { schema: meta('testExportWrongShape'), config: { auth: false } }, async (request, reply) =>
    sendExport(request, reply, app.db, 'csv', { ...failing(3000), batch: async () => ({ items: ['{"n":1}'], next: null }) }))
  app.get('/test/export-fails-first', { schema: meta('testExportFailsFirst'), config: { auth: false } }, async (request, reply) =>
    sendExport(request, reply, app.db, 'csv', failing(0)))
})
await app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('a failure before the first batch is an ordinary problem', async (t) => {
  const res = await fetch(`${base}/test/export-fails-first`)
  t.equal(res.status, 500)
  t.match(res.headers.get('content-type'), /application\/problem\+json/)
  t.equal((await res.json()).code, 'internal_error')
})

t.test('a batch of another shape than the format needs is a failure, not a wrong file', async (t) => {
  const res = await fetch(`${base}/test/export-wrong-shape`)
  t.equal(res.status, 500)
  t.equal((await res.json()).code, 'internal_error')
})

t.test('a failure after bytes went out ends the response early; the process goes on', async (t) => {
  const res = await fetch(`${base}/test/export-fails-later`)
  t.equal(res.status, 200)
  let lines = 0
  let error: unknown
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Buffer>) for (const b of chunk) if (b === 10) lines++
  } catch (e) {
    error = e
  }
  t.ok(error, 'the client sees a broken transfer, not a complete file')
  t.ok(lines >= 1000 && lines <= 3001, `the rows sent before the failure arrived (${lines})`)
  const after = await fetch(`${base}/healthz`)
  t.equal(after.status, 200, 'still serving')
  const again = await fetch(`${base}/test/export-fails-first`)
  t.equal(again.status, 500, 'and the database is free again (the snapshot ended)')
})
