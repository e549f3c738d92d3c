// The revocation register: each filter, the county at the event's effective time, back-dated
// entries, changes outside a case, knownAt pinned in the cursor, stats equal to the list, and the
// register's exports (CSV for Excel, NDJSON, reproducible bytes, the audit head).
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'
import { certificateNo, createEnterprise, grant, reader } from '../../helpers/fixtures.ts'
import { cellsOf, csvText } from '../../../src/lib/export.ts'
import { REVOCATION_COLUMNS } from '../../../src/modules/revocations/revocations.service.ts'

const app = await build(t, { EXPORT_SETTLE_SECONDS: '0' })
const read = await reader()
const audit = await bearer(['audit:read', 'registry:read'])
const tag = randomBytes(4).toString('hex')
const sub = `auditor-test-${tag}`
const revoker = await bearer(['qualifications:write', 'registry:read', 'revocation:decide'], { sub })
const otherRevoker = await bearer(['qualifications:write', 'registry:read', 'revocation:decide'], { sub: `${sub}-other` })

async function change(id: string, to: string, body: Record<string, unknown>, headers = revoker) {
  const res = await app.inject({ method: 'POST', url: `/v1/qualifications/${id}/status-changes`, headers, payload: { to, reasonCode: 'test_reason', reason: `测试：${to}`, decision: { authority: '测试机关', level: 'national' }, ...body } })
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`change failed: ${res.statusCode} ${res.body}`)
  return res.json()
}
const list = async (query: string, headers = read) => {
  const res = await app.inject({ method: 'GET', url: `/v1/revocations?actor=${sub}&${query}`, headers })
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json() as { knownAt: string; items: any[]; nextCursor: string | null }
}
const ids = (page: { items: any[] }) => page.items.map((i) => i.id).sort()

// The data: five changes by this test's actor, one by another actor.
const x = await createEnterprise(app, { uscc: newUscc('371402'), countyCode: '371402', name: `德州华源${tag}有限公司` })
const y = await createEnterprise(app, { uscc: newUscc('371428'), countyCode: '371428', name: `武城测试${tag}有限公司` })
const certA = certificateNo()
const qa = await grant(app, x.uscc, { certificateNo: certA, grantedAt: '2024-01-01T00:00:00.000Z' })
const qb = await grant(app, x.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, grantedAt: '2024-01-01T00:00:00.000Z', batch: '第二批' })
const qc = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
const qd = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
const qe = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })

// A: back-dated provincial revocation of x's certificate, with a reason that starts like a formula.
const docA = `鲁市监质发〔2025〕${tag}号`
await change(qa.id, 'revoked', {
  occurredAt: '2025-02-01T00:00:00+08:00', effectiveAt: '2025-03-01T00:00:00+08:00', reasonCode: 'quality_failure', reason: '=SUM(A1:A9) 抽查不合格',
  decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: docA, decidedAt: '2025-02-20T00:00:00+08:00' },
})
// x moves county; B (x's brand, revoked after the move, effective now) is in the new county.
await app.db.query(`UPDATE enterprise SET county_code = '371481' WHERE uscc = $1`, [x.uscc])
await change(qb.id, 'revoked', { effectiveAt: new Date().toISOString(), reasonCode: 'misuse', decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: `德市监〔2025〕${tag}号` } })
// C: a suspension; D: an annulment; E: revoked by someone else.
await change(qc.id, 'suspended', { effectiveAt: '2025-05-01T00:00:00+08:00', decision: { authority: '武城县市场监督管理局', level: 'county' } })
await change(qd.id, 'annulled', { effectiveAt: new Date().toISOString(), decision: { authority: '山东省市场监督管理局', level: 'province' } })
await change(qe.id, 'revoked', { effectiveAt: new Date().toISOString() }, otherRevoker)

