// Inputs that used to pass validation and then crash (500) or be stored silently altered, driven
// from the committed contract so that a new operation is covered by being declared: a lone UTF-16
// surrogate in any string of a JSON body, and date-times outside UTC years 0001–9999, are refused
// with a 400 problem that points at the field.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer, build } from '../helpers/app.ts'
import { resolver } from '../helpers/fuzz.ts'
import { createEnterprise, grant } from '../helpers/fixtures.ts'

const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
const resolve = resolver(doc)
type Schema = Record<string, any>

const isInstant = (s: Schema | undefined) => Array.isArray(s?.anyOf) && s.anyOf.some((b: Schema) => b.format === 'date-time')

function instantPointers(schema: Schema, at = '', depth = 0): string[] {
  const s = resolve(schema)
  if (depth > 6 || !s) return []
  if (isInstant(s)) return [at]
  const out: string[] = []
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) out.push(...instantPointers(branch, at, depth + 1))
  for (const [name, property] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) out.push(...instantPointers(property, `${at}/${name}`, depth + 1))
  if (s.items) out.push(...instantPointers(s.items, `${at}/0`, depth + 1))
  return out
}

/** JSON pointers of the strings in an example body. */
function stringPointers(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return [at]
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPointers(v, `${at}/${i}`))
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPointers(v, `${at}/${k}`))
  return []
}

function setAt(target: Schema, pointer: string, value: unknown) {
  const parts = pointer.split('/').slice(1)
  let node = target
  for (const part of parts.slice(0, -1)) node = node[part] ??= /^\d+$/.test(part) ? [] : {}
  node[parts.at(-1)!] = value
}

interface Operation { where: string; method: string; path: string; op: Schema; body?: Schema; bodySchema?: Schema }
const operations: Operation[] = []
for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
  for (const [method, op] of Object.entries(ops)) {
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
    const content = op.requestBody?.content ?? {}
    const json = content['application/json'] ?? content['application/merge-patch+json']
    const bodySchema = json ? resolve(json.schema) : undefined
    // A body told apart by a discriminator (a supervision event) is spoiled variant by variant, each from its own example.
    const variants: Schema[] = bodySchema?.oneOf ?? []
    if (variants.length > 0) {
      for (const variant of variants) {
        const v = resolve(variant)
        operations.push({ where: `${method.toUpperCase()} ${path} (${String(variant.$ref ?? '').split('/').pop()})`, method, path, op, body: v?.examples?.[0], bodySchema: variant })
      }
      continue
    }
    const body = json ? (bodySchema?.examples?.[0] ?? json.example ?? Object.values(json.examples ?? {}).map((e: any) => e.value)[0]) : undefined
    operations.push({ where: `${method.toUpperCase()} ${path}`, method, path, op, body, bodySchema: json?.schema })
  }
}

/** Path parameters filled with plausible values: validation runs before anything looks them up. */
const urlOf = (path: string) =>
  path
    .replace('{uscc}', '91371402MA3C00000X')
    .replace('{id}', '1')
    .replace('{code}', 'TAISHAN_QUALITY_CERT')
    .replace('{type}', 'TAISHAN_QUALITY_CERT')
    .replace(/\{[^}]+\}/g, 'x1')

async function send(app: FastifyInstance, auth: Record<string, string>, o: Operation, query: string, body: unknown) {
  const contentType = o.op.requestBody?.content?.['application/json'] ? 'application/json' : 'application/merge-patch+json'
  return app.inject({
    method: o.method.toUpperCase() as 'GET',
    url: `${urlOf(o.path)}${query}`,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })
}

const LONE = 'bad\ud800name'
const EXTREMES = ['0001-01-01T00:00:00+23:59', '9999-12-31T23:59:59-23:59', '0001-01-01', '0000-06-01T00:00:00Z', '10000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z']

t.test('a lone surrogate in any string of any JSON body is a 400 pointing at the field', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '1000000' })
  const auth = await bearer()
  let checked = 0
  for (const o of operations.filter((o) => o.bodySchema)) t.ok(o.body !== undefined, `${o.where}: its JSON body has an example to spoil`)
  t.ok(operations.filter((o) => o.bodySchema).length >= 9, 'every operation with a JSON body is covered')
  for (const o of operations.filter((o) => o.body !== undefined)) {
    const pointers = stringPointers(o.body)
    t.ok(pointers.length > 0 || o.method === 'patch', `${o.where}: its example has strings to spoil`)
    for (const pointer of pointers) {
      const body = structuredClone(o.body)
      setAt(body as Schema, pointer, LONE)
      const res = await send(app, auth, o, '', body)
      t.equal(res.statusCode, 400, `${o.where} body${pointer}: 400`)
      t.match(res.json(), { code: 'validation_failed', errors: [{ in: 'body', pointer, message: /lone UTF-16 surrogate/ }] }, `${o.where} body${pointer}: points at the field`)
      checked++
    }
    // A surrogate in a property name, too.
    const keyed = await send(app, auth, o, '', { ...(o.body as Schema), [LONE]: 'x' })
    t.equal(keyed.statusCode, 400, `${o.where}: a lone surrogate in a property name`)
  }
  t.ok(checked > 20, `${checked} body strings checked`)
})

