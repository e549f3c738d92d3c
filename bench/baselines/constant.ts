// Baseline (A): a bare Fastify route returning a constant — the ceiling of any Fastify
// service on this machine, with no database at all.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ ok: true }))
app.get('/healthz', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3901) })
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)))
