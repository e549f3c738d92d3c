// Cache validators of verification answers, as pure functions: the ETag follows what the answer
// says (not its id or time), per representation; max-age stops at the next validity boundary.
import t from 'tap'
import { answerEtag, answerMaxAge, cacheControl } from '../../../src/modules/public/answer-caching.ts'
import type { StatementDto } from '../../../src/modules/public/public.schemas.ts'

const statement = (over: Partial<StatementDto> = {}): StatementDto => ({
  statementId: '6f1c1f3e-2b8e-4c59-9b1e-3c2a4f0d9a11',
  iss: 'urn:haopin-registry:dezhou',
  iat: 1764129600,
  asOf: '2025-11-26T04:00:00.000Z',
  subject: { uscc: '91350100M000100Y43' },
  status: 'listed',
  enterprise: { uscc: '91350100M000100Y43', name: '德州市华源生态科技有限公司', countyCode: '371402', countyName: '德城区', brandStatus: 'listed' },
  qualifications: [
    { type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', certificateNo: null, title: '华源', issuer: '山东省人民政府', batch: null, status: 'active', validFrom: '2023-12-19T16:00:00.000Z', validUntil: null, decision: null },
  ],
  ...over,
})

t.test('the ETag follows the content and the representation', async (t) => {
  const a = answerEtag(statement(), 'json')
  t.match(a, /^W\/"[A-Za-z0-9_-]{27}"$/)
  t.equal(answerEtag(statement({ statementId: 'other', iat: 1, asOf: '2025-11-27T00:00:00.000Z' }), 'json'), a, 'id and time do not change it')
  t.not(answerEtag(statement(), 'jws'), a, 'another representation, another tag')
  t.not(answerEtag(statement({ status: 'cultivating' }), 'json'), a, 'another answer, another tag')
})

t.test('max-age stops at the next validity boundary, within the bound', async (t) => {
  t.equal(answerMaxAge(statement(), 60), 60)
  const q = statement().qualifications[0]!
  const expiring = statement({ qualifications: [{ ...q, validUntil: '2025-11-26T04:00:30.000Z' }] })
  t.equal(answerMaxAge(expiring, 60), 30)
  const starting = statement({ qualifications: [{ ...q, validFrom: '2025-11-26T04:00:10.500Z' }] })
  t.equal(answerMaxAge(starting, 60), 10)
  t.equal(cacheControl(statement(), 0), 'no-cache', 'a bound of 0 turns caching off')
  t.equal(cacheControl(expiring, 60), 'public, max-age=30')
})
