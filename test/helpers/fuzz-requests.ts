// Requests for fuzzing one OpenAPI operation: which operations there are, generated
// requests (about a third within the declared schemas, the rest with hostile path, query,
// header and body values), and their concrete form with identifiers seen earlier filled in.
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { fromSchema, headerSafe, hostileString, KNOWN, mutate, mutation, propertyNames, usccLike, type JsonSchema, type KnownMarker, type Mutation } from './fuzz-arbitraries.ts'

export type { JsonSchema }

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const

export interface Operation {
  method: string
  path: string
  id: string
  op: JsonSchema
}

export interface Tokens {
  /** Authorization headers: `full` carries every scope and is used for most requests. */
  full: string
  others: string[]
}

/** Every operation of the document, except the Swagger UI under /docs. */
export function operationsOf(doc: JsonSchema): Operation[] {
  const out: Operation[] = []
  for (const [path, item] of Object.entries<JsonSchema>(doc.paths ?? {})) {
    if (path === '/docs' || path.startsWith('/docs/')) continue
    for (const method of METHODS) {
      const op = item[method]
      if (op) out.push({ method: method.toUpperCase(), path, id: op.operationId ?? `${method} ${path}`, op: { ...op, parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])] } })
    }
  }
  // Lists first, so their answers seed the pool of real identifiers; writes next; deletes last.
  const rank = (o: Operation) => (o.method === 'DELETE' ? 3 : o.method === 'GET' && !o.path.includes('{') ? 0 : o.method === 'POST' ? 1 : 2)
  return out.sort((a, b) => rank(a) - rank(b))
}

/** Strings seen in responses, by property name: real codes, ids and USCCs to aim path parameters at. */
export class KnownValues {
  private byName = new Map<string, string[]>()
  harvest(value: unknown, name = '', depth = 0): void {
    if (depth > 6) return
    if (typeof value === 'string' && value.length > 0 && value.length <= 128) {
      const list = this.byName.get(name) ?? []
      if (!list.includes(value) && list.length < 200) list.push(value)
      this.byName.set(name, list)
    } else if (Array.isArray(value)) {
      for (const v of value.slice(0, 50)) this.harvest(v, name, depth + 1)
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.harvest(v, k, depth + 1)
    }
  }
  /** A value seen under this name, or under a related one (`countyCode` ~ `code`). */
  pick(name: string, index: number): string | undefined {
    const lower = name.toLowerCase()
    let pool = this.byName.get(name)
    if (!pool) {
      const related = [...this.byName.entries()].filter(([k]) => k && (lower.endsWith(k.toLowerCase()) || k.toLowerCase().endsWith(lower)))
      pool = related.flatMap(([, values]) => values)
    }
    return pool.length > 0 ? pool[index % pool.length] : undefined
  }
}

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; payload: string }

/** A generated request; values may hold markers for identifiers seen in earlier responses. */
export interface RequestSpec {
  path: Record<string, unknown>
  query: [string, unknown][]
  headers: Record<string, string>
  auth: number
  contentType: string | undefined
  body: Body
}

/** Stands for an Idempotency-Key never used before (this process, this request). */
const UNIQUE = '\u0000unique'
const nonce = Math.random().toString(36).slice(2, 10)
let issued = 0

