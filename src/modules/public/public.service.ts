// Public verification: answers from live data, fails closed (`unknown` for anything the registry
// does not hold, never a guess), and can be signed so that whoever receives it can check it later.
import { randomUUID } from 'node:crypto'
import type { Database } from '../../db/client.ts'
import { decodeCursor, encodeCursor } from '../../lib/http.ts'
import { problems, type FieldError } from '../../lib/problems.ts'
import { checkUscc } from '../../lib/uscc.ts'
import * as repo from './public.repository.ts'
import type { ShowcaseQueryInput, StatementDto, VerifyQueryInput } from './public.schemas.ts'
import type { StatementSigner } from './statement-key.ts'

/** Who makes the statements (the `iss` of every statement). */
export const STATEMENT_ISSUER = 'urn:haopin-registry:dezhou'

function asOfOf(value: string | undefined): Date | null {
  if (value === undefined) return null
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw problems.field('query', '/asOf', 'is not a date-time this registry can represent')
  return d
}

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

export function createPublicService(db: Database, signer: StatementSigner) {
  return {
    /**
     * The statement, as an object to serialise, or (when an enterprise is asked about "now" and
     * its stored public document is fresh) as the JSON text itself, spliced around that document
     * in the schema's field order, which saves parsing and re-serialising it on the hottest public path.
     */
    async verify(query: VerifyQueryInput): Promise<StatementDto | { json: string }> {
      const subject = subjectOf(query)
      const asOf = asOfOf(query.asOf)
      if ('uscc' in subject && asOf === null) {
        const stored = await repo.storedAnswerForEnterprise(db, subject.uscc)
        if (stored) {
          const head = JSON.stringify({
            statementId: randomUUID(),
            iss: STATEMENT_ISSUER,
            iat: Math.floor(Date.now() / 1000),
            asOf: stored.asOf,
            subject,
            status: stored.brandStatus,
          })
          return { json: `${head.slice(0, -1)},${stored.doc.slice(stored.doc.indexOf('{') + 1)}` }
        }
      }
      const answer = 'uscc' in subject
        ? await repo.answerForEnterprise(db, subject.uscc, asOf)
        : await repo.answerForCertificate(db, subject.type, subject.certificateNo, asOf)
      return {
        statementId: randomUUID(),
        iss: STATEMENT_ISSUER,
        iat: Math.floor(Date.now() / 1000),
        asOf: answer.asOf,
        subject,
        status: (answer.found?.status ?? 'unknown') as StatementDto['status'],
        enterprise: (answer.found?.enterprise ?? null) as StatementDto['enterprise'],
        qualifications: (answer.found?.qualifications ?? []) as StatementDto['qualifications'],
      }
    },

    /** The statement exactly as serialised for the JSON answer, as a compact JWS. */
    sign: (statementJson: string) => signer.sign(statementJson),

    jwks: () => signer.jwks,

    async showcase(query: ShowcaseQueryInput) {
      const [afterUscc] = (decodeCursor(query.cursor, ['string']) ?? []) as [string?]
      if (afterUscc !== undefined && !/^[0-9A-Z]{1,18}$/.test(afterUscc)) {
        throw problems.field('query', '/cursor', 'is not a cursor returned by this list')
      }
      const page = await repo.showcasePage(db, { countyCode: query.countyCode, type: query.type, afterUscc, limit: query.limit })
      const items = page.items.slice(0, query.limit)
      return {
        asOf: page.asOf,
        items: items.map((i) => JSON.parse(i.doc)),
        nextCursor: page.items.length > query.limit ? encodeCursor([items[items.length - 1]!.uscc]) : null,
      }
    },
  }
}
