// Two roles on a PostgreSQL server: migrations run as the owner of the schema's objects
// (MIGRATION_DATABASE_URL), the application as a role that owns nothing. A role that owns no table
// cannot ALTER it (so cannot disable the append-only triggers of the audit trail and the
// histories), cannot TRUNCATE it, and, not being a superuser, cannot switch triggers off for its
// session (session_replication_role). It gets only what the service needs: reading and writing
// rows, running the functions, using the sequences.
import { createDatabase, type Database } from './client.ts'
import { migrate, type MigrationResult } from './migrate.ts'

/** The role a connection string logs in as. */
export function roleOf(connectionString: string): string {
  return decodeURIComponent(new URL(connectionString).username) || 'postgres'
}

/** Grants the application role its rights on everything the migrations created (run as the owner, after migrating). */
export async function grantApplicationRole(owner: Database, role: string): Promise<void> {
  const statements = [
    'GRANT USAGE ON SCHEMA public TO %I',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I',
    // The migration record is the owner's to write; the application may read it.
    'REVOKE INSERT, UPDATE, DELETE ON "_prisma_migrations" FROM %I',
    'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I',
    'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %I',
  ]
  await owner.withSession(async (session) => {
    for (const statement of statements) {
      const [row] = await session.query<{ sql: string }>('SELECT format($1, $2::text) AS sql', [statement, role])
      await session.exec(row!.sql)
    }
  })
}

export interface RoleCheck {
  superuser: boolean
  /** Tables, sequences, functions and schemas the role owns in this database. */
  owned: number
}

/** What the application's role could do to the audit trail's guards. */
export async function roleCheck(db: Database): Promise<RoleCheck> {
  const [row] = await db.query<{ superuser: boolean; owned: string }>(
    `SELECT r.rolsuper AS superuser,
            ((SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
              + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid))::text AS owned
     FROM pg_roles r WHERE r.rolname = current_user`,
  )
  return { superuser: row!.superuser, owned: Number(row!.owned) }
}

/**
 * Applies pending migrations as configured: through the owner role's connection when
 * MIGRATION_DATABASE_URL is set (then grants the application role its rights), otherwise through
 * the application's own database.
 */
export async function migrateAsConfigured(config: { databaseUrl: string | undefined; migrationDatabaseUrl: string | undefined }, db: Database): Promise<MigrationResult> {
  if (!config.migrationDatabaseUrl || !config.databaseUrl) return migrate(db)
  const owner = await createDatabase({ databaseUrl: config.migrationDatabaseUrl, poolMax: 1 })
  try {
    const result = await migrate(owner)
    const app = roleOf(config.databaseUrl)
    if (app !== roleOf(config.migrationDatabaseUrl)) await grantApplicationRole(owner, app)
    return result
  } finally {
    await owner.close()
  }
}
