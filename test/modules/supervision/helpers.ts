// Supervision test helpers: tokens of the usual holders, a case opened through the API, events.
import type { FastifyInstance } from 'fastify'
import { bearer } from '../../helpers/app.ts'
import { grant } from '../../helpers/fixtures.ts'

export const city = () => bearer(['supervision:read', 'supervision:write', 'registry:read'], { sub: 'city-market-regulation' })
export const cityDecider = () => bearer(['supervision:read', 'supervision:write', 'revocation:decide', 'registry:read'], { sub: 'city-market-regulation' })
export const county = (code = '371402') => bearer(['supervision:read', 'supervision:write', 'registry:read'], { sub: `county-${code}`, county: code })
export const countyDecider = (code = '371402') => bearer(['supervision:read', 'supervision:write', 'revocation:decide'], { sub: `county-${code}`, county: code })

export function openBody(uscc: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uscc,
    source: 'inspection',
    topic: 'quality_below_standard',
    severity: 'serious',
    title: '省级监督抽查不合格',
    findings: '有机小米（批号20250301）重金属镉含量不合格',
    occurredAt: '2025-03-12T09:00:00+08:00',
    problemOccurredAt: '2025-03-10',
    ...overrides,
  }
}

export async function openCase(app: FastifyInstance, uscc: string, overrides: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Record<string, any>> {
  const res = await app.inject({ method: 'POST', url: '/v1/supervision-cases', headers: headers ?? (await city()), payload: openBody(uscc, overrides) })
  if (res.statusCode !== 201) throw new Error(`open failed: ${res.statusCode} ${res.body}`)
  return { ...res.json(), etag: res.headers.etag }
}

export async function record(app: FastifyInstance, id: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  return app.inject({ method: 'POST', url: `/v1/supervision-cases/${id}/events`, headers: headers ?? (await cityDecider()), payload: body })
}

export const referral = (qualificationIds: string[], occurredAt = '2025-05-20T10:00:00+08:00') => ({
  type: 'revocation_referred', occurredAt, documentNo: '德市监函〔2025〕31号',
  authority: { name: '德州市市场监督管理局', level: 'city' },
  payload: { to: { authority: '山东省市场监督管理局', level: 'province' }, grounds: '省级监督抽查不合格，整改不到位', qualificationIds },
})

export const decision = (outcomes: { qualificationId: string; outcome: string }[], occurredAt = '2025-06-20T10:00:00+08:00', effectiveAt = '2025-07-01') => ({
  type: 'province_decision', occurredAt, documentNo: '鲁市监质发〔2025〕12号',
  payload: { authority: '山东省市场监督管理局', level: 'province', effectiveAt, outcomes },
})

/** An enterprise's brand listings granted in 2024, through the API. */
export async function listings(app: FastifyInstance, uscc: string, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push((await grant(app, uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })).id)
  return ids
}
