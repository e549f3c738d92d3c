// Problem documents in the caller's language: Chinese title and detail for every problem code when
// Accept-Language prefers it, English otherwise; validation errors reduced to one message per field.
import type { FastifyRequest } from 'fastify'
import t from 'tap'
import { bearer, build, newUscc, token } from '../helpers/app.ts'
import { PROBLEM_CODES, type ProblemCode } from '../../src/lib/problems.ts'
import { PROBLEMS_ZH, preferredLanguage } from '../../src/lib/problems-zh.ts'
import { localizedProblem } from '../../src/plugins/errors.ts'

const CJK = /[\u4e00-\u9fff]/
const zh = { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' }

t.test('every problem code has a Chinese title and detail', async (t) => {
  for (const code of Object.keys(PROBLEM_CODES) as ProblemCode[]) {
    const request = { id: 'req-1', headers: zh } as unknown as FastifyRequest
    const { language, body } = localizedProblem(request, code, 'something specific happened')
    t.equal(language, 'zh-CN')
    t.match(body.title, CJK, `${code}: title`)
    t.match(body.detail, CJK, `${code}: detail`)
    t.equal(body.title, PROBLEMS_ZH[code].title)
    t.equal((body as Record<string, unknown>).code, code, `${code}: the code stays`)
    const english = localizedProblem({ id: 'req-1', headers: {} } as unknown as FastifyRequest, code, 'something specific happened')
    t.equal(english.body.title, PROBLEM_CODES[code].title, `${code}: English by default`)
  }
})

t.test('Accept-Language is read with its weights', async (t) => {
  t.equal(preferredLanguage(undefined), 'en')
  t.equal(preferredLanguage('zh-CN'), 'zh-CN')
  t.equal(preferredLanguage('zh'), 'zh-CN')
  t.equal(preferredLanguage('zh-Hans-CN;q=0.8, en;q=0.9'), 'en')
  t.equal(preferredLanguage('en-US,en;q=0.9,zh-CN;q=0.8'), 'en')
  t.equal(preferredLanguage('fr, zh-TW;q=0.5'), 'zh-CN')
  t.equal(preferredLanguage('zh;q=0'), 'en')
})

t.test('real answers in Chinese, and in English by default', async (t) => {
  const app = await build(t)
  const auth = await bearer(['registry:read', 'registry:write'])

  const missing = await app.inject({ url: `/v1/enterprises/${newUscc()}`, headers: { ...auth, ...zh } })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-language'], 'zh-CN')
  t.match(missing.headers.vary, /Accept-Language/)
  t.match(missing.json(), { code: 'not_found', title: '资源不存在', detail: /^企业 \w{18} 不存在。$/ })
  const english = await app.inject({ url: `/v1/enterprises/${newUscc()}`, headers: auth })
  t.equal(english.headers['content-language'], 'en')
  t.match(english.json(), { title: 'Resource not found', detail: /does not exist/ })

  const noRoute = await app.inject({ url: '/v1/nowhere', headers: zh })
  t.match(noRoute.json(), { code: 'route_not_found', title: '接口不存在', detail: /没有 GET \/v1\/nowhere 这个接口/ })

  const noToken = await app.inject({ url: '/v1/enterprises', headers: zh })
  t.match(noToken.json(), { code: 'unauthorized', title: '需要身份认证', detail: CJK })

  const scope = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: { ...(await bearer(['registry:read'])), ...zh }, payload: {} })
  t.match(scope.json(), { code: 'insufficient_scope', title: '令牌缺少所需权限范围', detail: /registry:write/ })

  const invalid = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: { ...auth, ...zh },
    payload: { uscc: '91350100M000100Y44', name: '', countyCode: '371402', cultivationStage: 'growing', colour: 'red' },
  })
  t.equal(invalid.statusCode, 400)
  t.match(invalid.json(), { code: 'validation_failed', title: '请求参数校验失败' })
  t.same(invalid.json().errors.map((e: { pointer: string; message: string }) => [e.pointer, e.message]).sort(), [
    ['/colour', '不是可接受的字段'],
    ['/cultivationStage', '应为以下值之一："planned", "cultivating", "established"'],
    ['/name', '不能少于 1 个字符'],
  ])
  t.match(invalid.json().detail, /^请求体\/\w+：/)
})

t.test('one meaningful message per field, in English too', async (t) => {
  const app = await build(t)
  const auth = await bearer(['registry:read', 'registry:write'])
  const res = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: auth,
    payload: { uscc: newUscc(), name: '德州测试', countyCode: '371402', cultivationStage: 'growing', industryCode: 5, contact: { phone: 'call me' } },
  })
  t.equal(res.statusCode, 400)
  const byPointer = (a: { pointer: string }, b: { pointer: string }) => a.pointer.localeCompare(b.pointer)
  t.same(res.json().errors.sort(byPointer), [
    { in: 'body', pointer: '/contact/phone', message: 'must match pattern "^[0-9+()\\- ]{3,40}$"' },
    { in: 'body', pointer: '/cultivationStage', message: 'must be one of "planned", "cultivating", "established"' },
    { in: 'body', pointer: '/industryCode', message: 'must be string' },
  ])
  t.notMatch(res.body, /must be null|must match a schema in anyOf/)
  const view = await app.inject({ url: '/v1/enterprises?view=everything', headers: auth })
  t.same(view.json().errors, [{ in: 'query', pointer: '/view', message: 'must be one of "summary", "full"' }])
})

t.test('batch results name the USCC of a valid one, with item problems in the caller\'s language', async (t) => {
  const app = await build(t)
  const auth = await bearer(['registry:read', 'registry:write'])
  const uscc = newUscc()
  const res = await app.inject({
    method: 'POST',
    url: '/v1/enterprises/batch',
    headers: { ...auth, ...zh },
    payload: { items: [{ uscc: uscc.toLowerCase(), name: '德州测试企业', countyCode: '99' }, { uscc: '91350100M000100Y44', name: '德州测试企业', countyCode: '371402' }] },
  })
  t.equal(res.statusCode, 200)
  t.match(res.json().items, [
    { index: 0, uscc, outcome: 'rejected', problem: { title: '请求参数校验失败', errors: [{ pointer: '/items/0/countyCode', message: /应符合格式/ }] } },
    { index: 1, uscc: null, outcome: 'rejected', problem: { detail: /校验码为 "4"，按 GB 32100 应为 "3"/ } },
  ])
})

t.test('the bearer scheme is case-insensitive', async (t) => {
  const app = await build(t)
  for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
    const res = await app.inject({ url: '/v1/enterprises?limit=1', headers: { authorization: `${scheme} ${await token(['registry:read'])}` } })
    t.equal(res.statusCode, 200, scheme)
  }
})
