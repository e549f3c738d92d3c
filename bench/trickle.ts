// A steady trickle of registry writes through the API, run alongside a read load: county systems
// write all day, so a read that reuses counts must be measured while they do. Grants of the types
// the 2025 targets count, and suspensions / reinstatements of qualifications of those types, one
// request at a time at a fixed rate.
import { withClient } from './dataset.ts'

/** Types counted by the seeded targets (activeAt, newlyGranted and the listing indicator). */
export const TARGET_TYPES = ['HIGH_TECH_ENTERPRISE', 'TAISHAN_QUALITY_CERT', 'HIGH_END_BRAND_CULTIVATION', 'ALL_STAFF_INNOVATION',
  'ENTERPRISE_STANDARD', 'GROUP_STANDARD', 'QUALITY_BENCHMARK', 'MANUFACTURING_SINGLE_CHAMPION', 'HAOPIN_SHANDONG_BRAND']

export interface TrickleResult {
  writes: number
  durationS: number
  writesPerS: number
  statuses: Record<string, number>
  p50Ms: number
  p99Ms: number
}

export interface Trickle {
  stop(): Promise<TrickleResult>
}

/** Active qualifications of the target types, to suspend and reinstate. */
export async function sampleTargetQualifications(url: string, n: number): Promise<string[]> {
  return withClient(url, async (c) =>
    (await c.query(
      `SELECT id FROM qualification WHERE type_code = ANY ($2::text[]) AND status = 'active' AND valid_from <= now()
         AND (valid_until IS NULL OR valid_until > now() + INTERVAL '1 day')
       ORDER BY random() LIMIT $1`,
      [n, TARGET_TYPES],
    )).rows.map((r) => r.id as string))
}

/** Starts writing `ratePerS` requests per second until stopped. */
export function startTrickle(o: { baseUrl: string; token: string; usccs: string[]; qualificationIds: string[]; ratePerS: number; tag: string }): Trickle {
  const started = performance.now()
  const statuses: Record<string, number> = {}
  const latencies: number[] = []
  let stopped = false
  let n = 0
  // Each qualification is suspended, then reinstated on its next turn.
  const suspended = new Set<string>()
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!
  async function one() {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
    let path: string
    let body: unknown
    if (n % 2 === 0) {
      path = `/v1/enterprises/${pick(o.usccs)}/qualifications`
      body = {
        type: TARGET_TYPES[(n / 2) % TARGET_TYPES.length],
        certificateNo: `TRICKLE-${o.tag}-${n}`,
        grantedAt: now,
        title: `压测授予 ${n}`,
        issuer: '山东省市场监督管理局',
        issuerLevel: 'province',
      }
    } else {
      const id = o.qualificationIds[Math.floor(n / 2) % o.qualificationIds.length]!
      const reinstate = suspended.has(id)
      path = `/v1/qualifications/${id}/status-changes`
      body = {
        to: reinstate ? 'active' : 'suspended',
        reasonCode: reinstate ? 'rectified' : 'inspection_failed',
        reason: reinstate ? '整改验收合格，恢复' : '监督抽查不合格',
        effectiveAt: now,
        decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: `德市监〔2026〕T${n}号`, decidedAt: now },
      }
      if (reinstate) suspended.delete(id)
      else suspended.add(id)
    }
    n++
    const t0 = performance.now()
    try {
      const res = await fetch(o.baseUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      await res.arrayBuffer()
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
    } catch {
      statuses.error = (statuses.error ?? 0) + 1
    }
    latencies.push(performance.now() - t0)
  }
  const loop = (async () => {
    const interval = 1000 / o.ratePerS
    let due = performance.now()
    while (!stopped) {
      await one()
      due += interval
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  })()
  return {
    async stop() {
      stopped = true
      await loop
      const durationS = (performance.now() - started) / 1000
      const sorted = [...latencies].sort((a, b) => a - b)
      const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0)
      return { writes: latencies.length, durationS, writesPerS: latencies.length / durationS, statuses, p50Ms: q(0.5), p99Ms: q(0.99) }
    },
  }
}
