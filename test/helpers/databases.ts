// Empty databases for tests that need to watch migrations run from nothing: a throwaway
// PostgreSQL database (random name, dropped at teardown) when DATABASE_URL is set, otherwise a
// fresh in-memory embedded database.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createDatabase, type Database } from '../../src/db/client.ts'

interface TapLike {
  teardown(fn: () => unknown): void
}

/** A connection string for the server's `postgres` database, derived from DATABASE_URL. */
export function adminUrl(): string {
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = '/postgres'
  return url.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function createEmpty(): Promise<{ url: string; drop: () => Promise<unknown> }> {
  const name = `haopin_tmp_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE "${name}"`))
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)) }
}

/** Creates an empty PostgreSQL database and returns its URL; it is dropped at teardown. Needs DATABASE_URL. */
export async function emptyServerDatabase(t: TapLike): Promise<string> {
  if (!process.env.DATABASE_URL) throw new Error('emptyServerDatabase needs DATABASE_URL')
  const { url, drop } = await createEmpty()
  t.teardown(drop)
  return url
}

/** An open, empty database (not migrated): a throwaway server database, or in-memory embedded. Closed (and dropped) at teardown. */
export async function emptyDatabase(t: TapLike, poolMax = 4): Promise<Database> {
  if (!process.env.DATABASE_URL) {
    const db = await createDatabase({ dataDir: 'memory://' })
    t.teardown(() => db.close())
    return db
  }
  const { url, drop } = await createEmpty()
  const db = await createDatabase({ databaseUrl: url, poolMax })
  t.teardown(async () => {
    await db.close().catch(() => {})
    await drop()
  })
  return db
}
