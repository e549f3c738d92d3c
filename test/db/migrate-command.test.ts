// `npm run db:migrate` as an operator runs it: on the embedded database in DATA_DIR, and on a
// PostgreSQL database whose recorded migrations no longer match the files.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { readMigrations } from '../../src/db/migrate.ts'
import { onServer } from '../helpers/app.ts'
import { emptyServerDatabase } from '../helpers/databases.ts'
import { run } from '../helpers/server-process.ts'

const NAMES = readMigrations().map((m) => m.name)

const migrateCommand = (env: Record<string, string>) => run('npm', ['run', '--silent', 'db:migrate'], env)

async function sql(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, params)).rows
  } finally {
    await client.end()
  }
}

t.test('on the embedded database in DATA_DIR: applies, then reports up to date', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'haopin-migrate-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const first = migrateCommand({ DATA_DIR: dataDir })
  t.equal(first.code, 0, first.output)
  t.match(first.stdout, `Applied ${NAMES.length} migration(s): ${NAMES.join(', ')}`)
  const second = migrateCommand({ DATA_DIR: dataDir })
  t.equal(second.code, 0, second.output)
  t.match(second.stdout, `Database is up to date (${NAMES.length} migrations applied earlier).`)
})

t.test('bad configuration is reported, not thrown', async (t) => {
  const result = migrateCommand({ DATABASE_URL: 'mysql://db/x', DB_POOL_MAX: 'lots' })
  t.equal(result.code, 1)
  t.match(result.stderr, /Invalid configuration:\n\s+- DATABASE_URL must use postgres: or postgresql:.*\n\s+- DB_POOL_MAX/)
  t.notMatch(result.stderr, /at \w+ \(|node:internal/, 'no stack trace')
})

t.test('on PostgreSQL: refuses, naming the migration, when a recorded checksum no longer matches', { skip: !onServer && 'needs DATABASE_URL' }, async (t) => {
  const url = await emptyServerDatabase(t)
  const first = migrateCommand({ DATABASE_URL: url })
  t.equal(first.code, 0, first.output)
  t.match(first.stdout, `Applied ${NAMES.length} migration(s)`)

  const changed = NAMES[0]!
  await sql(url, `UPDATE "_prisma_migrations" SET checksum = md5('edited') || md5('edited') WHERE migration_name = $1`, [changed])
  const refused = migrateCommand({ DATABASE_URL: url })
  t.equal(refused.code, 1)
  t.match(refused.stderr, `migration ${changed} was modified after it was applied`)
  t.notMatch(refused.stderr, /at \w+ \(|node:internal/, 'no stack trace')
})