/** A path segment sent exactly as written: malformed percent-encodings and encoded separators. */
const RAW = '\u0000raw'
const PATH_HOSTILE = fc.oneof(
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2F', '%2e%2e', '..%2F..%2F', ';', '?x=1#', '%F0%9F%98').map((raw) => ({ [RAW]: raw })),
  usccLike(),
  fc.uuid(),
  fc.constantFrom('0', '-1', '99999999999999999999', '1e309', '9007199254740993', ' ', '%', "' OR 1=1 --", '..', '好品山东', '\u0000', 'a'.repeat(101), 'a'.repeat(10_000)),
  hostileString,
)
const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json;;;',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/json',
  'application/problem+json',
  '*/*',
  'garbage',
  '',
]
const RAW_BODIES = ['', '{', '}', 'null', '[]', '"text"', '0', '{"a":1,}', "{'a':1}", '{"a":NaN}', '\ufeff{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '[[[[[[[[[[', `{"a":${'1'.repeat(400)}}`, 'x'.repeat(2_000_000)]
const ETAG_GARBAGE = ['*', '"abc"', 'W/"abc"', 'garbage', '"', '', ',,,', '"a", "b", *', 'x'.repeat(600), '\u00e9\u00ff', '"\\"', 'W/']
const IDEMPOTENCY_GARBAGE = ['', ' ', 'a b', 'x'.repeat(300), '\u00e9', '\t', "' OR 1=1 --"]

/** The examples a media type declares (`example`, or `examples: { name: { value } }`, or the schema's `examples`). */
function examplesOf(content: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): unknown[] {
  const out: unknown[] = []
  if (content.example !== undefined) out.push(content.example)
  for (const e of Object.values<JsonSchema>(content.examples ?? {})) if (e && 'value' in e) out.push(e.value)
  const schema = content.schema ? resolve(content.schema) : {}
  if (Array.isArray(schema.examples)) out.push(...schema.examples)
  return out
}

/** A body that should pass validation: generated from the schema, or an example with some fields regenerated. */
function validBody(content: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): fc.Arbitrary<unknown> {
  const generated = fromSchema(content.schema, resolve)
  const examples = examplesOf(content, resolve).filter((e) => e && typeof e === 'object' && !Array.isArray(e)) as Record<string, unknown>[]
  if (examples.length === 0) return generated
  const properties: Record<string, JsonSchema> = resolve(content.schema ?? {}).properties ?? {}
  const varied = fc.constantFrom(...examples).chain((example) => {
    const keys = Object.keys(example).filter((k) => properties[k])
    return fc.tuple(fc.subarray(keys), fc.record(Object.fromEntries(keys.map((k) => [k, fromSchema(properties[k], resolve, 1, k)])))).map(([chosen, fresh]) => ({
      ...example,
      ...Object.fromEntries(chosen.map((k) => [k, fresh[k]])),
    }))
  })
  return fc.oneof({ weight: 1, arbitrary: generated }, { weight: 2, arbitrary: varied })
}

/**
 * Requests for one operation. About a third keep to the declared schemas with a token that has
 * every scope, so handlers really run; the rest mix in hostile path, query, header and body values.
 */
export function requestArb(operation: Operation, resolve: (s: JsonSchema) => JsonSchema, tokenCount: number): fc.Arbitrary<RequestSpec> {
  return fc.oneof({ weight: 1, arbitrary: requestsOf(operation, resolve, tokenCount, false) }, { weight: 2, arbitrary: requestsOf(operation, resolve, tokenCount, true) })
}

function requestsOf(operation: Operation, resolve: (s: JsonSchema) => JsonSchema, tokenCount: number, hostile: boolean): fc.Arbitrary<RequestSpec> {
  const params: JsonSchema[] = operation.op.parameters.map(resolve)
  const pathParams = params.filter((p) => p.in === 'path')
  const queryParams = params.filter((p) => p.in === 'query')
  const headerParams = params.filter((p) => p.in === 'header')
  const maybe = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, badWeight = 1) =>
    hostile ? fc.oneof({ weight: 2, arbitrary: valid }, { weight: badWeight, arbitrary: bad }) : valid

  const path = fc.record(
    Object.fromEntries(
      pathParams.map((p) => {
        const known = fc.tuple(fc.nat(), fromSchema(p.schema, resolve, 0)).map(([index, fallback]): KnownMarker => ({ [KNOWN]: p.name, index, fallback }))
        return [p.name, maybe(fc.oneof({ weight: 2, arbitrary: known }, { weight: 1, arbitrary: fromSchema(p.schema, resolve, 0, p.name) }), PATH_HOSTILE as fc.Arbitrary<unknown>, 2)]
      }),
    ),
  )

  const declaredQuery = fc.tuple(
    ...queryParams.map((p) =>
      fc
        .oneof(
          { weight: p.required ? 1 : hostile ? 3 : 8, arbitrary: fc.constant(undefined) },
          { weight: 4, arbitrary: maybe(fromSchema(p.schema, resolve, 0, p.name), fc.oneof(hostileString, fc.array(hostileString, { minLength: 2, maxLength: 3 })) as fc.Arbitrary<unknown>) },
        )
        .map((value) => [p.name, value] as [string, unknown]),
    ),
  )
  const extraQuery = fc.array(fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a[b]', 'limit', 'cursor', 'q', 'x', ''), fc.string({ maxLength: 8 })), hostileString), { maxLength: 2 })
  const query = fc
    .tuple(declaredQuery, hostile ? fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extraQuery }) : fc.constant([]))
    .map(([declared, extra]) => [...declared.filter(([, v]) => v !== undefined), ...extra])

  const declaredHeaders = fc.record(
    Object.fromEntries(
      headerParams.map((p) => {
        const name = String(p.name).toLowerCase()
        // A fresh key in well-formed requests (so the handler runs); reused and malformed ones otherwise.
        const valid = name === 'idempotency-key' ? fc.constant(UNIQUE) : fromSchema(p.schema, resolve).map(String)
        return [name, maybe(valid, fc.oneof(fc.constantFrom(...(name === 'idempotency-key' ? IDEMPOTENCY_GARBAGE : ETAG_GARBAGE)), hostileString))]
      }),
    ),
    { requiredKeys: [] },
  )
  const extraHeaders = fc.record(
    {
      'if-match': fc.constantFrom(...ETAG_GARBAGE),
      'if-none-match': fc.constantFrom(...ETAG_GARBAGE),
      'idempotency-key': fc.oneof(fc.uuid(), fc.constantFrom(...IDEMPOTENCY_GARBAGE)),
      accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json;q=0', 'garbage', ''),
      'x-request-id': fc.oneof(fc.uuid(), hostileString),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'garbage'),
    },
    { requiredKeys: [] },
  )
  const headers = fc
    .tuple(declaredHeaders, hostile ? fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }) : fc.constant({}))
    .map(([declared, extra]) => Object.fromEntries(Object.entries({ ...extra, ...declared }).map(([k, v]) => [k, v === UNIQUE ? v : headerSafe(String(v))])))

  // Index 0 is the token with every scope; the others are missing, malformed, expired,
  // foreign-signed or under-scoped credentials.
  const auth = hostile ? fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: tokenCount - 1 }) }) : fc.constant(0)

  const media = Object.entries<JsonSchema>(operation.op.requestBody?.content ?? {})
  let bodyArb: fc.Arbitrary<[string | undefined, Body]>
  if (media.length === 0) {
    const stray = fc.jsonValue({ maxDepth: 2 }).map((value): [string | undefined, Body] => ['application/json', { kind: 'json', value }])
    bodyArb = hostile ? fc.oneof({ weight: 5, arbitrary: fc.constant<[string | undefined, Body]>([undefined, { kind: 'none' }]) }, { weight: 1, arbitrary: stray }) : fc.constant([undefined, { kind: 'none' }])
  } else {
    bodyArb = fc.constantFrom(...media).chain(([type, content]) => {
      const valid = validBody(content, resolve)
      if (!hostile) return valid.map((value): [string | undefined, Body] => [type, { kind: 'json', value }])
      const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) })
      const body: fc.Arbitrary<Body> = fc.oneof(
        { weight: 2, arbitrary: valid.map((value) => ({ kind: 'json' as const, value })) },
        { weight: 6, arbitrary: fc.tuple(valid, fc.array(mutation(propertyNames(content.schema, resolve)), { minLength: 1, maxLength: 3 })).map(([v, m]: [unknown, Mutation[]]) => ({ kind: 'json' as const, value: mutate(v, m) })) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })) },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((payload) => ({ kind: 'raw' as const, payload })) },
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
      )
      return fc.tuple(contentType, body)
    })
  }

  return fc.record({ path, query, headers, auth, body: bodyArb }).map(({ body: [contentType, body], ...rest }) => ({ ...rest, contentType, body }))
}

