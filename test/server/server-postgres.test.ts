// The server on a PostgreSQL server (DATABASE_URL): several instances starting together on an
// empty database, and refusing to start when an applied migration was changed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { createDatabase } from '../../src/db/client.ts'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { onServer } from '../helpers/app.ts'
import { emptyServerDatabase } from '../helpers/databases.ts'
import { startServer } from '../helpers/server-process.ts'

if (!onServer) t.plan(0, 'needs DATABASE_URL (a PostgreSQL server)')

const NAMES = readMigrations().map((m) => m.name)

function dataDir(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'haopin-pg-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, params)).rows as T[]
  } finally {
    await client.end()
  }
}

if (onServer) {
  t.test('two instances started at the same moment on an empty database both become ready; each migration runs once', async (t) => {
    const url = await emptyServerDatabase(t)
    const [a, b] = await Promise.all([
      startServer(t, { DATABASE_URL: url, DATA_DIR: dataDir(t), PORT: '0' }),
      startServer(t, { DATABASE_URL: url, DATA_DIR: dataDir(t), PORT: '0' }),
    ])
    t.comment(`startup to ready: ${a.readyMs} ms and ${b.readyMs} ms`)
    for (const server of [a, b]) t.equal((await fetch(server.url('/readyz'))).status, 200, `instance on port ${server.port} is ready`)
    const rows = await sql<{ migration_name: string; finished_at: Date | null }>(url, 'SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name')
    t.same(rows.map((r) => r.migration_name), NAMES, 'one row per migration')
    t.ok(rows.every((r) => r.finished_at !== null))
    for (const server of [a, b]) {
      const stop = await server.stop()
      t.same([stop.code, stop.signal], [0, null], 'SIGTERM: exit code 0')
    }
  })

  t.test('start-up stops, naming the migration, when an applied migration file was changed', async (t) => {
    const url = await emptyServerDatabase(t)
    const db = await createDatabase({ databaseUrl: url, poolMax: 1 })
    await migrate(db)
    await db.close()
    const changed = NAMES[1]!
    await sql(url, `UPDATE "_prisma_migrations" SET checksum = repeat('0', 64) WHERE migration_name = $1`, [changed])

    const error = await startServer(t, { DATABASE_URL: url, DATA_DIR: dataDir(t), PORT: '0' }).then(
      () => undefined,
      (e: Error) => e,
    )
    t.ok(error, 'the server does not come up')
    t.match(error?.message, /exited \(\{"code":1,"signal":null\}\)/)
    t.match(error?.message, new RegExp(`Refusing to start: migration ${changed} was modified after it was applied`))
  })
}
