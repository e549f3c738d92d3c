// A registry history spanning 2020–2026 for the target metrics, written straight into a database of
// its own (so every figure is exact): enterprises with their county history, qualifications with
// their grant, validity, renewals and later changes, each with the time it was recorded.
import { randomUUID } from 'node:crypto'
import type { Database } from '../../../src/db/client.ts'
import { newUscc } from '../../helpers/app.ts'

/** Midnight in Dezhou on a date. */
export const day = (date: string) => new Date(`${date}T00:00:00+08:00`)

interface Change {
  to: 'suspended' | 'revoked' | 'annulled' | 'withdrawn' | 'active'
  effective: string
  recorded: string
}

export interface GrantSpec {
  type: string
  granted: string
  until?: string | null
  renews?: string
  /** Recorded two days after the grant unless given. */
  recorded?: string
  changes?: Change[]
}

export class History {
  constructor(readonly db: Database) {}

  /** An enterprise with its counties over time: [county, recorded from] (the first stands for the time before). */
  async enterprise(name: string, counties: [string, string][]): Promise<string> {
    const uscc = newUscc()
    const last = counties[counties.length - 1]![0]
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO enterprise (uscc, name, county_code, created_at) VALUES ($1, $2, $3, $4)`, [uscc, name, last, day(counties[0]![1])])
      for (const [i, [county, from]] of counties.entries()) {
        await tx.query(
          `INSERT INTO enterprise_version (uscc, version, recorded_at, name, county_code, business_status) VALUES ($1, $2, $3, $4, $5, 'operating')`,
          [uscc, i + 1, day(from), name, county],
        )
      }
    })
    return uscc
  }

  async grant(uscc: string, g: GrantSpec): Promise<string> {
    const id = randomUUID()
    const recorded = g.recorded ? day(g.recorded) : new Date(day(g.granted).getTime() + 2 * 86_400_000)
    const certificate = ['TAISHAN_QUALITY_CERT', 'HIGH_TECH_ENTERPRISE', 'ENTERPRISE_STANDARD', 'GROUP_STANDARD'].includes(g.type) ? `FX-${id.slice(0, 8)}` : null
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO qualification (id, uscc, type_code, certificate_no, issuer, issuer_level, granted_at, valid_from, valid_until, renews_id, recorded_at)
         VALUES ($1, $2, $3, $4, '山东省人民政府', 'province', $5, $5, $6, $7, $8)`,
        [id, uscc, g.type, certificate, day(g.granted), g.until ? day(g.until) : null, g.renews ?? null, recorded],
      )
      const events = [{ to: 'active', effective: g.granted, recordedAt: recorded }, ...(g.changes ?? []).map((c) => ({ to: c.to, effective: c.effective, recordedAt: day(c.recorded) }))]
      for (const [i, e] of events.entries()) {
        await tx.query(
          `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, reason_code, effective_at, recorded_at, actor_sub)
           VALUES ($1, $2, $3::"QualificationStatus", $4::"QualificationStatus", 'fixture', $5, $6, 'fixture')`,
          [id, i + 1, i === 0 ? null : events[i - 1]!.to, e.to, day(e.effective), e.recordedAt],
        )
      }
    })
    return id
  }
}

