// Test data factories: unique enterprises, certificate numbers and qualifications per test, so
// tests share a database without ever truncating it.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Database, Queryable } from '../../src/db/client.ts'
import { bearer, newUscc } from './app.ts'

export interface EnterpriseFixture {
  uscc: string
  name: string
  countyCode: string
  address: string | null
  legalRepresentative: string | null
  contactName: string | null
  contactPhone: string | null
  contactEmail: string | null
  cultivationStage: 'planned' | 'cultivating' | 'established' | null
}

/** Inserts an enterprise directly (the enterprise API is not what these tests are about). */
export async function createEnterprise(app: FastifyInstance, overrides: Partial<EnterpriseFixture> = {}): Promise<EnterpriseFixture> {
  const tag = randomBytes(3).toString('hex')
  const e: EnterpriseFixture = {
    uscc: overrides.uscc ?? newUscc(),
    name: `德州测试企业${tag}有限公司`,
    countyCode: '371402',
    address: null,
    legalRepresentative: null,
    contactName: null,
    contactPhone: null,
    contactEmail: null,
    cultivationStage: null,
    ...overrides,
  }
  await app.db.query(
    `INSERT INTO enterprise (uscc, name, county_code, address, legal_representative, contact_name, contact_phone, contact_email, cultivation_stage)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::"CultivationStage")`,
    [e.uscc, e.name, e.countyCode, e.address, e.legalRepresentative, e.contactName, e.contactPhone, e.contactEmail, e.cultivationStage],
  )
  return e
}

/** A certificate number no other test uses. */
export function certificateNo(prefix = 'TSPZ'): string {
  return `${prefix}-${randomBytes(6).toString('hex').toUpperCase()}`
}

export const writeScopes = ['qualifications:write', 'registry:read'] as const
export const writer = () => bearer([...writeScopes])
export const revoker = () => bearer([...writeScopes, 'revocation:decide'])
export const reader = () => bearer(['registry:read'])

/** A grant body for a certificate-based type; override any field. */
export function grantBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'TAISHAN_QUALITY_CERT',
    certificateNo: certificateNo(),
    title: '测试产品',
    issuer: '山东省市场监督管理局',
    issuerLevel: 'province',
    grantedAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  }
}

export function changeBody(to: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    to,
    reasonCode: 'test_reason',
    reason: `测试：${to}`,
    effectiveAt: new Date().toISOString(),
    decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: '德市监〔2025〕1号' },
    ...overrides,
  }
}

/** Grants through the API and returns the created qualification (fails the caller's test on anything but 201). */
export async function grant(app: FastifyInstance, uscc: string, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await app.inject({ method: 'POST', url: `/v1/enterprises/${uscc}/qualifications`, headers: await writer(), payload: grantBody(overrides) })
  if (res.statusCode !== 201) throw new Error(`grant failed: ${res.statusCode} ${res.body}`)
  return { ...res.json(), etag: res.headers.etag }
}

export async function changeStatus(app: FastifyInstance, id: string, to: string, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: `/v1/qualifications/${id}/status-changes`,
    headers: { ...(await revoker()), ...headers },
    payload: changeBody(to, overrides),
  })
}

/**
 * Runs `work` in a transaction on a connection of its own and keeps the transaction open, holding
 * its locks and uncommitted rows, until `commit` is called; resolves once `work` is done.
 * For tests of a request that meets a concurrent writer.
 */
export async function holdOpen(db: Pick<Database, 'transaction'>, work: (tx: Queryable) => Promise<unknown>): Promise<{ commit(): Promise<void> }> {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let ready!: () => void
  const done = new Promise<void>((resolve) => (ready = resolve))
  const transaction = db.transaction(async (tx) => {
    await work(tx)
    ready()
    await released
  })
  await Promise.race([done, transaction])
  return {
    async commit() {
      release()
      await transaction
    },
  }
}

/**
 * Resolves once a statement matching `query` (an SQL LIKE pattern) is waiting for a lock held by
 * another transaction — a row lock, or another writer's uncommitted unique key — as PostgreSQL
 * reports it in pg_stat_activity (whose query text stops after 1 kB: match its start); fails after
 * `timeoutMs`. For tests of a request that must meet a concurrent writer: they go on only once the
 * race is really on.
 */
export async function waitingForLock(db: Pick<Database, 'query'>, query: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [row] = await db.query<{ waiting: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()) AS waiting`,
      [query],
    )
    if (row?.waiting) return
    if (Date.now() > deadline) throw new Error(`no statement like ${query} waited for a lock within ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
