// The referral hold (design §3.6), for the status-change path: a qualification in a pending
// referral to the province may end only by that case's decision.
import type { Queryable } from '../../db/client.ts'

/** The case whose pending referral holds the qualification, if any. */
export async function pendingReferralOf(tx: Queryable, qualificationId: string): Promise<{ caseId: string; caseNo: string } | null> {
  const [row] = await tx.query<{ case_id: string; case_no: string }>(
    `SELECT c.id::text AS case_id, c.case_no FROM supervision_case_qualification scq JOIN supervision_case c ON c.id = scq.case_id
     WHERE scq.qualification_id = $1::uuid AND scq.in_referral`,
    [qualificationId],
    'supervision_referral_hold',
  )
  return row ? { caseId: row.case_id, caseNo: row.case_no } : null
}