// F: a revocation a supervision case decided (the case and its link written directly: the case workflow is another module's).
const caseId = randomUUID()
const qf = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
await app.db.query(
  `INSERT INTO supervision_case (id, case_no, uscc, county_code, source, topic, severity, title, state, state_since, opened_at)
   VALUES ($1, $2, $3, '371428', 'inspection', 'quality_below_standard', 'serious', '抽查不合格', 'open', now(), now())`,
  [caseId, `HPJG-371428-2025-${tag}`, y.uscc],
)
await app.db.query(
  `INSERT INTO supervision_event (case_id, seq, type, occurred_at, effective_at, recorded_at, to_state, authority, document_no, actor_sub)
   VALUES ($1, 1, 'revocation_referred', '2025-05-20T10:00:00+08:00', '2025-05-20T10:00:00+08:00', now(), 'open', '德州市市场监督管理局', '德市监函〔2025〕31号', $2)`,
  [caseId, sub],
)
await app.db.query(
  `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, reason_code, reason, effective_at, decision_authority, decision_level,
     decision_document_no, actor_sub, case_id, case_event_seq)
   VALUES ($1, 2, 'active', 'revoked', 'supervision_revocation', '省级监督抽查不合格', '2025-06-30T16:00:00Z', '山东省市场监督管理局', 'province', $2, $3, $4, 2)`,
  [qf.id, `鲁市监质发〔2025〕${tag}-2号`, sub, caseId],
)
const idOf = (q: Record<string, any>, seq = 2) => `${q.id}:${seq}`
const [A, B, C, D, E, F] = [idOf(qa), idOf(qb), idOf(qc), idOf(qd), idOf(qe), idOf(qf)]

t.test('the default register: revocations only, with provenance', async (t) => {
  const page = await list('')
  t.same(ids(page), [A, B, F].sort())
  const a = page.items.find((i) => i.id === A)
  t.match(a, {
    qualificationId: qa.id, seq: 2, uscc: x.uscc, enterpriseName: x.name, countyCode: '371402', countyName: '德城区', type: 'TAISHAN_QUALITY_CERT',
    certificateNo: certA, fromStatus: 'active', toStatus: 'revoked', reasonCode: 'quality_failure', occurredAt: '2025-01-31T16:00:00.000Z',
    effectiveAt: '2025-02-28T16:00:00.000Z', decidedAt: '2025-02-19T16:00:00.000Z',
    decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: docA }, viaCase: false, case: null,
    actor: { sub, county: null },
  })
  t.ok(a.recordingLagSeconds > 86400 * 30)
  const f = page.items.find((i) => i.id === F)
  t.match(f, { viaCase: true, case: { id: caseId, caseNo: `HPJG-371428-2025-${tag}`, referredAt: '2025-05-20T02:00:00.000Z', referralDocumentNo: '德市监函〔2025〕31号' } })
})

