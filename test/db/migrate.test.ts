// The migration runner, on an empty database each time (a throwaway PostgreSQL database when
// DATABASE_URL is set, in-memory embedded otherwise).
import { createHash } from 'node:crypto'
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createDatabase, type Database } from '../../src/db/client.ts'
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.ts'
import { onServer } from '../helpers/app.ts'
import { emptyDatabase, emptyServerDatabase } from '../helpers/databases.ts'

const NAMES = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(MIGRATIONS_DIR, e.name, 'migration.sql')))
  .map((e) => e.name)
  .sort()

interface Row {
  id: string
  checksum: string
  finished_at: Date | null
  migration_name: string
  logs: string | null
  rolled_back_at: Date | null
  started_at: Date
  applied_steps_count: number
}

const rows = (db: Database) => db.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name')

/** A writable copy of prisma/migrations, removed at teardown. */
function copyMigrations(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'haopin-migrations-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(MIGRATIONS_DIR, dir, { recursive: true })
  return dir
}

function addMigration(dir: string, name: string, sql: string) {
  mkdirSync(join(dir, name))
  writeFileSync(join(dir, name, 'migration.sql'), sql)
}

async function tableExists(db: Database, name: string) {
  const [row] = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [name])
  return row?.found !== null && row?.found !== undefined
}

