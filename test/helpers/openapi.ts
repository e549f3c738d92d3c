// The OpenAPI document as the routes generate it, built on an embedded in-memory database
// (no server needed) with the test key set, so the output never depends on the machine.
import { buildApp } from '../../src/app.ts'
import { createDatabase } from '../../src/db/client.ts'
import { testConfig } from './app.ts'

export async function generateOpenApi(): Promise<unknown> {
  const db = await createDatabase({ dataDir: 'memory://' })
  const config = await testConfig({ DATABASE_URL: '' })
  const app = await buildApp(config, { db })
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await app.close()
    await db.close()
  }
}
