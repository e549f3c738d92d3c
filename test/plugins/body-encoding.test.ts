// Bodies in GBK or GB18030 (declared in Content-Type) are stored as the text they encode; bytes
// that are not valid in the declared (or default UTF-8) charset are a 400 naming where they start,
// and write nothing. The GBK bytes come from the system's iconv, as a county system would make them.
import { execFileSync } from 'node:child_process'
import t from 'tap'
import { bearer, build, newUscc } from '../helpers/app.ts'
import { charsetOf, invalidUtf8Offset } from '../../src/plugins/body-encoding.ts'

const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
const auth = await bearer(['registry:read', 'registry:write'])
const encode = (text: string, charset: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', charset], { input: text })

const create = (payload: Buffer, contentType: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/enterprises', headers: { ...auth, 'content-type': contentType, ...headers }, payload })
const exists = async (uscc: string) => (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).statusCode === 200

t.test('a GBK body declared as such is stored as the Chinese it encodes', async (t) => {
  const uscc = newUscc()
  const name = '德州市华源生态科技有限公司'
  const bytes = encode(JSON.stringify({ uscc, name, countyCode: '371402', address: '德州市德城区新华路1号' }), 'GBK')
  t.notOk(bytes.includes(Buffer.from(name)), 'really GBK bytes, not UTF-8')
  const res = await create(bytes, 'application/json; charset=GBK')
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.json().name, name)
  t.equal((await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).json().address, '德州市德城区新华路1号')
  t.equal((await app.inject({ url: `/v1/public/verify?uscc=${uscc}` })).json().enterprise.name, name, 'the public sees the right name')
  const audit = await app.inject({ url: `/v1/audit-events?entityId=${uscc}`, headers: await bearer(['audit:read']) })
  t.match(JSON.stringify(audit.json().items), name, 'so does the audit trail')
  t.notMatch(JSON.stringify(audit.json().items), '\uFFFD')

  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/enterprises/${uscc}`,
    headers: { ...auth, 'content-type': 'application/merge-patch+json;charset="gbk"' },
    payload: encode(JSON.stringify({ legalRepresentative: '张伟' }), 'GBK'),
  })
  t.equal(patched.statusCode, 200, 'merge patches too, whatever the parameter\'s case and quotes')
  t.equal(patched.json().legalRepresentative, '张伟')
})

t.test('GB18030 reaches characters GBK cannot encode', async (t) => {
  const uscc = newUscc()
  const name = '德州市𠀾记食品有限公司'
  const res = await create(encode(JSON.stringify({ uscc, name, countyCode: '371402' }), 'GB18030'), 'application/json; charset=GB18030')
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.json().name, name)
})

t.test('bytes that are not valid UTF-8 are a 400 naming the offset, and nothing is written', async (t) => {
  const uscc = newUscc()
  // GBK bytes sent as if they were UTF-8: the first byte of 德 is where it goes wrong.
  const gbk = encode(JSON.stringify({ uscc, name: '德州市测试有限公司', countyCode: '371402' }), 'GBK')
  const res = await create(gbk, 'application/json')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  const offset = gbk.indexOf(Buffer.from('"name":"')) + 8
  t.match(res.json(), { code: 'validation_failed', errors: [{ in: 'body', pointer: '', message: `is not valid UTF-8 (first invalid byte at offset ${offset})`, offset }] })
  t.match(res.json().detail, `offset ${offset}`)
  t.notOk(await exists(uscc), 'nothing was written')

  const zh = await create(gbk, 'application/json; charset=utf-8', { 'accept-language': 'zh-CN,zh;q=0.9' })
  t.equal(zh.json().errors[0].message, `不是有效的 UTF-8（第一个无效字节位于偏移 ${offset}）`)

  const truncated = Buffer.concat([Buffer.from(`{"uscc":"${uscc}","name":"德州`), Buffer.from('市', 'utf8').subarray(0, 2), Buffer.from('","countyCode":"371402"}')])
  const cut = await create(truncated, 'application/json')
  t.equal(cut.json().errors[0].offset, Buffer.byteLength(`{"uscc":"${uscc}","name":"德州`), 'a sequence cut short')
})

t.test('invalid GBK and unknown charsets are refused', async (t) => {
  const uscc = newUscc()
  const bad = Buffer.concat([Buffer.from(`{"uscc":"${uscc}","name":"`), Buffer.from([0x81, 0x20]), Buffer.from('","countyCode":"371402"}')])
  const res = await create(bad, 'application/json; charset=GBK')
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'body', message: 'is not valid GBK' }])
  const latin = await create(Buffer.from(JSON.stringify({ uscc, name: 'x', countyCode: '371402' })), 'application/json; charset=ISO-8859-1')
  t.equal(latin.statusCode, 415)
  t.equal(latin.json().code, 'unsupported_media_type')
  t.notOk(await exists(uscc))
})

t.test('helpers', async (t) => {
  t.equal(invalidUtf8Offset(Buffer.from('德州 \uFFFD ok')), undefined, 'a real U+FFFD is valid UTF-8')
  t.equal(invalidUtf8Offset(Buffer.concat([Buffer.from('\uFFFD'), Buffer.from([0xff])])), 3, 'after a real U+FFFD')
  t.equal(invalidUtf8Offset(Buffer.from([0x41, 0xc0, 0x80])), 1, 'an overlong encoding')
  t.equal(invalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80])), 0, 'an encoded surrogate')
  t.equal(charsetOf('application/json'), undefined)
  t.equal(charsetOf('application/json; Charset="GB18030"'), 'gb18030')
})