/** Replaces the markers for earlier-seen values, now that those values are known. */
function fill(value: unknown, known: KnownValues, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 50) return value
  if (Array.isArray(value)) return value.map((v) => fill(v, known, depth + 1))
  const record = value as Record<string, unknown>
  if (typeof record[KNOWN] === 'string') {
    // A mutation may have hit the marker itself: then it stands for its fallback.
    const found = Number.isSafeInteger(record.index) ? known.pick(record[KNOWN] as string, Math.abs(record.index as number)) : undefined
    return found ?? fill(record.fallback, known, depth + 1)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) Object.defineProperty(out, k, { value: fill(v, known, depth + 1), enumerable: true, writable: true, configurable: true })
  return out
}

/** URLs carry UTF-8, which has no lone surrogates: those become U+FFFD, as a client would send them. */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
const encode = (v: unknown) => encodeURIComponent(wellFormed(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)))

/** The concrete request, with earlier-seen identifiers filled in. */
export function toInject(operation: Operation, spec: RequestSpec, tokens: Tokens, known: KnownValues): InjectOptions {
  const url = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = fill(spec.path[name], known) as Record<string, unknown> | undefined
    return value && typeof value === 'object' && typeof value[RAW] === 'string' ? (value[RAW] as string) : encode(value ?? '')
  })
  const query = spec.query
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))
    .map(([k, v]) => `${encode(k)}=${encode(fill(v, known))}`)
    .join('&')
  const headers: Record<string, string> = { ...spec.headers }
  if (headers['idempotency-key'] === UNIQUE) headers['idempotency-key'] = `fuzz-${nonce}-${++issued}`
  const authorization = spec.auth === 0 ? tokens.full : tokens.others[spec.auth - 1]
  if (authorization) headers.authorization = authorization
  let payload: string | undefined
  if (spec.body.kind === 'json') payload = JSON.stringify(fill(spec.body.value, known)) ?? 'null'
  else if (spec.body.kind === 'raw') payload = spec.body.payload
  if (payload !== undefined && spec.contentType !== undefined) headers['content-type'] = spec.contentType
  return { method: operation.method as InjectOptions['method'], url: query ? `${url}?${query}` : url, headers, ...(payload !== undefined ? { payload } : {}) }
}
