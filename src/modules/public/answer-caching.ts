// Cache validators for public verification answers, so a CDN can serve the QR-code traffic: a weak
// ETag of what the answer says (a statement's id and timestamp differ on every request, its content
// does not), and a max-age that ends no later than the answer's next change by time alone (a
// validity starting or ending) and never later than the configured bound, which is how late a
// cache may learn of a decision recorded meanwhile.
import { createHash } from 'node:crypto'
import type { StatementDto } from './public.schemas.ts'

export type AnswerFormat = 'json' | 'jws' | 'html'

export function answerEtag(statement: StatementDto, format: AnswerFormat): string {
  const { subject, status, enterprise, qualifications } = statement
  // Key order is the SQL's (json_build_object), the same on the stored and the live path.
  const digest = createHash('sha256').update(`${format}\n${JSON.stringify([subject, status, enterprise, qualifications])}`).digest('base64url')
  return `W/"${digest.slice(0, 27)}"`
}

/** Seconds a cache may keep the answer: up to `maxSeconds`, and not past its next change by time alone. */
export function answerMaxAge(statement: StatementDto, maxSeconds: number): number {
  const asOf = Date.parse(statement.asOf)
  let next = asOf + maxSeconds * 1000
  for (const q of statement.qualifications) {
    for (const at of [q.validFrom, q.validUntil]) {
      const t = at ? Date.parse(at) : Number.NaN
      if (t > asOf && t < next) next = t
    }
  }
  return Math.max(0, Math.floor((next - asOf) / 1000))
}

export function cacheControl(statement: StatementDto, maxSeconds: number): string {
  const maxAge = answerMaxAge(statement, maxSeconds)
  return maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache'
}
