// A new embedded data directory for the service's start (newEmbeddedFrom: 'migrated') is copied from
// the install-time migrated template directory (scripts/pglite-template.mjs): the copy is a working
// database with the template's migrations recorded, the template itself is never opened in place,
// and a copy that an earlier start left half-done is replaced, not used.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createDatabase } from '../../src/db/client.ts'
import { migrate, readMigrations } from '../../src/db/migrate.ts'

const { version } = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'))
const TEMPLATE = new URL(`../../node_modules/.cache/haopin-registry/pglite-${version}-migrated/`, import.meta.url).pathname

/** Every file of a directory with its size and content hash. */
function fingerprint(dir: string): string {
  const hash = createHash('sha256')
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else hash.update(`${path} ${statSync(path).size}\n`).update(readFileSync(path))
    }
  }
  walk(dir)
  return hash.digest('hex')
}

t.test('a new data directory starts as a copy of the migrated template directory', { skip: !existsSync(join(TEMPLATE, 'PG_VERSION')) && 'no migrated template directory (run npm ci, or node scripts/pglite-template.mjs)' }, async (t) => {
  const before = fingerprint(TEMPLATE)
  const dir = mkdtempSync(join(tmpdir(), 'haopin-template-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // What an interrupted copy leaves behind.
  mkdirSync(join(dir, 'pgdata.partial', 'base'), { recursive: true })
  writeFileSync(join(dir, 'pgdata.partial', 'PG_VERSION'), 'not a database')

  const db = await createDatabase({ dataDir: dir, newEmbeddedFrom: 'migrated' })
  try {
    t.ok(existsSync(join(dir, 'pgdata', 'PG_VERSION')), 'the data directory is in place')
    t.notOk(existsSync(join(dir, 'pgdata.partial')), 'the half copy is gone')
    const recorded = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL')
    t.ok(Number(recorded[0]!.n) > 0, `the template's migrations are recorded (${recorded[0]!.n})`)
    const { applied, alreadyApplied } = await migrate(db)
    t.equal(applied.length + alreadyApplied, readMigrations().length, 'migrating completes it to this checkout')
    await db.query('CREATE TABLE written_after_copy (id int)')
  } finally {
    await db.close()
  }

  const again = await createDatabase({ dataDir: dir, newEmbeddedFrom: 'migrated' })
  try {
    t.same(await again.query('SELECT count(*)::int AS n FROM written_after_copy'), [{ n: 0 }], 'a restart opens the same directory, not a new copy')
  } finally {
    await again.close()
  }
  t.equal(fingerprint(TEMPLATE), before, 'the template directory is unchanged')
})