t.test('a lone surrogate in a query string or path cannot arrive as text, and a CESU-8 one is never a 5xx', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '1000000' })
  const auth = await bearer()
  for (const o of operations) {
    const names = (o.op.parameters ?? []).filter((p: Schema) => p.in === 'query').map((p: Schema) => p.name)
    for (const name of names) {
      const res = await send(app, auth, o, `?${name}=bad%ED%A0%80name`, o.body)
      t.ok(res.statusCode < 500, `${o.where} query ${name}: ${res.statusCode}`)
    }
  }
})

t.test('a query value that is not percent-encoded UTF-8 is a 400 naming the parameter, on every operation', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '1000000' })
  const auth = await bearer()
  let checked = 0
  for (const o of operations) {
    const names = (o.op.parameters ?? []).filter((p: Schema) => p.in === 'query').map((p: Schema) => p.name)
    for (const name of names) {
      for (const bad of ['%FF', '%E5%BE', '%C0%AF']) {
        const res = await send(app, auth, o, `?${name}=x${bad}`, o.body)
        t.equal(res.statusCode, 400, `${o.where} query ${name}=x${bad}`)
        const problem = res.json()
        t.equal(problem.code, 'validation_failed')
        t.same(problem.errors?.[0] && [problem.errors[0].in, problem.errors[0].pointer], ['query', `/${name}`])
        checked++
      }
    }
  }
  t.ok(checked > 30, `${checked} query values checked`)
  // A well-formed encoding still arrives as the text it encodes.
  const fine = await app.inject({ method: 'GET', url: `/v1/enterprises?q=${encodeURIComponent('德州')}`, headers: auth })
  t.equal(fine.statusCode, 200)
})

t.test('date-times outside UTC years 0001–9999 are a 400 on every operation that takes one', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '1000000' })
  const auth = await bearer()
  let checked = 0
  for (const o of operations) {
    const queries = (o.op.parameters ?? []).filter((p: Schema) => p.in === 'query' && isInstant(p.schema)).map((p: Schema) => p.name as string)
    const bodies = o.bodySchema ? instantPointers(o.bodySchema) : []
    for (const value of EXTREMES) {
      for (const name of queries) {
        const res = await send(app, auth, o, `?${name}=${encodeURIComponent(value)}`, o.body)
        t.equal(res.statusCode, 400, `${o.where} query ${name}=${value}: 400`)
        t.match(res.json().errors, [{ in: 'query', pointer: `/${name}` }], `${o.where} query ${name}: points at it`)
        checked++
      }
      for (const pointer of bodies) {
        const body = structuredClone(o.body ?? {})
        setAt(body, pointer, value)
        const res = await send(app, auth, o, '', body)
        t.equal(res.statusCode, 400, `${o.where} body${pointer}=${value}: 400`)
        t.ok((res.json().errors ?? []).some((e: Schema) => e.in === 'body' && e.pointer === pointer), `${o.where} body${pointer}: points at it`)
        checked++
      }
    }
  }
  t.ok(checked > 100, `${checked} extreme date-times checked`)
})

t.test('the edges themselves are accepted and echoed as they were meant', async (t) => {
  const app = await build(t)
  const reader = await bearer(['registry:read'])
  const q = await grant(app, (await createEnterprise(app)).uscc)
  for (const [asOf, echoed] of [['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'], ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'], ['0001-01-02', '0001-01-01T16:00:00.000Z']]) {
    t.equal((await app.inject({ url: `/v1/qualifications?asOf=${encodeURIComponent(asOf!)}`, headers: reader })).statusCode, 200, `list asOf=${asOf}`)
    const res = await app.inject({ url: `/v1/qualifications/${q.id}?asOf=${encodeURIComponent(asOf!)}`, headers: reader })
    t.equal(res.statusCode, 200, `asOf=${asOf}`)
    t.equal(res.json().asOf, echoed, `asOf=${asOf} is echoed as ${echoed}`)
  }
  const since = await app.inject({ url: `/v1/enterprises?updatedSince=${encodeURIComponent('9999-12-31T23:59:59Z')}`, headers: reader })
  t.equal(since.statusCode, 200, 'updatedSince at the last representable second')
})
