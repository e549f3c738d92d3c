// Process entry: read config, migrate, build the app, listen, shut down gracefully.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.ts'
import { buildApp } from './app.ts'
import { createDatabase, databaseTimeouts } from './db/client.ts'
import { MigrationError } from './db/migrate.ts'
import { DataDirInUseError } from './db/data-dir-lock.ts'
import { migrateAsConfigured } from './db/roles.ts'
import { mintToken, SCOPES } from './plugins/auth.ts'

/** The database, or exit with the reason when its data directory is another process's. */
async function openDatabase(options: Parameters<typeof createDatabase>[0]) {
  try {
    return await createDatabase(options)
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      console.error(`Refusing to start: ${error.message}`)
      process.exit(1)
    }
    throw error
  }
}

async function main() {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }

  // A first start on a new embedded database begins from the install-time migrated template.
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax, timeouts: databaseTimeouts(config), newEmbeddedFrom: 'migrated' })
  if (config.migrateOnStart) {
    try {
      await migrateAsConfigured(config, db)
    } catch (error) {
      await db.close()
      if (error instanceof MigrationError) {
        console.error(`Refusing to start: ${error.message}`)
        process.exit(1)
      }
      throw error
    }
  }

  const app = await buildApp(config, { db })
  app.addHook('onClose', async () => {
    await app.drain()
    await db.close()
  })

  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ host: config.host, port: config.port })
  app.log.info({ database: db.kind, dataDir: db.kind === 'embedded' ? config.dataDir : undefined }, 'registry ready')

  if (app.auth.devKey) {
    const token = await mintToken(app.auth.devKey, { sub: 'dev', scopes: SCOPES, issuer: app.auth.issuer, audience: app.auth.audience })
    console.log(`\nDevelopment token with every scope (valid 12 h; mint others with npm run token):\n\n${token}\n`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
