// Applies prisma/migrations in order, recording them in _prisma_migrations exactly as
// `prisma migrate deploy` does (same table, SHA-256 of migration.sql), so either tool can take over.
import { createHash, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { ADVISORY_LOCKS } from './advisory-locks.ts'
import type { Database, Session } from './client.ts'

export const MIGRATIONS_DIR = new URL('../../prisma/migrations/', import.meta.url).pathname

export interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  constructor(message: string, readonly migration?: string) {
    super(message)
    this.name = 'MigrationError'
  }
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'))
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') }
    })
}

interface AppliedRow {
  migration_name: string
  checksum: string
  finished_at: Date | null
  rolled_back_at: Date | null
}

export interface MigrationResult {
  applied: string[]
  alreadyApplied: number
}

export async function migrate(db: Database, migrations = readMigrations()): Promise<MigrationResult> {
  return db.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.migrations])
    try {
      return await applyPending(session, migrations)
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS.migrations])
    }
  })
}

async function applyPending(session: Session, migrations: MigrationFile[]): Promise<MigrationResult> {
  await session.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`)
  const rows = await session.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  )
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null)
  if (failed) {
    throw new MigrationError(
      `migration ${failed.migration_name} failed part-way earlier; repair the database, then mark it rolled back (prisma migrate resolve --rolled-back ${failed.migration_name})`,
      failed.migration_name,
    )
  }
  const applied = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]))
  const known = new Set(migrations.map((m) => m.name))
  for (const name of applied.keys()) {
    if (!known.has(name)) throw new MigrationError(`migration ${name} is applied in the database but missing from prisma/migrations`, name)
  }
  for (const m of migrations) {
    const checksum = applied.get(m.name)
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new MigrationError(`migration ${m.name} was modified after it was applied (checksum differs); add a new migration instead`, m.name)
    }
  }

  const pending = migrations.filter((m) => !applied.has(m.name))
  for (const m of pending) {
    const id = randomUUID()
    try {
      await session.exec(`BEGIN;\n${m.sql}\n;`)
      await session.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [id, m.checksum, m.name],
      )
      await session.exec('COMMIT')
    } catch (error) {
      // Each migration runs in its own transaction: a failure leaves nothing half-applied and
      // no row behind, so the corrected file is simply applied on the next start.
      await session.exec('ROLLBACK').catch(() => {})
      throw new MigrationError(`migration ${m.name} failed: ${(error as Error).message}`, m.name)
    }
  }
  return { applied: pending.map((m) => m.name), alreadyApplied: applied.size }
}
