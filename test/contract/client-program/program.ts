// An integrator's program against a client generated from the committed contract
// (openapi-typescript + openapi-fetch), compiled under --strict by test/contract/client.test.ts:
// the everyday calls with no casts. It is not part of the project's own typecheck (the schema
// it imports is generated when the test runs). Usage: node program.js BASE_URL TOKEN USCC CERTIFICATE_NO
import createClient from 'openapi-fetch'
import type { components, paths } from './schema.js'

type Enterprise = components['schemas']['Enterprise']
type GrantHeaders = paths['/v1/enterprises/{uscc}/qualifications']['post']['responses'][201]['headers']

/** A response header the contract declares for that response. */
function header<H>(response: Response, name: Extract<keyof H, string>): string {
  const value = response.headers.get(name)
  if (value === null) throw new Error(`the response has no ${name} header`)
  return value
}

function fail(step: string, status: number, problem: components['schemas']['Problem'] | undefined): never {
  throw new Error(`${step}: ${status} ${problem?.code ?? ''} ${problem?.detail ?? ''}`)
}

const [baseUrl, token, uscc, certificateNo] = process.argv.slice(2)
if (!baseUrl || !token || !uscc || !certificateNo) throw new Error('usage: program BASE_URL TOKEN USCC CERTIFICATE_NO')
// The JSON representations (and problem+json): lists also offer text/csv and application/x-ndjson exports.
const client = createClient<paths, 'application/json' | 'application/problem+json'>({ baseUrl, headers: { Authorization: `Bearer ${token}` } })

// Register an enterprise.
const created = await client.POST('/v1/enterprises', {
  body: { uscc, name: '德州市华源生态科技有限公司', countyCode: '371402', cultivationStage: 'cultivating', cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }] },
})
if (!created.data) fail('create', created.response.status, created.error)
const enterprise: Enterprise = created.data

// Grant a certificate, from a calendar date (the start of that day in Dezhou).
const granted = await client.POST('/v1/enterprises/{uscc}/qualifications', {
  params: { path: { uscc } },
  body: { type: 'TAISHAN_QUALITY_CERT', certificateNo, title: '华源牌有机小米', issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024-03-15', validUntil: '2027-03-15' },
})
if (!granted.data) fail('grant', granted.response.status, granted.error)
const qualification = granted.data

// Suspend it, safely: If-Match with the ETag the grant answered.
const changed = await client.POST('/v1/qualifications/{id}/status-changes', {
  params: { path: { id: qualification.id }, header: { 'if-match': header<GrantHeaders>(granted.response, 'ETag') } },
  body: { to: 'suspended', reasonCode: 'rectification_pending', reason: '约谈后限期整改', effectiveAt: '2025-05-01T00:00:00+08:00', decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: '德市监〔2025〕7号' } },
})
if (!changed.data) fail('change status', changed.response.status, changed.error)

// A stale ETag is refused.
const stale = await client.POST('/v1/qualifications/{id}/status-changes', {
  params: { path: { id: qualification.id }, header: { 'if-match': header<GrantHeaders>(granted.response, 'ETag') } },
  body: { to: 'active', reasonCode: 'rectified', reason: '整改完成', effectiveAt: '2025-06-01', decision: { authority: '德州市市场监督管理局', level: 'city' } },
})

// Read it as of a moment before the suspension.
const before = await client.GET('/v1/qualifications/{id}', { params: { path: { id: qualification.id }, query: { asOf: '2025-01-01' } } })
if (!before.data) fail('read as of', before.response.status, before.error)

// Page the county's enterprises (summaries), then one page of whole documents.
let cursor: string | undefined
let pages = 0
let listed = 0
do {
  const page = await client.GET('/v1/enterprises', { params: { query: { countyCode: '371402', limit: 2, cursor } } })
  if (!page.data) fail('list', page.response.status, page.error)
  if (page.data.view === 'summary') listed += page.data.items.filter((item) => item.activeQualificationTypes.length >= 0).length
  cursor = page.data.nextCursor ?? undefined
  pages++
} while (cursor && pages < 3)
const full = await client.GET('/v1/enterprises', { params: { query: { view: 'full', limit: 1 } } })
if (!full.data) fail('list full', full.response.status, full.error)
const fullNames = full.data.view === 'full' ? full.data.items.map((item) => item.countyName) : []

console.log(JSON.stringify({
  countyName: enterprise.countyName,
  grantedAt: qualification.grantedAt,
  statusAfterChange: changed.data.qualification.status,
  staleStatus: stale.response.status,
  staleCode: stale.error?.code,
  statusBefore: before.data.status,
  asOf: before.data.asOf,
  pages,
  listed,
  fullNames: fullNames.length,
}))