/** The history the progress tests read; figures at each date are worked out in progress.test.ts. */
export async function seedHistory(db: Database) {
  const h = new History(db)
  const e1 = await h.enterprise('德州恒瑞机械制造有限公司', [['371402', '2019-01-01']])
  const ht1 = await h.grant(e1, { type: 'HIGH_TECH_ENTERPRISE', granted: '2020-03-01', until: '2023-03-01' })
  await h.grant(e1, { type: 'HIGH_TECH_ENTERPRISE', granted: '2023-03-01', until: '2026-03-01', renews: ht1 })
  await h.grant(e1, { type: 'GOVERNOR_QUALITY_AWARD', granted: '2022-05-01' })

  const e2 = await h.enterprise('陵城区鑫源纺织有限公司', [['371403', '2019-01-01']])
  const revoked = await h.grant(e2, { type: 'HIGH_TECH_ENTERPRISE', granted: '2022-01-10', until: '2025-01-10', changes: [{ to: 'revoked', effective: '2024-06-01', recorded: '2024-09-01' }] })
  await h.grant(e2, { type: 'MANUFACTURING_SINGLE_CHAMPION', granted: '2022-06-01', until: '2025-06-01' })

  // Moved from 齐河县 to 德城区, recorded 2023-07-01.
  const e3 = await h.enterprise('齐河华宇新材料科技有限公司', [['371425', '2019-01-01'], ['371402', '2023-07-01']])
  await h.grant(e3, { type: 'HIGH_TECH_ENTERPRISE', granted: '2021-10-01', until: '2024-10-01' })
  await h.grant(e3, { type: 'QUALITY_BENCHMARK', granted: '2023-02-01' })
  await h.grant(e3, { type: 'MANUFACTURING_SINGLE_CHAMPION', granted: '2024-02-01', until: '2027-02-01' })

  // Recorded under 371421 陵县, retired in 2014: counts in 陵城区.
  const e4 = await h.enterprise('陵县泰瑞食品有限公司', [['371421', '2019-01-01']])
  await h.grant(e4, { type: 'HIGH_END_BRAND_CULTIVATION', granted: '2021-12-01', until: '2024-12-01' })
  await h.grant(e4, { type: 'TAISHAN_QUALITY_CERT', granted: '2022-03-01', until: '2025-03-01' })
  await h.grant(e4, { type: 'TAISHAN_QUALITY_CERT', granted: '2024-05-01', until: '2027-05-01' })

  const e5 = await h.enterprise('禹城宏达生物科技有限公司', [['371482', '2019-01-01']])
  await h.grant(e5, { type: 'GOVERNOR_QUALITY_AWARD', granted: '2023-08-01', changes: [{ to: 'annulled', effective: '2024-01-01', recorded: '2024-01-05' }] })
  await h.grant(e5, { type: 'MANUFACTURING_SINGLE_CHAMPION', granted: '2019-05-01', until: '2022-05-01' })
  await h.grant(e5, { type: 'QUALITY_BENCHMARK', granted: '2023-05-01' })

  const e6 = await h.enterprise('临邑县博通化工有限公司', [['371424', '2019-01-01']])
  await h.grant(e6, { type: 'ENTERPRISE_STANDARD', granted: '2022-02-01' })
  await h.grant(e6, { type: 'ENTERPRISE_STANDARD', granted: '2025-03-01' })
  await h.grant(e6, { type: 'GROUP_STANDARD', granted: '2020-06-01' })
  await h.grant(e6, { type: 'ENTERPRISE_STANDARD', granted: '2023-03-01', changes: [{ to: 'annulled', effective: '2023-04-01', recorded: '2023-04-02' }] })
  await h.grant(e6, { type: 'GROUP_STANDARD', granted: '2023-09-01', changes: [{ to: 'withdrawn', effective: '2024-01-01', recorded: '2024-01-02' }] })
  await h.grant(e6, { type: 'HAOPIN_SHANDONG_BRAND', granted: '2022-11-01' })
  await h.grant(e6, { type: 'ALL_STAFF_INNOVATION', granted: '2022-07-01', changes: [{ to: 'suspended', effective: '2024-03-01', recorded: '2024-03-02' }] })

  const e7 = await h.enterprise('德州金源调味品有限公司', [['371402', '2019-01-01']])
  const t0 = await h.grant(e7, { type: 'TAISHAN_QUALITY_CERT', granted: '2020-05-01', until: '2023-05-01' })
  await h.grant(e7, { type: 'TAISHAN_QUALITY_CERT', granted: '2023-05-01', until: '2026-05-01', renews: t0 })
  await h.grant(e7, { type: 'HAOPIN_SHANDONG_BRAND', granted: '2021-03-01' })

  const e8 = await h.enterprise('平原县安康医药有限公司', [['371426', '2019-01-01']])
  await h.grant(e8, { type: 'ENTERPRISE_STANDARD', granted: '2026-02-01', recorded: '2026-02-03' })
  await h.grant(e8, { type: 'HIGH_TECH_ENTERPRISE', granted: '2025-11-01', until: '2028-11-01' })

  return { e1, e2, e3, e4, e5, e6, e7, e8, revoked }
}
