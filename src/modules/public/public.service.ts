// Public verification: answers from live data, fails closed (`unknown` for anything the registry
// does not hold, never a guess), and can be signed so that whoever receives it can check it later.
import { randomUUID } from 'node:crypto'
import type { ServiceDeps } from '../../lib/deps.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { problems, type FieldError } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { checkUscc } from '../../lib/uscc.ts'
import * as repo from './public.repository.ts'
import type { ShowcaseQueryInput, StatementDto, VerifyQueryInput } from './public.schemas.ts'
import type { StatementSigner } from './statement-key.ts'
import { nextChangeOf, type AnswerContent } from './answer-caching.ts'

/**
 * A verification answer: the statement (as an object, or as its JSON text), what its ETag is taken
 * of, the moment it describes and its next change by time alone (ms since the epoch; null when none
 * is due), which bound how long a cache may keep it.
 */
export type VerifiedAnswer = { content: AnswerContent; asOf: string; nextChange: number | null } & ({ statement: StatementDto } | { json: string })

/** Who makes the statements (the `iss` of every statement). */
export const STATEMENT_ISSUER = 'urn:haopin-registry:dezhou'

/** Exactly one subject: uscc, or certificateNo with type. */
function subjectOf(q: VerifyQueryInput): { uscc: string } | { type: string; certificateNo: string } {
  const errors: FieldError[] = []
  if (q.uscc !== undefined) {
    if (q.certificateNo !== undefined || q.type !== undefined) {
      errors.push({ in: 'query', pointer: '/uscc', message: 'ask about an enterprise (uscc) or a certificate (certificateNo and type), not both' })
    } else {
      const checked = checkUscc(q.uscc)
      if (checked.valid) return { uscc: checked.uscc }
      errors.push({ in: 'query', pointer: '/uscc', message: `is not a valid 统一社会信用代码: ${checked.message}`, ...(checked.expected ? { expected: checked.expected } : {}) } as FieldError)
    }
  } else if (q.certificateNo !== undefined && q.type !== undefined) {
    return { type: q.type, certificateNo: q.certificateNo }
  } else if (q.certificateNo !== undefined) {
    errors.push({ in: 'query', pointer: '/type', message: 'is required with certificateNo (the certificate\'s qualification type)' })
  } else if (q.type !== undefined) {
    errors.push({ in: 'query', pointer: '/certificateNo', message: 'is required with type' })
  } else {
    errors.push({ in: 'query', pointer: '/uscc', message: 'give uscc, or certificateNo and type' })
  }
  throw problems.validation(errors)
}

export function createPublicService({ db, clock }: ServiceDeps, signer: StatementSigner) {
  return {
    /**
     * The statement with what its cache validators are taken of. When an enterprise is asked about
     * "now" and its stored public document is fresh, the statement is the JSON text itself, spliced
     * around that document in the schema's field order, which saves parsing and re-serialising it on
     * the hottest public path; otherwise it is an object to serialise.
     */
    async verify(query: VerifyQueryInput): Promise<VerifiedAnswer> {
      const subject = subjectOf(query)
      const asOf = instant(query.asOf, 'query', '/asOf') ?? null
      if ('uscc' in subject && asOf === null) {
        const stored = await repo.storedAnswerForEnterprise(db, subject.uscc)
        if (stored) {
          const head = JSON.stringify({
            statementId: randomUUID(),
            iss: STATEMENT_ISSUER,
            iat: Math.floor(clock.now().getTime() / 1000),
            asOf: stored.asOf,
            subject,
            status: stored.brandStatus,
          })
          return {
            json: `${head.slice(0, -1)},${stored.doc.slice(stored.doc.indexOf('{') + 1)}`,
            content: { subject, status: stored.brandStatus, body: stored.doc },
            asOf: stored.asOf,
            // The stored document holds until its next change by time alone, the answer at least as long.
            nextChange: stored.freshUntil,
          }
        }
      }
      const answer = 'uscc' in subject
        ? await repo.answerForEnterprise(db, subject.uscc, asOf)
        : await repo.answerForCertificate(db, subject.type, subject.certificateNo, asOf)
      const status = (answer.found?.status ?? 'unknown') as StatementDto['status']
      const statement: StatementDto = {
        statementId: randomUUID(),
        iss: STATEMENT_ISSUER,
        iat: Math.floor(clock.now().getTime() / 1000),
        asOf: answer.asOf,
        subject,
        status,
        enterprise: (answer.found?.enterprise ?? null) as StatementDto['enterprise'],
        qualifications: (answer.found?.qualifications ?? []) as StatementDto['qualifications'],
      }
      return { statement, content: { subject, status, body: answer.text }, asOf: answer.asOf, nextChange: nextChangeOf(statement) }
    },

    /** The statement exactly as serialised for the JSON answer, as a compact JWS. */
    sign: (statementJson: string) => signer.sign(statementJson),

    jwks: () => signer.jwks,

    async showcase(query: ShowcaseQueryInput) {
      const [afterUscc] = (decodeCursor(query.cursor, ['string'], ([u]) => /^[0-9A-Z]{1,18}$/.test(u as string)) ?? []) as [string?]
      const page = await repo.showcasePage(db, { countyCode: query.countyCode, type: query.type, afterUscc, limit: query.limit })
      const { rows, nextCursor } = pageOf(page.items, query.limit, (i) => [i.uscc])
      return { asOf: page.asOf, items: rows.map((i) => JSON.parse(i.doc)), nextCursor }
    },
  }
}
