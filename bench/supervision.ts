// The supervision case target of npm run bench: each connection runs cases through their workflow
// one after the other — a brand listing granted (setup, not timed), then the case opened, an
// interview scheduled and held, the listing referred to the province and the province's decision
// revoking it (each timed). A case's events depend on the one before, so this is a closed loop of fetch calls,
// not wrk/autocannon: the figures are case events per second and each event type's latency.
import { withClient } from './dataset.ts'
import { cpuMsOf } from './processes.ts'

export interface CaseFlowResult {
  connections: number
  durationS: number
  /** Cases that went through all four events. */
  cases: number
  /** Case events answered 201 (open, interview scheduled and held, referral, decision). */
  events: number
  eventsPerS: number
  /** Latency by step, ms. */
  latency: Record<(typeof STEPS)[number], { p50: number; p99: number }>
  /** Answers other than 201, by step and status. */
  errors: Record<string, number>
  /** CPU of the registry's node process, ms per case event. */
  nodeCpuMsPerEvent: number | null
}

const STEPS = ['open', 'interview', 'held', 'referral', 'decision'] as const

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0)

/** Enterprises of the dataset to open cases on, spread over the counties. */
async function sampleEnterprises(databaseUrl: string, n: number): Promise<string[]> {
  return withClient(databaseUrl, async (c) =>
    (await c.query('SELECT uscc FROM enterprise TABLESAMPLE SYSTEM (10) LIMIT $1', [n])).rows.map((r) => r.uscc as string),
  )
}

export async function runCaseFlow(o: { baseUrl: string; token: string; pid: number; databaseUrl: string; connections: number; durationS: number; tag: string }): Promise<CaseFlowResult> {
  const usccs = await sampleEnterprises(o.databaseUrl, 5_000)
  if (usccs.length === 0) throw new Error('no enterprises to open cases on')
  const headers = { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' }
  const timings: Record<(typeof STEPS)[number], number[]> = { open: [], interview: [], held: [], referral: [], decision: [] }
  const errors: Record<string, number> = {}
  let cases = 0
  let next = 0
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${o.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
    return { status: res.status, json: (await res.json()) as Record<string, any> }
  }
  const timed = async (step: (typeof STEPS)[number], path: string, body: unknown) => {
    const t0 = performance.now()
    const res = await post(path, body)
    if (res.status === 201) timings[step].push(performance.now() - t0)
    else errors[`${step} ${res.status}`] = (errors[`${step} ${res.status}`] ?? 0) + 1
    return res
  }
  const deadline = performance.now() + o.durationS * 1000
  const cpu0 = cpuMsOf(o.pid)
  async function worker() {
    while (performance.now() < deadline) {
      const uscc = usccs[next++ % usccs.length]!
      const listing = await post(`/v1/enterprises/${uscc}/qualifications`, { type: 'HAOPIN_SHANDONG_BRAND', title: '基准测试品牌', issuer: '山东省人民政府', issuerLevel: 'province', grantedAt: '2024-01-01' })
      if (listing.status !== 201) {
        errors[`grant ${listing.status}`] = (errors[`grant ${listing.status}`] ?? 0) + 1
        continue
      }
      const qid = listing.json.id as string
      const opened = await timed('open', '/v1/supervision-cases', {
        uscc, source: 'inspection', topic: 'quality_below_standard', severity: 'serious', title: '省级监督抽查不合格',
        findings: '基准测试：产品质量监督抽查不合格', occurredAt: '2025-03-12T09:00:00+08:00', problemOccurredAt: '2025-03-10', qualificationIds: [qid],
      })
      if (opened.status !== 201) continue
      const events = `/v1/supervision-cases/${opened.json.id}/events`
      if ((await timed('interview', events, { type: 'interview_scheduled', occurredAt: '2025-04-01T09:00:00+08:00', payload: { scheduledFor: '2025-04-08T09:30:00+08:00', place: '德州市市场监督管理局三楼会议室', interviewers: ['张明'] } })).status !== 201) continue
      if ((await timed('held', events, { type: 'interview_held', occurredAt: '2025-04-08T11:00:00+08:00', payload: { attendees: { officials: ['张明'], enterprise: ['李华（总经理）'] }, findings: '原料把关不严', rectificationRequired: false } })).status !== 201) continue
      if ((await timed('referral', events, { type: 'revocation_referred', occurredAt: '2025-05-20T10:00:00+08:00', documentNo: '德市监函〔2025〕31号', payload: { grounds: '省级监督抽查不合格，整改不到位', qualificationIds: [qid] } })).status !== 201) continue
      const decided = await timed('decision', events, {
        type: 'province_decision', occurredAt: '2025-06-20T10:00:00+08:00', documentNo: '鲁市监质发〔2025〕12号',
        payload: { authority: '山东省市场监督管理局', level: 'province', effectiveAt: '2025-07-01', outcomes: [{ qualificationId: qid, outcome: 'revoked' }] },
      })
      if (decided.status === 201) cases++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: o.connections }, () => worker()))
  const elapsedS = (performance.now() - started) / 1000
  const cpu1 = cpuMsOf(o.pid)
  const events = STEPS.reduce((n, s) => n + timings[s].length, 0)
  const latency = Object.fromEntries(STEPS.map((s) => {
    const sorted = [...timings[s]].sort((a, b) => a - b)
    return [s, { p50: Math.round(quantile(sorted, 0.5) * 100) / 100, p99: Math.round(quantile(sorted, 0.99) * 100) / 100 }]
  })) as CaseFlowResult['latency']
  return {
    connections: o.connections,
    durationS: Math.round(elapsedS * 10) / 10,
    cases,
    events,
    eventsPerS: Math.round(events / elapsedS),
    latency,
    errors,
    nodeCpuMsPerEvent: cpu0 !== null && cpu1 !== null && events > 0 ? Math.round(((cpu1 - cpu0) / events) * 100) / 100 : null,
  }
}