t.test('each filter', async (t) => {
  const cases: [string, string[]][] = [
    ['toStatus=suspended', [C]],
    ['toStatus=revoked,annulled,withdrawn,suspended', [A, B, C, D, F]],
    ['toStatus=annulled', [D]],
    ['countyCode=371402', [A]],
    ['countyCode=371481', [B]],
    ['countyCode=371428&toStatus=revoked,suspended,annulled', [C, D, F]],
    ['type=HAOPIN_SHANDONG_BRAND', [B]],
    ['type=HAOPIN_SHANDONG_BRAND,TAISHAN_QUALITY_CERT', [A, B, F]],
    [`uscc=${x.uscc.toLowerCase()}`, [A, B]],
    [`qualificationId=${qa.id}`, [A]],
    [`certificateNo=${certA}`, [A]],
    [`authority=${encodeURIComponent('山东省市场监督管理局')}`, [A, F]],
    [`authorityContains=${encodeURIComponent('德州市')}`, [B]],
    ['level=city', [B]],
    [`documentNo=${encodeURIComponent(docA)}`, [A]],
    ['reasonCode=misuse', [B]],
    ['effectiveFrom=2025-03-01&effectiveTo=2025-03-02', [A]],
    ['effectiveFrom=2025-06-01', [B, F]],
    [`recordedFrom=2020-01-01&recordedTo=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, [A, B, F]],
    ['recordedTo=2020-01-01', []],
    ['decidedFrom=2025-02-20&decidedTo=2025-02-21', [A]],
    ['occurredFrom=2025-01-01&occurredTo=2025-03-01', [A]],
    ['minRecordingLagHours=24', [A, F]],
    ['viaCase=false', [A, B]],
    ['viaCase=true', [F]],
    [`caseId=${caseId}`, [F]],
  ]
  for (const [query, expected] of cases) t.same(ids(await list(query)), [...expected].sort(), query)
  const other = await app.inject({ method: 'GET', url: `/v1/revocations?actor=${sub}-other`, headers: read })
  t.same(ids(other.json()), [E], 'actor')
})

t.test('county at the event\'s effective time: the move does not rewrite history', async (t) => {
  const a = (await list(`qualificationId=${qa.id}`)).items[0]
  t.equal(a.countyCode, '371402', 'x was in 德城区 when A took effect')
  const b = (await list(`qualificationId=${qb.id}`)).items[0]
  t.equal(b.countyCode, '371481', 'and in its new county when B took effect')
})

t.test('knownAt is pinned into the cursor; order by effective time', async (t) => {
  const first = await list('toStatus=revoked,annulled,withdrawn,suspended&limit=2&order=effective')
  t.equal(first.items.length, 2)
  t.ok(first.nextCursor)
  // A change recorded after the first page is not on later pages.
  const late = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
  await change(late.id, 'withdrawn', { effectiveAt: '2025-12-01T00:00:00+08:00' })
  const rest: any[] = []
  let cursor = first.nextCursor
  while (cursor) {
    const page = await list(`toStatus=revoked,annulled,withdrawn,suspended&limit=2&order=effective&cursor=${cursor}`)
    t.equal(page.knownAt, first.knownAt)
    rest.push(...page.items)
    cursor = page.nextCursor
  }
  const all = [...first.items, ...rest]
  t.same(all.map((i) => i.id).sort(), [A, B, C, D, F].sort())
  const times = all.map((i) => i.effectiveAt)
  t.same(times, [...times].sort(), 'ordered by effectiveAt')
  t.ok((await list('toStatus=withdrawn')).items.some((i) => i.id === idOf(late)), 'a fresh read sees it')
  const wrongOrder = await app.inject({ method: 'GET', url: `/v1/revocations?actor=${sub}&cursor=${first.nextCursor}`, headers: read })
  t.equal(wrongOrder.statusCode, 400, 'a cursor of another order')
})

t.test('audit position and hash match the chain', async (t) => {
  const a = (await list(`qualificationId=${qa.id}`)).items[0]
  t.ok(a.audit, 'chained')
  const entry = await app.inject({ method: 'GET', url: `/v1/audit-events?entityType=qualification_event&entityId=${encodeURIComponent(A)}`, headers: audit })
  const item = entry.json().items.find((i: any) => i.operation === 'qualification_event.create')
  t.same(a.audit, { seq: item.id, hash: item.hash })
})

t.test('stats: totals equal the list count, grouped by up to two dimensions', async (t) => {
  const statuses = 'toStatus=revoked,annulled,withdrawn,suspended'
  const all = await list(`${statuses}&limit=200`)
  for (const groupBy of ['', 'county', 'type', 'authority', 'level', 'effectiveMonth', 'recordedMonth', 'viaCase', 'county,viaCase', 'type,effectiveMonth']) {
    const res = await app.inject({ method: 'GET', url: `/v1/revocations/stats?actor=${sub}&${statuses}${groupBy ? `&groupBy=${groupBy}` : ''}`, headers: read })
    t.equal(res.statusCode, 200, res.body)
    const s = res.json()
    t.equal(s.total, all.items.length, `total (${groupBy || 'none'})`)
    t.equal(s.groups.reduce((n: number, g: any) => n + g.count, 0), s.total, `sum of groups (${groupBy || 'none'})`)
  }
  const byCounty = (await app.inject({ method: 'GET', url: `/v1/revocations/stats?actor=${sub}&groupBy=county`, headers: read })).json()
  t.same(byCounty.groups, [
    { county: '371402', countyName: '德城区', count: 1 },
    { county: '371428', countyName: '武城县', count: 1 },
    { county: '371481', countyName: '乐陵市', count: 1 },
  ])
  const twice = await app.inject({ method: 'GET', url: `/v1/revocations/stats?groupBy=county,county`, headers: read })
  t.equal(twice.statusCode, 400)
  const csv = await app.inject({ method: 'GET', url: `/v1/revocations/stats?actor=${sub}&groupBy=county&format=csv&header=zh`, headers: read })
  t.equal(csv.body, '\uFEFF县(市、区)代码,县(市、区),数量\r\n371402,德城区,1\r\n371428,武城县,1\r\n371481,乐陵市,1\r\n')
})

t.test('exports: CSV for Excel, NDJSON equal to the items, same bytes for the same knownAt, audit head', async (t) => {
  // After every write above has committed (a moment 500 ms back could precede them on a fast machine).
  const knownAt = new Date().toISOString()
  const query = `actor=${sub}&toStatus=revoked,annulled,suspended&knownAt=${encodeURIComponent(knownAt)}`
  const json = await app.inject({ method: 'GET', url: `/v1/revocations?${query}&limit=200`, headers: read })
  const nd = await app.inject({ method: 'GET', url: `/v1/revocations?${query}`, headers: { ...read, accept: 'application/x-ndjson' } })
  t.equal(nd.statusCode, 200)
  t.same(nd.body.trimEnd().split('\n').map((l) => JSON.parse(l)), json.json().items, 'NDJSON lines are the JSON items')

  const csvUrl = `/v1/revocations?${query}&format=csv&header=zh`
  const first = await app.inject({ method: 'GET', url: csvUrl, headers: read })
  t.equal(first.statusCode, 200)
  t.same([...first.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM')
  const text = first.rawPayload.subarray(3).toString('utf8')
  t.match(text.split('\r\n')[0], /^记录编号,资质编号,序号,统一社会信用代码,企业名称,县\(市、区\)代码,县\(市、区\),资格类型代码,资格类型,证书编号,批次,原状态,新状态,原因代码,原因,问题发生时间,生效时间,决定时间,登记时间/)
  t.match(text, /,'=SUM\(A1:A9\) 抽查不合格,/, 'a reason starting with = is escaped')
  t.equal(first.headers['registry-known-at'], knownAt)

  const verify = await app.inject({ method: 'GET', url: '/v1/audit-events/verify', headers: audit })
  const head = verify.json().head
  t.equal(first.headers['registry-audit-head'], `${head.id}:${head.hash}`, 'the audit head header is the chain head')

  // Something new is recorded; the export with the same knownAt is the same file.
  const later = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
  await change(later.id, 'revoked', { effectiveAt: '2025-01-01T00:00:00+08:00' })
  const again = await app.inject({ method: 'GET', url: csvUrl, headers: read })
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
  t.equal(sha(again.rawPayload), sha(first.rawPayload), 'same SHA-256')
  t.not(again.headers['registry-audit-head'], first.headers['registry-audit-head'], 'while the chain moved on')

  const shanghai = await app.inject({ method: 'GET', url: `/v1/revocations?actor=${sub}&qualificationId=${qa.id}&format=csv&timeZone=Asia/Shanghai`, headers: read })
  t.match(shanghai.body, /,2025-03-01T00:00:00\.000\+08:00,/)

  // LibreOffice opens the file (when it is installed here).
  const soffice = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).stdout.trim()
  if (!soffice) {
    t.comment('soffice not installed: skipping the LibreOffice check')
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'register-'))
    writeFileSync(join(dir, 'register.csv'), first.rawPayload)
    execFileSync(soffice, ['--headless', `-env:UserInstallation=file://${dir}/profile`, '--infilter=CSV:44,34,76,1', '--convert-to', 'xlsx', '--outdir', dir, join(dir, 'register.csv')], { timeout: 120_000 })
    execFileSync(soffice, ['--headless', `-env:UserInstallation=file://${dir}/profile`, '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1', '--outdir', join(dir, 'back'), join(dir, 'register.xlsx')], { timeout: 120_000 })
    const back = readFileSync(join(dir, 'back', 'register.csv'), 'utf8')
    t.match(back, /统一社会信用代码/, 'the Chinese header survives a round trip through LibreOffice')
    t.match(back, /'?=SUM\(A1:A9\) 抽查不合格/, 'the reason is text, not a formula')
  }
})

t.test('CSV cells selected in SQL equal the JSON items\' fields, in the column order (every status, with and without a case)', async (t) => {
  const knownAt = new Date().toISOString()
  const query = `actor=${sub}&toStatus=revoked,annulled,withdrawn,suspended&knownAt=${encodeURIComponent(knownAt)}`
  const items = (await app.inject({ method: 'GET', url: `/v1/revocations?${query}&limit=200`, headers: read })).json().items
  t.ok(items.some((i: { viaCase: boolean }) => i.viaCase) && items.some((i: { viaCase: boolean }) => !i.viaCase), 'both kinds are compared')
  for (const [header, timeZone] of [['en', 'UTC'], ['zh', 'Asia/Shanghai']] as const) {
    const csv = await app.inject({ method: 'GET', url: `/v1/revocations?${query}&format=csv&header=${header}&timeZone=${timeZone}`, headers: read })
    t.equal(csv.body, csvText(cellsOf(items, REVOCATION_COLUMNS), REVOCATION_COLUMNS, { header, timeZone }, true), `${header}, ${timeZone}`)
  }
})

t.test('validation', async (t) => {
  for (const q of ['toStatus=active', 'countyCode=12', 'groupBy=county', 'uscc=123', 'order=x', 'minRecordingLagHours=-1']) {
    const res = await app.inject({ method: 'GET', url: `/v1/revocations?${q}`, headers: read })
    t.equal(res.statusCode, 400, q)
  }
  const noScope = await app.inject({ method: 'GET', url: '/v1/revocations', headers: await bearer(['audit:read']) })
  t.equal(noScope.statusCode, 403)
})

t.test('a change read right after it is written carries its final chain position (the page seals what it shows)', async (t) => {
  // No background sealer in tests (AUDIT_SEAL_INTERVAL_MS=0): the entry is pending until a read chains it.
  const qg = await grant(app, y.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
  await change(qg.id, 'withdrawn', { effectiveAt: new Date().toISOString() }, otherRevoker)
  const [pending] = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_pending p JOIN audit_event a ON a.id = p.event_id WHERE a.entity_id = $1`, [idOf(qg)])
  t.equal(pending!.n, 1, 'the entry is pending before the read')
  const res = await app.inject({ method: 'GET', url: `/v1/revocations?qualificationId=${qg.id}&toStatus=withdrawn`, headers: read })
  const [item] = res.json().items
  t.ok(item.audit, 'chained before the page was answered')
  const entry = await app.inject({ method: 'GET', url: `/v1/audit-events?entityType=qualification_event&entityId=${encodeURIComponent(idOf(qg))}`, headers: audit })
  const chained = entry.json().items.find((i: any) => i.operation === 'qualification_event.create')
  t.same(item.audit, { seq: chained.id, hash: chained.hash })
})
