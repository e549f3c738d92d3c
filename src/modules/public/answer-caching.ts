// Cache validators for public verification answers, so a CDN can serve the QR-code traffic: a weak
// ETag of what the answer says (a statement's id and timestamp differ on every request, its content
// does not), and a max-age that ends no later than the answer's next change by time alone (a
// validity starting or ending) and never later than the configured bound, which is how late a
// cache may learn of a decision recorded meanwhile.
import { createHash } from 'node:crypto'
import type { StatementDto } from './public.schemas.ts'

export type AnswerFormat = 'json' | 'jws' | 'html'

/**
 * What an answer says, as the ETag sees it: the subject, the status, and `body`, the text of the
 * enterprise and qualifications exactly as the database wrote it (`null` when nothing was found).
 * The stored and the live answer about an enterprise come from the same SQL, so the same content
 * has the same text, and neither path has to parse the document to tag it.
 */
export interface AnswerContent {
  subject: StatementDto['subject']
  status: string
  body: string
}

export function answerEtag(content: AnswerContent, format: AnswerFormat): string {
  const digest = createHash('sha256').update(`${format}\n${JSON.stringify(content.subject)}\n${content.status}\n`).update(content.body).digest('base64url')
  return `W/"${digest.slice(0, 27)}"`
}

/** The first moment after asOf at which time alone changes the statement (a validity boundary), or null. */
export function nextChangeOf(statement: StatementDto): number | null {
  const asOf = Date.parse(statement.asOf)
  let next: number | null = null
  for (const q of statement.qualifications) {
    for (const at of [q.validFrom, q.validUntil]) {
      const t = at ? Date.parse(at) : Number.NaN
      if (t > asOf && (next === null || t < next)) next = t
    }
  }
  return next
}

/** Seconds a cache may keep an answer about `asOf` that next changes at `next` (ms, null: not by time): up to `maxSeconds`. */
export function maxAgeUntil(asOf: string, next: number | null, maxSeconds: number): number {
  const from = Date.parse(asOf)
  const end = next === null ? from + maxSeconds * 1000 : Math.min(next, from + maxSeconds * 1000)
  return Math.max(0, Math.floor((end - from) / 1000))
}

/** The Cache-Control of an answer a cache may keep `maxAge` seconds. */
export function cacheControl(maxAge: number): string {
  return maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache'
}
