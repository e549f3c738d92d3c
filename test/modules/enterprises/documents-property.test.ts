// Property: whatever happens to an enterprise, and whenever it is asked, the answer from the stored
// document (used while fresh) equals the document computed from the tables at that moment. Random
// sequences of grants (with past or future validity), status changes (effective in the past or in
// the next seconds), enterprise changes and refreshes at random points; each checkpoint compares
// the two at several moments, from now to a year ahead, which exercises fresh_until without waiting.
//
//   DOCS_SEED=7 DOCS_RUNS=200 npx tap test/modules/enterprises/documents-property.test.ts
import fc from 'fast-check'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { certificateNo, createEnterprise, grant } from '../../helpers/fixtures.ts'
import { currentDocument, liveDocuments, refreshDocuments } from '../../../src/modules/enterprises/document-cache/index.ts'
import { bearer } from '../../helpers/app.ts'

const app = await build(t)
const seed = Number(process.env.DOCS_SEED ?? 20261126)
const numRuns = Number(process.env.DOCS_RUNS ?? (app.db.kind === 'postgres' ? 40 : 12))
const patcher = await bearer(['registry:read', 'registry:write'])
const changer = await bearer(['qualifications:write', 'registry:read', 'revocation:decide'])

const SECOND = 1000
const DAY = 86_400_000
/** Offsets from now, in ms: the past, and moments a checkpoint will look beyond. */
const offset = fc.constantFrom(-400 * DAY, -30 * DAY, -1 * DAY, 700, 1500, 2500, 40 * DAY)

type Op =
  | { kind: 'grant'; type: 'HAOPIN_SHANDONG_BRAND' | 'TAISHAN_QUALITY_CERT' | 'HIGH_TECH_ENTERPRISE'; from: number; until: number | null }
  | { kind: 'change'; which: number; to: 'suspended' | 'active' | 'revoked' | 'annulled' | 'withdrawn'; at: number }
  | { kind: 'patch'; stage: 'planned' | 'cultivating' | null; lists: boolean }
  | { kind: 'refresh' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('grant' as const),
    type: fc.constantFrom('HAOPIN_SHANDONG_BRAND' as const, 'TAISHAN_QUALITY_CERT' as const, 'HIGH_TECH_ENTERPRISE' as const),
    from: offset,
    until: fc.option(offset, { nil: null }),
  }) },
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant('change' as const),
    which: fc.nat(5),
    to: fc.constantFrom('suspended' as const, 'active' as const, 'revoked' as const, 'annulled' as const, 'withdrawn' as const),
    at: offset,
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('patch' as const), stage: fc.constantFrom('planned' as const, 'cultivating' as const, null), lists: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refresh' as const }) },
)

async function agree(uscc: string, label: string): Promise<string | null> {
  const now = Date.now()
  for (const ahead of [0, 1 * SECOND, 2 * SECOND, 3 * SECOND, 60 * DAY, 800 * DAY]) {
    const at = new Date(now + ahead)
    const served = await currentDocument(app.db, uscc, at)
    const live = (await liveDocuments(app.db, [uscc], at)).get(uscc)
    if (served?.doc !== live?.doc || served?.etag !== live?.etag) {
      return `${label}, asked ${ahead} ms ahead:\n  served ${served?.doc}\n  live   ${live?.doc}`
    }
  }
  return null
}

t.test('the stored document always answers as the tables do, at any moment it is used for', async (t) => {
  let checkpoints = 0
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 10 }), async (ops) => {
      const e = await createEnterprise(app)
      const granted: { id: string; lastEffective: number }[] = []
      for (const [i, o] of ops.entries()) {
        const now = Date.now()
        if (o.kind === 'grant') {
          const from = now + o.from
          const until = o.until === null ? null : Math.max(from + SECOND, now + o.until)
          const q = await grant(app, e.uscc, {
            type: o.type,
            certificateNo: o.type === 'HAOPIN_SHANDONG_BRAND' ? undefined : certificateNo(),
            grantedAt: new Date(Math.min(from, now - SECOND)).toISOString(),
            validFrom: new Date(from).toISOString(),
            validUntil: until === null ? null : new Date(until).toISOString(),
          })
          granted.push({ id: q.id, lastEffective: Math.min(from, now - SECOND) })
        } else if (o.kind === 'change' && granted.length > 0) {
          const q = granted[o.which % granted.length]!
          const effective = Math.max(q.lastEffective + 1, now + o.at)
          const res = await app.inject({
            method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: changer,
            payload: { to: o.to, reasonCode: 'property', reason: '测试', effectiveAt: new Date(effective).toISOString(), decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: '德市监〔2026〕9号' } },
          })
          if (res.statusCode === 201) q.lastEffective = effective
          else if (res.statusCode >= 500) throw new Error(`status change: ${res.statusCode} ${res.body}`)
        } else if (o.kind === 'patch') {
          const res = await app.inject({
            method: 'PATCH', url: `/v1/enterprises/${e.uscc}`, headers: { ...patcher, 'content-type': 'application/merge-patch+json' },
            payload: { cultivationStage: o.stage, cultivationLists: o.lists ? [{ list: 'INDUSTRIAL_TOP50', year: 2025 }] : [] },
          })
          if (res.statusCode !== 200) throw new Error(`patch: ${res.statusCode} ${res.body}`)
        } else if (o.kind === 'refresh') {
          await refreshDocuments(app.db, [e.uscc], new Date())
        }
        checkpoints++
        // As things are (stored or stale), and again once the document has been stored now.
        const problem = (await agree(e.uscc, `after operation ${i} (${o.kind})`)) ??
          (await refreshDocuments(app.db, [e.uscc], new Date()), await agree(e.uscc, `after operation ${i} (${o.kind}) and a refresh`))
        if (problem) throw new Error(problem)
      }
    }),
    { seed, numRuns, endOnFailure: true },
  )
  t.ok(checkpoints > numRuns, `${checkpoints} checkpoints agreed (seed ${seed}, ${numRuns} runs)`)
})
