// Every date-time input the contract declares, found by walking the committed contract, takes a
// calendar date (the start of that day in Asia/Shanghai) and refuses a date-time without an offset
// with a message that shows the accepted forms. A new date-time field is covered by being declared.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer, build, newUscc } from '../helpers/app.ts'
import { certificateNo, createEnterprise, grant } from '../helpers/fixtures.ts'
import { resolver } from '../helpers/fuzz.ts'

const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
const resolve = resolver(doc)
type Schema = Record<string, any>

/** An input the contract declares as an instant: a date-time or a calendar date. */
const isInstant = (s: Schema | undefined) =>
  Array.isArray(s?.anyOf) && s.anyOf.some((b: Schema) => b.format === 'date-time') && s.anyOf.some((b: Schema) => b.format === 'date')

/** JSON pointers of the instants in a body schema (following references and nullable unions). */
function instantPointers(schema: Schema, at = '', depth = 0): string[] {
  const s = resolve(schema)
  if (depth > 6 || !s) return []
  if (isInstant(s)) return [at]
  const out: string[] = []
  for (const branch of s.anyOf ?? []) out.push(...instantPointers(branch, at, depth + 1))
  for (const [name, property] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) out.push(...instantPointers(property, `${at}/${name}`, depth + 1))
  return out
}

function setAt(target: Schema, pointer: string, value: unknown) {
  const parts = pointer.split('/').slice(1)
  let node = target
  for (const part of parts.slice(0, -1)) node = node[part] ??= {}
  node[parts.at(-1)!] = value
}

interface Case { where: string; method: string; path: string; in: 'query' | 'body'; pointer: string; body?: Schema }
const cases: Case[] = []
for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
  for (const [method, op] of Object.entries(ops)) {
    const where = `${method.toUpperCase()} ${path}`
    for (const p of op.parameters ?? []) if (p.in === 'query' && isInstant(p.schema)) cases.push({ where, method, path, in: 'query', pointer: `/${p.name}` })
    const media = op.requestBody?.content?.['application/json']
    if (media) {
      const bodySchema = resolve(media.schema)
      for (const pointer of instantPointers(media.schema)) cases.push({ where, method, path, in: 'body', pointer, body: bodySchema.examples?.[0] })
    }
  }
}

const FORMS = /2025-07-01T08:30:00\+08:00.*2025-07-01 \(the start of that day in Asia\/Shanghai\)/

t.test('the contract declares calendar dates wherever it takes a date-time', async (t) => {
  const inputs = new Set(cases.map((c) => `${c.where} ${c.in}${c.pointer}`))
  for (const expected of [
    'POST /v1/enterprises/{uscc}/qualifications body/grantedAt',
    'POST /v1/enterprises/{uscc}/qualifications body/validUntil',
    'POST /v1/qualifications/{id}/status-changes body/effectiveAt',
    'POST /v1/qualifications/{id}/status-changes body/decision/decidedAt',
    'GET /v1/qualifications query/asOf',
    'GET /v1/enterprises query/updatedSince',
    'GET /v1/audit-events query/from',
    'GET /v1/public/verify query/asOf',
    'GET /verify/{uscc} query/asOf',
  ]) t.ok(inputs.has(expected), expected)
  t.ok(cases.length >= 20, `${cases.length} date-time inputs found`)
})

t.test('every date-time input takes a calendar date and refuses one without an offset', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
  const auth = await bearer()
  const e = await createEnterprise(app)
  const request = async (c: Case, value: string) => {
    const q = await grant(app, e.uscc, { certificateNo: certificateNo() })
    const url = c.path
      .replace('{uscc}', e.uscc)
      .replace('{id}', q.id)
      .replace('{code}', 'TAISHAN_QUALITY_CERT')
      .replace('{type}', 'TAISHAN_QUALITY_CERT')
      .replace('{certificateNo}', q.certificateNo)
    const body = structuredClone(c.body ?? {})
    if ('uscc' in body) body.uscc = newUscc()
    if ('certificateNo' in body) body.certificateNo = certificateNo()
    if (c.in === 'body') setAt(body, c.pointer, value)
    const query = c.in === 'query' ? `?${c.pointer.slice(1)}=${encodeURIComponent(value)}` : ''
    // A body schema without an example still gets a body (the instant alone), so the field is what is checked.
    return send(app, auth, c.method, `${url}${query}`, c.in === 'body' || c.body ? body : undefined)
  }
  for (const c of cases) {
    const label = `${c.where} ${c.in}${c.pointer}`
    const accepted = await request(c, '2025-07-01')
    const formatErrors = accepted.statusCode === 400 ? accepted.json().errors.filter((x: Schema) => x.pointer === c.pointer && FORMS.test(x.message)) : []
    t.same(formatErrors, [], `${label}: 2025-07-01 is accepted as a date-time (${accepted.statusCode})`)
    t.ok(accepted.statusCode < 500, `${label}: no server error`)
    // The first and last days, with offsets that carry them out of years 1–9999 in UTC.
    for (const edge of ['0001-01-01', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-12:00']) {
      const res = await request(c, edge)
      t.ok(res.statusCode < 500, `${label}: ${edge} is no server error (${res.statusCode})`)
      if (res.statusCode >= 400) t.match(res.json(), { code: String }, `${label}: ${edge} answered with a problem document`)
    }

    const refused = await request(c, '2025-07-01T00:00:00')
    t.equal(refused.statusCode, 400, `${label}: a date-time without an offset is refused`)
    t.match(refused.json().errors.filter((x: Schema) => x.pointer === c.pointer), [{ in: c.in, pointer: c.pointer, message: FORMS }], `${label}: one message, showing the accepted forms`)
    t.equal(refused.json().errors.filter((x: Schema) => x.pointer === c.pointer).length, 1, `${label}: one message for the field`)
  }
})

t.test('a calendar date is the start of that day in Dezhou, echoed back as that instant', async (t) => {
  const app = await build(t)
  const e = await createEnterprise(app)
  const q = await grant(app, e.uscc, { grantedAt: '2024-03-15', validUntil: '2027-03-15' })
  t.equal(q.grantedAt, '2024-03-14T16:00:00.000Z', 'grantedAt 2024-03-15 is 00:00 in Asia/Shanghai')
  t.equal(q.validUntil, '2027-03-14T16:00:00.000Z')
  const read = await app.inject({ url: `/v1/qualifications/${q.id}?asOf=2025-07-01`, headers: await bearer(['registry:read']) })
  t.equal(read.json().asOf, '2025-06-30T16:00:00.000Z', 'asOf is echoed as the instant it was taken to mean')
  const offset = await grant(app, e.uscc, { grantedAt: '2024-03-15T00:00:00+08:00' })
  t.equal(offset.grantedAt, q.grantedAt, 'the same instant as 2024-03-15T00:00:00+08:00')
  const chinese = await app.inject({ method: 'POST', url: `/v1/enterprises/${e.uscc}/qualifications`, headers: { ...(await bearer()), 'accept-language': 'zh-CN' }, payload: { type: 'TAISHAN_QUALITY_CERT', certificateNo: certificateNo(), issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024/03/15' } })
  t.equal(chinese.statusCode, 400)
  t.match(chinese.json().errors[0].message, /带时区偏移的日期时间.*2025-07-01，表示北京时间当日 0 时/, 'in Chinese too')
})

async function send(app: FastifyInstance, auth: Record<string, string>, method: string, url: string, payload?: unknown) {
  return app.inject({ method: method.toUpperCase() as 'GET', url, headers: { ...auth, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload: payload as object }) })
}
