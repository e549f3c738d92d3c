// Cache validators of verification answers, as pure functions: the ETag follows what the answer
// says (not its id or time), per representation; max-age stops at the next validity boundary.
import t from 'tap'
import { answerEtag, cacheControl, maxAgeUntil, nextChangeOf } from '../../../src/modules/public/answer-caching.ts'
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
  const { subject, status, enterprise, qualifications } = statement()
  const body = JSON.stringify({ enterprise, qualifications })
  const a = answerEtag({ subject, status, body }, 'json')
  t.match(a, /^W\/"[A-Za-z0-9_-]{27}"$/)
  t.equal(answerEtag({ subject: { ...subject }, status, body: `${body}` }, 'json'), a, 'the same content, the same tag (id and time are not part of it)')
  t.not(answerEtag({ subject, status, body }, 'jws'), a, 'another representation, another tag')
  t.not(answerEtag({ subject, status: 'cultivating', body }, 'json'), a, 'another status, another tag')
  t.not(answerEtag({ subject, status, body: body.replace('华源', '华元') }, 'json'), a, 'another document, another tag')
  t.not(answerEtag({ subject: { uscc: '91350100M000100Y44' }, status, body }, 'json'), a, 'another subject, another tag')
})

t.test('max-age stops at the next validity boundary, within the bound', async (t) => {
  const maxAge = (s: ReturnType<typeof statement>, bound: number) => maxAgeUntil(s.asOf, nextChangeOf(s), bound)
  t.equal(nextChangeOf(statement()), null, 'a listing valid for good: nothing due')
  t.equal(maxAge(statement(), 60), 60)
  const q = statement().qualifications[0]!
  const expiring = statement({ qualifications: [{ ...q, validUntil: '2025-11-26T04:00:30.000Z' }] })
  t.equal(maxAge(expiring, 60), 30)
  const starting = statement({ qualifications: [{ ...q, validFrom: '2025-11-26T04:00:10.500Z' }] })
  t.equal(maxAge(starting, 60), 10)
  t.equal(cacheControl(maxAge(statement(), 0)), 'no-cache', 'a bound of 0 turns caching off')
  t.equal(cacheControl(maxAge(expiring, 60)), 'public, max-age=30')
  const asOf = '2025-11-26T04:00:00.000Z'
  t.equal(maxAgeUntil(asOf, null, 60), 60, 'nothing due: the bound')
  t.equal(maxAgeUntil(asOf, Date.parse(asOf) + 12_900, 60), 12, 'a stored document holding 12.9 s more: 12 s')
  t.equal(maxAgeUntil(asOf, Date.parse(asOf) - 1, 60), 0, 'already due: not cached')
})