t.test('applies every migration in order and records it exactly as Prisma does', async (t) => {
  const db = await emptyDatabase(t)
  const result = await migrate(db)
  t.same(result, { applied: NAMES, alreadyApplied: 0 })
  const recorded = await rows(db)
  t.same(recorded.map((r) => r.migration_name), NAMES, 'one row per migration, in name order')
  for (const r of recorded) {
    const bytes = readFileSync(join(MIGRATIONS_DIR, r.migration_name, 'migration.sql'))
    t.equal(r.checksum, createHash('sha256').update(bytes).digest('hex'), `${r.migration_name}: checksum is the lowercase hex SHA-256 of migration.sql`)
    t.match(r.id, /^[0-9a-f-]{36}$/)
    t.ok(r.finished_at instanceof Date, 'finished_at set')
    t.equal(r.rolled_back_at, null)
    t.equal(r.applied_steps_count, 1)
    t.ok(r.finished_at! >= r.started_at, 'finished after it started')
  }
  const columns = await db.query<{ column_name: string; type: string; not_null: boolean; default: string | null }>(
    `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = '"_prisma_migrations"'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  )
  t.same(
    columns,
    [
      { column_name: 'id', type: 'character varying(36)', not_null: true, default: null },
      { column_name: 'checksum', type: 'character varying(64)', not_null: true, default: null },
      { column_name: 'finished_at', type: 'timestamp with time zone', not_null: false, default: null },
      { column_name: 'migration_name', type: 'character varying(255)', not_null: true, default: null },
      { column_name: 'logs', type: 'text', not_null: false, default: null },
      { column_name: 'rolled_back_at', type: 'timestamp with time zone', not_null: false, default: null },
      { column_name: 'started_at', type: 'timestamp with time zone', not_null: true, default: 'now()' },
      { column_name: 'applied_steps_count', type: 'integer', not_null: true, default: '0' },
    ],
    "the table has the shape of Prisma's own _prisma_migrations",
  )

  t.same(await migrate(db), { applied: [], alreadyApplied: NAMES.length }, 'a second run applies nothing')
  t.equal((await rows(db)).length, NAMES.length)
})

t.test('applies only pending migrations, ordered by name not by directory order', async (t) => {
  const db = await emptyDatabase(t)
  await migrate(db)
  const dir = copyMigrations(t)
  // Created in reverse: the later one depends on the earlier one.
  addMigration(dir, '29990101000100_use_probe', 'INSERT INTO "probe" (note) VALUES (\'second\');\n')
  addMigration(dir, '29990101000000_add_probe', 'CREATE TABLE "probe" (id SERIAL PRIMARY KEY, note TEXT NOT NULL);\n')
  const result = await migrate(db, readMigrations(dir))
  t.same(result, { applied: ['29990101000000_add_probe', '29990101000100_use_probe'], alreadyApplied: NAMES.length })
  t.same(await db.query('SELECT note FROM "probe"'), [{ note: 'second' }])
  t.same((await rows(db)).map((r) => r.migration_name), [...NAMES, '29990101000000_add_probe', '29990101000100_use_probe'])
})

t.test('a failing migration leaves nothing behind and is applied once corrected', async (t) => {
  const db = await emptyDatabase(t)
  const dir = copyMigrations(t)
  addMigration(dir, '29990101000000_good', 'CREATE TABLE "good_one" (id INT);\n')
  // The last line is a comment without a newline: the runner must still close its transaction.
  addMigration(dir, '29990101000100_broken', 'CREATE TABLE "half_done" (id INT);\nINSERT INTO "no_such_table" VALUES (1);\n-- trailing comment')
  const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e)
  t.type(error, MigrationError)
  t.equal((error as MigrationError).migration, '29990101000100_broken')
  t.match((error as Error).message, /29990101000100_broken.*no_such_table/)
  t.notOk(await tableExists(db, 'half_done'), "the failed migration's first statement was rolled back")
  t.ok(await tableExists(db, 'good_one'), 'the migration before it stays applied')
  t.same((await rows(db)).map((r) => r.migration_name), [...NAMES, '29990101000000_good'], 'no row for the failed migration')

  writeFileSync(join(dir, '29990101000100_broken', 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\n-- trailing comment')
  t.same(await migrate(db, readMigrations(dir)), { applied: ['29990101000100_broken'], alreadyApplied: NAMES.length + 1 })
  t.ok(await tableExists(db, 'half_done'))
})

t.test('refuses, naming the migration, when an applied migration file was changed', async (t) => {
  const db = await emptyDatabase(t)
  await migrate(db)
  const dir = copyMigrations(t)
  const changed = NAMES[1]!
  appendFileSync(join(dir, changed, 'migration.sql'), '\n-- an innocent-looking edit\n')
  addMigration(dir, '29990101000000_later', 'CREATE TABLE "later" (id INT);\n')
  const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e)
  t.type(error, MigrationError)
  t.equal((error as MigrationError).migration, changed)
  t.match((error as Error).message, new RegExp(`${changed}.*modified`))
  t.notOk(await tableExists(db, 'later'), 'nothing else was applied')
  t.equal((await rows(db)).length, NAMES.length)
})

t.test('refuses, naming the migration, when an earlier run failed half-way', async (t) => {
  const db = await emptyDatabase(t)
  const dir = copyMigrations(t)
  addMigration(dir, '29990101000000_crashed', 'CREATE TABLE "crashed" (id INT);\n')
  await migrate(db)
  // What `prisma migrate deploy` leaves behind when a migration fails part-way.
  await db.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, logs, applied_steps_count)
     VALUES ('00000000-0000-4000-8000-000000000001', $1, '29990101000000_crashed', now(), 'Database error', 0)`,
    [readMigrations(dir).at(-1)!.checksum],
  )
  const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e)
  t.type(error, MigrationError)
  t.equal((error as MigrationError).migration, '29990101000000_crashed')
  t.match((error as Error).message, /29990101000000_crashed failed part-way.*rolled-back/)
  t.notOk(await tableExists(db, 'crashed'))

  // After `prisma migrate resolve --rolled-back`, the migration is applied again.
  await db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '29990101000000_crashed'`)
  t.same(await migrate(db, readMigrations(dir)), { applied: ['29990101000000_crashed'], alreadyApplied: NAMES.length })
  t.ok(await tableExists(db, 'crashed'))
})

t.test('refuses when an applied migration is missing from the directory', async (t) => {
  const db = await emptyDatabase(t)
  await migrate(db)
  const dir = copyMigrations(t)
  const removed = NAMES.at(-1)!
  rmSync(join(dir, removed), { recursive: true })
  const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e)
  t.type(error, MigrationError)
  t.equal((error as MigrationError).migration, removed)
  t.match((error as Error).message, new RegExp(`${removed}.*missing`))
})

t.test('several instances migrating together apply each migration once', { skip: !onServer && 'needs DATABASE_URL (several connections)' }, async (t) => {
  const url = await emptyServerDatabase(t)
  const instances = await Promise.all([1, 2, 3, 4].map(() => createDatabase({ databaseUrl: url, poolMax: 2 })))
  try {
    const results = await Promise.all(instances.map((db) => migrate(db)))
    t.same(results.flatMap((r) => r.applied).sort(), NAMES, 'each migration applied by exactly one instance')
    t.equal(results.filter((r) => r.applied.length > 0).length, 1, 'the first instance to take the lock applied them all')
    const recorded = await rows(instances[0]!)
    t.same(recorded.map((r) => r.migration_name), NAMES, 'one row per migration')
    const [lock] = await instances[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
    t.equal(lock?.n, 0, 'the advisory lock is released')
  } finally {
    await Promise.all(instances.map((db) => db.close()))
  }
})

t.test('an embedded database keeps its migrations across reopening', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'haopin-data-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const first = await createDatabase({ dataDir: dir })
  t.same((await migrate(first)).applied, NAMES)
  await first.close()
  const second = await createDatabase({ dataDir: dir })
  t.teardown(() => second.close())
  t.same(await migrate(second), { applied: [], alreadyApplied: NAMES.length })
})
