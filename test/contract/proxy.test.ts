// The suite's own requests through a validating proxy (Prism, as county test environments run it):
// a workflow that calls every operation, with its errors and 304s, and fails on any violation of
// the committed contract, by the request or by the response (Prism's sl-violations header).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import t from 'tap'
import { build, newUscc, token } from '../helpers/app.ts'
import { certificateNo } from '../helpers/fixtures.ts'

const ROOT = new URL('../../', import.meta.url).pathname
const doc = JSON.parse(readFileSync(`${ROOT}openapi/openapi.json`, 'utf8'))
const operationIds = Object.values(doc.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>).flatMap((ops) => Object.values(ops).map((op) => op.operationId))

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
await app.listen({ host: '127.0.0.1', port: 0 })
const upstream = (app.server.address() as { port: number }).port
const port = await freePort()
const prism = spawn(process.execPath, [`${ROOT}node_modules/@stoplight/prism-cli/dist/index.js`, 'proxy', `${ROOT}openapi/openapi.json`, `http://127.0.0.1:${upstream}`, '--port', String(port), '--host', '127.0.0.1', '--errors', 'false', '--verboseLevel', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
let output = ''
prism.stdout!.on('data', (chunk) => (output += chunk))
prism.stderr!.on('data', (chunk) => (output += chunk))
t.teardown(() => {
  prism.kill('SIGTERM')
})
const PROXY = `http://127.0.0.1:${port}`
// Prism is ready once it forwards (it reads and resolves the whole contract first).
for (let i = 0; ; i++) {
  if (prism.exitCode !== null) throw new Error(`prism exited: ${output}`)
  if (await fetch(`${PROXY}/healthz`).then((r) => r.ok, () => false)) break
  if (i > 1200) throw new Error(`prism did not start within 120 s: ${output}`)
  await new Promise((resolve) => setTimeout(resolve, 100))
}

const called = new Map<string, Set<number>>()
interface Call { headers?: Record<string, string>; json?: unknown; body?: string; type?: string }

/** One request through the proxy, as operation `id`: its status, and no violation either way. */
async function call(t: { notOk(value: unknown, message: string): void }, id: string, method: string, path: string, c: Call = {}) {
  const headers: Record<string, string> = { ...c.headers }
  let body: string | undefined = c.body
  if (c.json !== undefined) {
    body = JSON.stringify(c.json)
    headers['content-type'] = c.type ?? 'application/json'
  }
  const res = await fetch(`${PROXY}${path}`, { method, headers, body })
  const text = await res.text()
  const violations = res.headers.get('sl-violations')
  t.notOk(violations, `${id} ${method} ${path} → ${res.status}: no violation${violations ? `\n${violations}` : ''}`)
  if (!called.has(id)) called.set(id, new Set())
  called.get(id)!.add(res.status)
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

const all = { authorization: `Bearer ${await token()}` }
const reader = { authorization: `Bearer ${await token(['registry:read'])}` }

t.test('a workflow over every operation keeps the contract both ways', async (t) => {
  t.equal((await call(t, 'getHealth', 'GET', '/healthz')).status, 200)
  t.equal((await call(t, 'getReadiness', 'GET', '/readyz')).status, 200)
  t.equal((await call(t, 'getMetrics', 'GET', '/metrics', { headers: all })).status, 200)
  t.equal((await call(t, 'getMetrics', 'GET', '/metrics', { headers: reader })).status, 403, 'a token without the scope')
  t.equal((await call(t, 'listCounties', 'GET', '/v1/counties')).status, 200)
  t.equal((await call(t, 'listDepartments', 'GET', '/v1/departments')).status, 200)
  t.equal((await call(t, 'listQualificationTypes', 'GET', '/v1/qualification-types')).status, 200)

  const code = `TEST_${Date.now().toString(36).toUpperCase()}`
  const created = await call(t, 'createQualificationType', 'POST', '/v1/qualification-types', {
    headers: all,
    json: { code, name: '测试认证', level: 'provincial', domain: 'product', leadDepartmentCode: 'MARKET_REGULATION', certificateBased: true, defaultValidityMonths: 36 },
  })
  t.equal(created.status, 201)
  t.equal((await call(t, 'createQualificationType', 'POST', '/v1/qualification-types', { headers: all, json: { code, name: '测试认证', level: 'provincial', domain: 'product', leadDepartmentCode: 'MARKET_REGULATION', certificateBased: true } })).status, 409)
  const type = await call(t, 'getQualificationType', 'GET', `/v1/qualification-types/${code}`)
  t.equal(type.status, 200)
  t.equal((await call(t, 'getQualificationType', 'GET', '/v1/qualification-types/NO_SUCH_TYPE')).status, 404)
  t.equal((await call(t, 'patchQualificationType', 'PATCH', `/v1/qualification-types/${code}`, { headers: { ...all, 'if-match': type.headers.get('etag')! }, json: { defaultValidityMonths: 24 } })).status, 200, 'application/json as a merge patch')
  t.equal((await call(t, 'patchQualificationType', 'PATCH', `/v1/qualification-types/${code}`, { headers: { ...all, 'if-match': type.headers.get('etag')! }, json: { defaultValidityMonths: 12 }, type: 'application/merge-patch+json' })).status, 412)

  const uscc = newUscc()
  const enterprise = { uscc, name: '德州市华源生态科技有限公司', countyCode: '371402', cultivationStage: 'cultivating', cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }] }
  const first = await call(t, 'createEnterprise', 'POST', '/v1/enterprises', { headers: { ...all, 'idempotency-key': `proxy-${uscc}` }, json: enterprise })
  t.equal(first.status, 201)
  const replay = await call(t, 'createEnterprise', 'POST', '/v1/enterprises', { headers: { ...all, 'idempotency-key': `proxy-${uscc}` }, json: enterprise })
  t.equal(replay.headers.get('idempotency-replayed'), 'true')
  t.equal((await call(t, 'createEnterprise', 'POST', '/v1/enterprises', { headers: all, json: enterprise })).status, 409)
  t.equal((await call(t, 'createEnterprise', 'POST', '/v1/enterprises', { headers: reader, json: enterprise })).status, 403)
  t.equal((await call(t, 'createEnterprise', 'POST', '/v1/enterprises', { headers: { authorization: 'Bearer not.a.token' }, json: enterprise })).status, 401)

  const read = await call(t, 'getEnterprise', 'GET', `/v1/enterprises/${uscc}`, { headers: reader })
  t.equal(read.status, 200)
  t.equal((await call(t, 'getEnterprise', 'GET', `/v1/enterprises/${uscc}`, { headers: { ...reader, 'if-none-match': read.headers.get('etag')! } })).status, 304)
  t.equal((await call(t, 'getEnterprise', 'GET', `/v1/enterprises/${uscc}?asOf=2025-07-01`, { headers: reader })).status, 200)
  t.equal((await call(t, 'getEnterprise', 'GET', `/v1/enterprises/${newUscc()}`, { headers: reader })).status, 404)
  t.equal((await call(t, 'patchEnterprise', 'PATCH', `/v1/enterprises/${uscc}`, { headers: { ...all, 'if-match': read.headers.get('etag')! }, json: { address: '德州市德城区新华路1号' }, type: 'application/merge-patch+json' })).status, 200)
  t.equal((await call(t, 'patchEnterprise', 'PATCH', `/v1/enterprises/${uscc}`, { headers: { ...all, 'if-match': read.headers.get('etag')! }, json: { address: '德州市德城区新华路2号' } })).status, 412)

  const batch = await call(t, 'upsertEnterprises', 'POST', '/v1/enterprises/batch', {
    headers: all,
    json: { items: [{ uscc: newUscc(), name: '德州测试企业甲', countyCode: '371402' }, { uscc: '91350100M000100Y44', name: '德州测试企业乙', countyCode: '371402' }] },
  })
  t.equal(batch.status, 200)
  t.equal((await call(t, 'upsertEnterprises', 'POST', '/v1/enterprises/batch?atomic=true', { headers: all, json: { items: [{ uscc: '91350100M000100Y44', name: '德州测试企业乙', countyCode: '371402' }] } })).status, 422)

  const summaries = await call(t, 'listEnterprises', 'GET', '/v1/enterprises?q=%E5%BE%B7%E5%B7%9E&countyCode=371402&limit=2', { headers: reader })
  t.equal(summaries.status, 200, "the README's own call")
  const next = summaries.json().nextCursor
  if (next) t.equal((await call(t, 'listEnterprises', 'GET', `/v1/enterprises?q=%E5%BE%B7%E5%B7%9E&countyCode=371402&limit=2&cursor=${next}`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listEnterprises', 'GET', '/v1/enterprises?view=full&limit=2&updatedSince=2025-01-01', { headers: reader })).status, 200)

  const grantBody = { type: 'TAISHAN_QUALITY_CERT', certificateNo: certificateNo(), title: '华源牌有机小米', issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024-03-15', validUntil: '2027-03-15' }
  const granted = await call(t, 'grantQualification', 'POST', `/v1/enterprises/${uscc}/qualifications`, { headers: all, json: grantBody })
  t.equal(granted.status, 201)
  t.equal((await call(t, 'grantQualification', 'POST', `/v1/enterprises/${uscc}/qualifications`, { headers: all, json: grantBody })).status, 409)
  t.equal((await call(t, 'grantQualification', 'POST', `/v1/enterprises/${newUscc()}/qualifications`, { headers: all, json: { ...grantBody, certificateNo: certificateNo() } })).status, 404)
  const id = granted.json().id
  const q = await call(t, 'getQualification', 'GET', `/v1/qualifications/${id}?asOf=2025-07-01T00:00:00%2B08:00`, { headers: reader })
  t.equal(q.status, 200)
  t.equal((await call(t, 'getQualification', 'GET', `/v1/qualifications/${id}?asOf=2025-07-01T00:00:00%2B08:00`, { headers: { ...reader, 'if-none-match': q.headers.get('etag')! } })).status, 304)
  const now = await call(t, 'getQualification', 'GET', `/v1/qualifications/${id}`, { headers: reader })
  t.equal((await call(t, 'listQualifications', 'GET', `/v1/qualifications?uscc=${uscc}&status=active&limit=10`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listEnterpriseQualifications', 'GET', `/v1/enterprises/${uscc}/qualifications?asOf=2025-07-01`, { headers: reader })).status, 200)

  const change = { to: 'revoked', reasonCode: 'quality_below_standard', reason: '省级监督抽查产品质量不合格，整改不到位', effectiveAt: '2025-07-01', occurredAt: '2025-03-10', decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2025〕12号', decidedAt: '2025-06-20' } }
  t.equal((await call(t, 'changeQualificationStatus', 'POST', `/v1/qualifications/${id}/status-changes`, { headers: { authorization: `Bearer ${await token(['qualifications:write'])}` }, json: change })).status, 403, 'revocation needs revocation:decide')
  t.equal((await call(t, 'changeQualificationStatus', 'POST', `/v1/qualifications/${id}/status-changes`, { headers: { ...all, 'if-match': now.headers.get('etag')! }, json: change })).status, 201)
  t.equal((await call(t, 'changeQualificationStatus', 'POST', `/v1/qualifications/${id}/status-changes`, { headers: all, json: { ...change, to: 'suspended' } })).status, 409)
  t.equal((await call(t, 'getQualificationHistory', 'GET', `/v1/qualifications/${id}/history`, { headers: reader })).status, 200)

  const audit = { authorization: `Bearer ${await token(['audit:read'])}` }
  t.equal((await call(t, 'listAuditEvents', 'GET', `/v1/audit-events?entityId=${uscc}&from=2025-01-01`, { headers: audit })).status, 200)
  t.equal((await call(t, 'listAuditEvents', 'GET', `/v1/audit-events?entityId=${id}`, { headers: audit })).status, 200)
  t.equal((await call(t, 'listAuditEvents', 'GET', `/v1/audit-events?entityType=qualification_type&entityId=${code}`, { headers: audit })).status, 200)
  t.equal((await call(t, 'listAuditEvents', 'GET', '/v1/audit-events?countyCode=371402&operation=qualification_event.create&limit=5', { headers: audit })).status, 200)
  t.equal((await call(t, 'listAuditEvents', 'GET', '/v1/audit-events?operation=qualification.revoke', { headers: audit })).status, 400, 'an operation the trail never holds')

  // The revocation register, its counts and its exports (CSV, NDJSON; 406 for anything else).
  const register = await call(t, 'listRevocations', 'GET', `/v1/revocations?uscc=${uscc}&countyCode=371402&effectiveFrom=2025-01-01&limit=5`, { headers: reader })
  t.equal(register.status, 200)
  t.equal(register.json().items.length, 1, 'the revocation just recorded')
  t.equal((await call(t, 'listRevocations', 'GET', `/v1/revocations?uscc=${uscc}&format=csv&header=zh&timeZone=Asia/Shanghai`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listRevocations', 'GET', `/v1/revocations?uscc=${uscc}`, { headers: { ...reader, accept: 'application/x-ndjson' } })).status, 200)
  t.equal((await call(t, 'listRevocations', 'GET', `/v1/revocations?uscc=${uscc}`, { headers: { ...reader, accept: 'application/xml' } })).status, 406)
  t.equal((await call(t, 'getRevocationStats', 'GET', '/v1/revocations/stats?groupBy=county,effectiveMonth&effectiveFrom=2025-01-01', { headers: reader })).status, 200)
  t.equal((await call(t, 'getRevocationStats', 'GET', '/v1/revocations/stats?groupBy=level&format=csv', { headers: reader })).status, 200)
  t.equal((await call(t, 'listQualifications', 'GET', `/v1/qualifications?uscc=${uscc}&format=ndjson`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listEnterprises', 'GET', '/v1/enterprises?countyCode=371402&format=csv', { headers: reader })).status, 200)
  t.equal((await call(t, 'verifyAuditChain', 'GET', '/v1/audit-events/verify', { headers: audit })).status, 200)
  await app.auditCheckpointer.runOnce()
  t.equal((await call(t, 'listAuditCheckpoints', 'GET', '/v1/audit-checkpoints?limit=2')).status, 200)

  const verified = await call(t, 'verifyPublicly', 'GET', `/v1/public/verify?uscc=${uscc}&from=singlemessage&isappinstalled=0`)
  t.equal(verified.status, 200)
  t.equal((await call(t, 'verifyPublicly', 'GET', `/v1/public/verify?uscc=${uscc}`, { headers: { 'if-none-match': verified.headers.get('etag')! } })).status, 304)
  t.equal((await call(t, 'verifyPublicly', 'GET', `/v1/public/verify?uscc=${uscc}&format=jws`)).status, 200)
  t.equal((await call(t, 'verifyPublicly', 'GET', `/v1/public/verify?type=TAISHAN_QUALITY_CERT&certificateNo=${grantBody.certificateNo}`)).status, 200)
  t.equal((await call(t, 'verifyPublicly', 'GET', '/v1/public/verify?uscc=91350100M000100Y44')).status, 400, 'a USCC with a wrong check character')
  t.equal((await call(t, 'listPublicBrands', 'GET', '/v1/public/brands?countyCode=371402&limit=5')).status, 200)
  t.equal((await call(t, 'getStatementKeys', 'GET', '/.well-known/jwks.json')).status, 200)
  const page = await call(t, 'verifyEnterprisePage', 'GET', `/verify/${uscc}?from=singlemessage&isappinstalled=0`)
  t.equal(page.status, 200)
  t.equal((await call(t, 'verifyEnterprisePage', 'GET', `/verify/${uscc}`, { headers: { 'if-none-match': page.headers.get('etag')! } })).status, 304)
  t.equal((await call(t, 'verifyCertificatePage', 'GET', `/verify/certificates/TAISHAN_QUALITY_CERT/${grantBody.certificateNo}`)).status, 200)

  // Imports: the template, a CSV upload with a good and a bad row, its progress and its error report.
  const template = await call(t, 'getImportTemplate', 'GET', '/v1/imports/templates/enterprises.csv')
  t.equal(template.status, 200)
  const header = template.text.replace(/^\ufeff/, '').split('\r\n')[0]!
  const good = newUscc()
  const csv = `\ufeff${header}\r\n${good},德州代理导入测试有限公司,371402,,,,,,,,,\r\n91350100M000100Y44,校验位错误有限公司,371402,,,,,,,,,\r\n`
  const imported = await call(t, 'createImport', 'POST', '/v1/imports?kind=enterprises&mode=per-row', { headers: { ...all, 'content-type': 'text/csv' }, body: csv })
  t.equal(imported.status, 202)
  const job = imported.json()
  let progress = await call(t, 'getImport', 'GET', `/v1/imports/${job.id}`, { headers: all })
  for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(progress.json().state); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    progress = await call(t, 'getImport', 'GET', `/v1/imports/${job.id}`, { headers: all })
  }
  t.equal(progress.status, 200)
  t.equal((await call(t, 'getImport', 'GET', '/v1/imports/00000000-0000-4000-8000-000000000000', { headers: all })).status, 404)
  const errors = await call(t, 'getImportErrors', 'GET', `/v1/imports/${job.id}/errors.csv`, { headers: all })
  t.equal(errors.status, 200)
  t.match(errors.text, '91350100M000100Y44', 'the rejected row is in the report')

  // Targets: the plan, its progress (city and by county), one target, its contributors, a
  // definition change, a reported measurement and the progress page.
  t.equal((await call(t, 'listTargetPlans', 'GET', '/v1/target-plans', { headers: reader })).status, 200)
  t.equal((await call(t, 'getTargetPlan', 'GET', '/v1/target-plans/DEZHOU_HAOPIN_2025', { headers: reader })).status, 200)
  t.equal((await call(t, 'getTargetPlan', 'GET', '/v1/target-plans/NO_SUCH_PLAN', { headers: reader })).status, 404)
  t.equal((await call(t, 'getTargetProgress', 'GET', '/v1/target-plans/DEZHOU_HAOPIN_2025/progress?asOf=2025-07-01&by=county', { headers: reader })).status, 200)
  const target = await call(t, 'getTarget', 'GET', '/v1/targets/STANDARDS', { headers: reader })
  t.equal(target.status, 200)
  t.equal((await call(t, 'getTarget', 'GET', '/v1/targets/STANDARDS', { headers: { ...reader, 'if-none-match': target.headers.get('etag')! } })).status, 304)
  t.equal((await call(t, 'listTargetContributors', 'GET', '/v1/targets/HIGH_TECH_ENTERPRISES/contributors?asOf=2025-07-01&limit=5', { headers: reader })).status, 200)
  t.equal((await call(t, 'listTargetContributors', 'GET', '/v1/targets/HIGH_TECH_ENTERPRISES/contributors?asOf=2025-07-01&format=csv&header=zh', { headers: reader })).status, 200)
  t.equal((await call(t, 'patchTarget', 'PATCH', '/v1/targets/STANDARDS', { headers: { ...all, 'if-match': target.headers.get('etag')! }, json: { changeNote: '代理契约测试：口径说明' }, type: 'application/merge-patch+json' })).status, 200)
  t.equal((await call(t, 'patchTarget', 'PATCH', '/v1/targets/STANDARDS', { headers: { ...all, 'if-match': target.headers.get('etag')! }, json: { changeNote: '过期的版本' } })).status, 412)
  t.equal((await call(t, 'recordTargetMeasurement', 'POST', '/v1/targets/PRODUCER_SERVICE_SATISFACTION/measurements', {
    headers: all,
    json: { source: '德州市质量发展研究中心顾客满意度测评', periodFrom: '2023-01-01T00:00:00+08:00', periodTo: '2024-01-01T00:00:00+08:00', value: 84 },
  })).status, 201)
  t.equal((await call(t, 'listTargetMeasurements', 'GET', '/v1/targets/PRODUCER_SERVICE_SATISFACTION/measurements', { headers: reader })).status, 200)
  t.equal((await call(t, 'getProgressPage', 'GET', '/progress?asOf=2025-07-01')).status, 200)

  // Supervision: a case opened on the enterprise, an interview, a referral to the province of a
  // second listing, the province's decision, the case read, listed and its events; with refusals.
  const listing = await call(t, 'grantQualification', 'POST', `/v1/enterprises/${uscc}/qualifications`, { headers: all, json: { type: 'HAOPIN_SHANDONG_BRAND', title: '华源', issuer: '山东省人民政府', issuerLevel: 'province', grantedAt: '2024-01-01' } })
  t.equal(listing.status, 201)
  const listingId = listing.json().id
  const countyToken = { authorization: `Bearer ${await token(['supervision:read', 'supervision:write'], { county: '371402' })}` }
  const opened = await call(t, 'openSupervisionCase', 'POST', '/v1/supervision-cases', {
    headers: { ...countyToken, 'idempotency-key': `proxy-case-${uscc}` },
    json: { uscc, source: 'inspection', topic: 'quality_below_standard', severity: 'serious', title: '省级监督抽查不合格', findings: '有机小米重金属镉含量不合格', occurredAt: '2025-03-12T09:00:00+08:00', problemOccurredAt: '2025-03-10', qualificationIds: [listingId], externalRef: `德市监好品〔2025〕${uscc}号` },
  })
  t.equal(opened.status, 201)
  const caseId = opened.json().id
  t.equal((await call(t, 'openSupervisionCase', 'POST', '/v1/supervision-cases', { headers: countyToken, json: { uscc: newUscc(), source: 'complaint', topic: 'mark_misuse', severity: 'minor', title: '违规使用形象标识', findings: '未获资格企业在包装上使用好品山东标识' } })).status, 400, 'an enterprise not registered')
  const interview = await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, {
    headers: { ...countyToken, 'if-match': opened.headers.get('etag')! },
    json: { type: 'interview_scheduled', occurredAt: '2025-04-01T09:00:00+08:00', documentNo: '德市监约〔2025〕3号', payload: { scheduledFor: '2025-04-08T09:30:00+08:00', place: '德州市市场监督管理局三楼会议室', interviewers: ['张明（质量发展科科长）'] } },
  })
  t.equal(interview.status, 201)
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: { ...countyToken, 'if-match': opened.headers.get('etag')! }, json: { type: 'note', occurredAt: '2025-04-02', payload: { text: '企业已召回问题批次产品' } } })).status, 412)
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: countyToken, json: { type: 'revocation_referred', occurredAt: '2025-04-03', documentNo: '德市监函〔2025〕31号', payload: { grounds: '省级监督抽查不合格', qualificationIds: [listingId] } } })).status, 403, 'city level')
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: countyToken, json: { type: 'rectification_accepted', occurredAt: '2025-04-03', payload: { assessment: '复查抽检合格' } } })).status, 409, 'not allowed now')
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: countyToken, json: { type: 'interview_held', occurredAt: '2025-04-08T11:00:00+08:00', payload: { attendees: { officials: ['张明'], enterprise: ['李华（总经理）'] }, findings: '企业承认原料把关不严', rectificationRequired: false } } })).status, 201)
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: all, json: { type: 'revocation_referred', occurredAt: '2025-05-20T10:00:00+08:00', documentNo: '德市监函〔2025〕31号', authority: { name: '德州市市场监督管理局', level: 'city' }, payload: { to: { authority: '山东省市场监督管理局', level: 'province' }, grounds: '省级监督抽查不合格，整改不到位', qualificationIds: [listingId] } } })).status, 201)
  t.equal((await call(t, 'changeQualificationStatus', 'POST', `/v1/qualifications/${listingId}/status-changes`, { headers: all, json: { ...change, to: 'withdrawn' } })).status, 409, 'held by the referral')
  t.equal((await call(t, 'recordSupervisionEvent', 'POST', `/v1/supervision-cases/${caseId}/events`, { headers: all, json: { type: 'province_decision', occurredAt: '2025-06-20T10:00:00+08:00', documentNo: '鲁市监质发〔2025〕12号', payload: { authority: '山东省市场监督管理局', level: 'province', effectiveAt: '2025-07-01', outcomes: [{ qualificationId: listingId, outcome: 'revoked' }] } } })).status, 201)
  const caseRead = await call(t, 'getSupervisionCase', 'GET', `/v1/supervision-cases/${caseId}`, { headers: countyToken })
  t.equal(caseRead.status, 200)
  t.equal((await call(t, 'getSupervisionCase', 'GET', `/v1/supervision-cases/${caseId}`, { headers: { ...countyToken, 'if-none-match': caseRead.headers.get('etag')! } })).status, 304)
  t.equal((await call(t, 'getSupervisionCase', 'GET', `/v1/supervision-cases/${caseRead.json().caseNo}?asOf=2025-05-01`, { headers: countyToken })).status, 200)
  t.equal((await call(t, 'getSupervisionCase', 'GET', '/v1/supervision-cases/00000000-0000-4000-8000-000000000000', { headers: countyToken })).status, 404)
  t.equal((await call(t, 'listSupervisionCases', 'GET', '/v1/supervision-cases?state=decided,closed&severity=serious&openedFrom=2025-01-01&limit=5', { headers: countyToken })).status, 200)
  t.equal((await call(t, 'listSupervisionCases', 'GET', '/v1/supervision-cases?referralPending=true&overdue=false', { headers: all })).status, 200)
  t.equal((await call(t, 'listSupervisionEvents', 'GET', `/v1/supervision-cases/${caseId}/events`, { headers: countyToken })).status, 200)
  t.equal((await call(t, 'listEnterpriseSupervisionCases', 'GET', `/v1/enterprises/${uscc}/supervision-cases?asOf=2025-06-01`, { headers: countyToken })).status, 200)
  t.equal((await call(t, 'listSupervisionCases', 'GET', '/v1/supervision-cases?severity=serious&openedFrom=2025-01-01&format=csv&header=zh&timeZone=Asia/Shanghai', { headers: countyToken })).status, 200)
  t.equal((await call(t, 'listSupervisionCases', 'GET', '/v1/supervision-cases?state=decided', { headers: { ...all, accept: 'application/x-ndjson' } })).status, 200)
  t.equal((await call(t, 'listEnterpriseSupervisionCases', 'GET', `/v1/enterprises/${uscc}/supervision-cases?format=ndjson`, { headers: countyToken })).status, 200)
  t.equal((await call(t, 'listEnterpriseSupervisionCases', 'GET', `/v1/enterprises/${uscc}/supervision-cases`, { headers: { ...countyToken, accept: 'text/csv' } })).status, 200)
  t.equal((await call(t, 'listSupervisionCases', 'GET', '/v1/supervision-cases', { headers: reader })).status, 403, 'registry:read does not read cases')

  // Incentives: the programs, a county program with its rule sets, eligibility of one enterprise,
  // of every program for it, the eligible list and a dry run.
  const ent = newUscc('371425')
  await app.db.query("INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '齐河县契约测试食品有限公司', '371425')", [ent])
  t.equal((await call(t, 'listIncentivePrograms', 'GET', '/v1/incentive-programs?kind=policy_support&limit=2', { headers: reader })).status, 200)
  const program = await call(t, 'getIncentiveProgram', 'GET', '/v1/incentive-programs/OVERSEAS_TRADEMARK_SUPPORT', { headers: reader })
  t.equal(program.status, 200)
  t.equal((await call(t, 'getIncentiveProgram', 'GET', '/v1/incentive-programs/OVERSEAS_TRADEMARK_SUPPORT', { headers: { ...reader, 'if-none-match': program.headers.get('etag')! } })).status, 304)
  const qiheCode = `QIHE_${Date.now().toString(36).toUpperCase()}`
  const qihe = { authorization: `Bearer ${await token(['registry:read', 'incentives:write'], { county: '371425' })}` }
  const createdProgram = await call(t, 'createIncentiveProgram', 'POST', '/v1/incentive-programs', {
    headers: qihe,
    json: {
      code: qiheCode, name: '齐河县品牌奖补', kind: 'subsidy', level: 'county', countyCode: '371425', sponsorName: '齐河县市场监督管理局',
      benefit: { summary: '新获“好品山东”认证的给予一次性奖励', amount: { currency: 'CNY', max: 100000 } }, basis: { title: '齐河县品牌奖补政策措施', task: '二(六)' },
      validFrom: '2025-01-01T00:00:00+08:00', rules: { allOf: [{ id: 'listed', kind: 'listed' }, { id: 'clean3y', kind: 'noRevocationWithin', params: { months: 36 } }] },
    },
  })
  t.equal(createdProgram.status, 201)
  t.equal((await call(t, 'createIncentiveProgram', 'POST', '/v1/incentive-programs', {
    headers: qihe,
    json: { code: 'DECHENG_X', name: '德城区品牌奖补', kind: 'subsidy', level: 'county', countyCode: '371402', benefit: { summary: '奖补' }, basis: { title: '德城区品牌奖补政策' }, rules: { kind: 'listed' } },
  })).status, 403, 'another county\'s program')
  t.equal((await call(t, 'patchIncentiveProgram', 'PATCH', `/v1/incentive-programs/${qiheCode}`, { headers: { ...qihe, 'if-match': createdProgram.headers.get('etag')! }, json: { frequency: 'yearly' }, type: 'application/merge-patch+json' })).status, 200)
  t.equal((await call(t, 'patchIncentiveProgram', 'PATCH', `/v1/incentive-programs/${qiheCode}`, { headers: { ...qihe, 'if-match': createdProgram.headers.get('etag')! }, json: { frequency: 'once' }, type: 'application/merge-patch+json' })).status, 412)
  t.equal((await call(t, 'addIncentiveRuleSet', 'POST', `/v1/incentive-programs/${qiheCode}/rule-sets`, { headers: qihe, json: { rules: { allOf: [{ kind: 'listed' }, { kind: 'businessStatusIn', params: { statuses: ['operating'] } }] }, effectiveFrom: '2025-07-01', changeNote: '增加经营状态条件' } })).status, 201)
  t.equal((await call(t, 'addIncentiveRuleSet', 'POST', `/v1/incentive-programs/${qiheCode}/rule-sets`, { headers: qihe, json: { rules: { kind: 'listed' }, effectiveFrom: '2025-03-01' } })).status, 409)
  t.equal((await call(t, 'listIncentiveRuleSets', 'GET', `/v1/incentive-programs/${qiheCode}/rule-sets`, { headers: reader })).status, 200)
  t.equal((await call(t, 'getIncentiveRuleSet', 'GET', `/v1/incentive-programs/${qiheCode}/rule-sets/2`, { headers: reader })).status, 200)
  t.equal((await call(t, 'getEligibility', 'GET', `/v1/incentive-programs/${qiheCode}/eligibility/${ent}?asOf=2025-08-01`, { headers: reader })).status, 200)
  t.equal((await call(t, 'getEligibility', 'GET', `/v1/incentive-programs/NO_SUCH_PROGRAM/eligibility/${ent}`, { headers: reader })).status, 404)
  t.equal((await call(t, 'listEnterpriseEligibility', 'GET', `/v1/enterprises/${ent}/eligibility?explain=true`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listProgramEligibility', 'GET', `/v1/incentive-programs/${qiheCode}/eligibility?result=all&limit=5`, { headers: reader })).status, 200)
  t.equal((await call(t, 'listProgramEligibility', 'GET', `/v1/incentive-programs/OVERSEAS_TRADEMARK_SUPPORT/eligibility?result=all&format=csv&header=zh`, { headers: reader })).status, 200)
  t.equal((await call(t, 'previewEligibility', 'POST', '/v1/incentive-rules/evaluate', { headers: all, json: { uscc: ent, asOf: '2025-08-01', rules: { atLeast: 1, of: [{ kind: 'listed' }, { kind: 'noOpenCase', params: { minSeverity: 'serious' } }] } } })).status, 200)
  t.equal((await call(t, 'previewEligibility', 'POST', '/v1/incentive-rules/evaluate', { headers: all, json: { uscc: ent, rules: { allOf: [{ kind: 'hasActiveQualification', params: { types: ['NOPE'] } }] } } })).status, 400)
})

t.test('the proxy does report violations (so silence above means something)', async (t) => {
  const res = await fetch(`${PROXY}/v1/enterprises?view=everything`, { headers: reader })
  t.equal(res.status, 400)
  t.match(res.headers.get('sl-violations'), /view/, 'a request outside the contract is reported')
})

t.test('the workflow called every operation, with errors and 304s among the answers', async (t) => {
  t.same([...called.keys()].sort(), [...operationIds].sort(), 'every operation of the contract')
  const statuses = new Set([...called.values()].flatMap((s) => [...s]))
  for (const status of [200, 201, 304, 400, 401, 403, 404, 409, 412, 422]) t.ok(statuses.has(status), `a ${status} went through the proxy`)
})
