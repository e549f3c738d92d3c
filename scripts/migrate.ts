// npm run db:migrate — applies pending migrations to DATABASE_URL (or the embedded database in DATA_DIR);
// with MIGRATION_DATABASE_URL, as that owner role, then grants DATABASE_URL's role what the service needs.
import { ConfigError, loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/client.ts'
import { MigrationError } from '../src/db/migrate.ts'
import { migrateAsConfigured } from '../src/db/roles.ts'

try {
  const config = loadConfig()
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 })
  try {
    const result = await migrateAsConfigured(config, db)
    console.log(
      result.applied.length > 0
        ? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
        : `Database is up to date (${result.alreadyApplied} migrations applied earlier).`,
    )
  } finally {
    await db.close()
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}
