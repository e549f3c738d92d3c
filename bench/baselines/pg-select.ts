// Baseline (B), the yardstick: a minimal Fastify route that selects one enterprise row by USCC
// with `pg` (a prepared statement on a pool as large as the registry's) and returns it. This is
// the practical limit for a Node service over PostgreSQL on this machine.
import Fastify from 'fastify'
import pg from 'pg'

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  application_name: 'haopin-bench-baseline-b',
})
const app = Fastify({ logger: false })

app.get<{ Params: { uscc: string } }>('/enterprises/:uscc', async (request, reply) => {
  const { rows } = await pool.query({ name: 'enterprise_by_uscc', text: 'SELECT * FROM enterprise WHERE uscc = $1', values: [request.params.uscc] })
  if (rows.length === 0) return reply.code(404).send({ error: 'not found' })
  return rows[0]
})
app.get('/healthz', async () => {
  await pool.query('SELECT 1')
  return { status: 'ok' }
})

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3902) })
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void app.close().then(() => pool.end()).then(() => process.exit(0)))
}
