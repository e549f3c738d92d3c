// Property-based fuzzing of every operation in the OpenAPI document the app generates:
// generated invalid and edge-case requests must never get a 5xx, every 4xx must be a
// problem document, and every 2xx body must match the schema declared for its status.
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import formatsModule from 'ajv-formats'
import { KnownValues, operationsOf, requestArb, toInject, type JsonSchema, type Operation, type Tokens } from './fuzz-requests.ts'

const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as unknown as (ajv: Ajv2020) => Ajv2020

/** Ajv (JSON Schema 2020-12, as OpenAPI 3.1) over the document, so `#/components/schemas/...` references resolve as in the document. */
export function responseValidator(doc: JsonSchema) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false })
  addFormats(ajv)
  ajv.addSchema({ $id: 'openapi.json', components: doc.components ?? {} })
  const cache = new WeakMap<object, ValidateFunction>()
  const rewrite = (s: unknown): unknown =>
    Array.isArray(s)
      ? s.map(rewrite)
      : s && typeof s === 'object'
        ? Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi.json${v}` : rewrite(v)]))
        : s
  return (schema: JsonSchema, value: unknown): string | undefined => {
    let validate = cache.get(schema)
    if (!validate) {
      validate = ajv.compile(rewrite(schema) as JsonSchema)
      cache.set(schema, validate)
    }
    return validate(value) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'body' })
  }
}

/** Follows `$ref`s inside the document, for generating values from referenced schemas. */
export function resolver(doc: JsonSchema) {
  return (schema: JsonSchema): JsonSchema => {
    let s = schema
    for (let i = 0; i < 20 && s && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i++) {
      s = s.$ref
        .slice(2)
        .split('/')
        .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((node: any, part: string) => node?.[part], doc)
    }
    return s ?? {}
  }
}

const mediaType = (header: unknown) => String(header ?? '').split(';')[0]!.trim().toLowerCase()

/** What is wrong with a response, or undefined when it keeps the contract. */
export function checkResponse(operation: Operation, res: LightMyRequestResponse, validate: ReturnType<typeof responseValidator>, problem: JsonSchema | undefined): string | undefined {
  const status = res.statusCode
  if (status >= 500) return `server error ${status}`
  const hasBody = operation.method !== 'HEAD' && res.body.length > 0
  if (status >= 400) {
    if (mediaType(res.headers['content-type']) !== 'application/problem+json') return `${status} with content-type ${res.headers['content-type']}, not application/problem+json`
    if (operation.method === 'HEAD') return undefined
    let body: any
    try {
      body = JSON.parse(res.body)
    } catch {
      return `${status} problem body is not JSON`
    }
    for (const field of ['type', 'title', 'code'] as const) if (typeof body?.[field] !== 'string') return `${status} problem document lacks a string ${field}`
    if (body.status !== status) return `problem status ${body.status} differs from the HTTP status ${status}`
    return problem ? validate(problem, body) : undefined
  }
  if (status >= 200 && status < 300) {
    const declared = operation.op.responses?.[String(status)] ?? operation.op.responses?.['2XX'] ?? operation.op.responses?.default
    if (!declared) return `status ${status} is not declared for ${operation.id}`
    if (!hasBody || status === 204) return undefined
    const type = mediaType(res.headers['content-type'])
    if (!type.includes('json')) return undefined
    const content = declared.content ?? {}
    const schema = (content[type] ?? Object.entries<JsonSchema>(content).find(([k]) => k.includes('json'))?.[1])?.schema
    if (!schema) return `${status} ${type} body, but the document declares no JSON schema for it`
    let body: unknown
    try {
      body = JSON.parse(res.body)
    } catch {
      return `${status} body is not JSON`
    }
    return validate(schema, body)
  }
  return undefined
}

/** The request as a copy-pasteable `app.inject` call, with the full-scope token abbreviated. */
export function describe(req: InjectOptions, tokens: Tokens, res?: LightMyRequestResponse): string {
  const headers = { ...(req.headers as Record<string, string>) }
  if (headers.authorization === tokens.full) headers.authorization = 'Bearer <token with every scope>'
  else if (headers.authorization) {
    const i = tokens.others.indexOf(headers.authorization)
    if (i >= 0 && headers.authorization.length > 60) headers.authorization = `<credential #${i + 1}: ${headers.authorization.slice(0, 40)}…>`
  }
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)
  const payload = typeof req.payload === 'string' ? clip(req.payload, 1_500) : undefined
  const lines = [`app.inject(${JSON.stringify({ method: req.method, url: clip(String(req.url), 500), headers, payload }, null, 2)})`]
  if (res) lines.push(`→ ${res.statusCode} ${res.headers['content-type'] ?? ''}\n${clip(res.body, 1_500)}`)
  return lines.join('\n')
}

export async function send(app: FastifyInstance, req: InjectOptions, timeoutMs = 30_000): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([app.inject(req), timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface FuzzOptions {
  /** Base seed; each operation derives its own from it and its operationId. */
  seed: number
  numRuns: number
  /** Only the operation with this operationId. */
  only?: string | undefined
  /** Shrink a failing request to a minimal one (slower). */
  shrink?: boolean
}

interface TapLike {
  test(name: string, fn: (t: TapLike) => Promise<void>): Promise<unknown>
  ok(value: unknown, message: string): void
  pass(message: string): void
  fail(message: string): void
  comment(message: string): void
}

/** A stable per-operation seed, so adding a route does not change the requests sent to the others. */
function seedFor(seed: number, id: string): number {
  let h = seed | 0
  for (const c of id) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0
  return h
}

/**
 * Fuzzes every operation in the app's own OpenAPI document, one subtest each. A finding fails
 * the subtest with the request that caused it and the seed that replays it.
 */
export async function fuzzApp(t: TapLike, app: FastifyInstance, tokens: Tokens, options: FuzzOptions): Promise<{ operations: number; requests: number }> {
  const doc = app.swagger() as JsonSchema
  const operations = operationsOf(doc).filter((o) => !options.only || o.id === options.only)
  t.ok(operations.length > 0, 'the document has operations to fuzz')
  const resolve = resolver(doc)
  const validate = responseValidator(doc)
  const problem = doc.components?.schemas?.Problem as JsonSchema | undefined
  const known = new KnownValues()
  let requests = 0

  for (const operation of operations) {
    await t.test(`${operation.method} ${operation.path} (${operation.id})`, async (t) => {
      // Lists come first; their answers hold the real codes and ids that the other operations take.
      if (operation.method === 'GET' && !operation.path.includes('{')) {
        const res = await app.inject({ method: 'GET', url: operation.path, headers: { authorization: tokens.full } })
        if (res.statusCode === 200 && /json/.test(String(res.headers['content-type']))) known.harvest(res.json())
      }
      const statuses = new Map<number, number>()
      let finding: string | undefined
      const property = fc.asyncProperty(requestArb(operation, resolve, tokens.others.length + 1), async (spec) => {
        const req = toInject(operation, spec, tokens, known)
        requests++
        let res: LightMyRequestResponse
        try {
          res = await send(app, req)
        } catch (error) {
          finding = `${(error as Error).message}\n${describe(req, tokens)}`
          throw error
        }
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        const broken = checkResponse(operation, res, validate, problem)
        if (broken) {
          finding = `${broken}\n${describe(req, tokens, res)}`
          throw new Error(finding)
        }
        if (res.statusCode < 300 && res.body.length > 0 && mediaType(res.headers['content-type']).includes('json')) known.harvest(JSON.parse(res.body))
      })
      const result = await fc.check(property, { seed: seedFor(options.seed, operation.id), numRuns: options.numRuns, endOnFailure: !options.shrink })
      if (result.failed) {
        const error = result.errorInstance
        t.fail(
          `${operation.method} ${operation.path}: ${finding ?? (error instanceof Error ? error.stack : String(error))}\n` +
            `(replay: FUZZ_SEED=${options.seed} FUZZ_ONLY=${operation.id}; fast-check seed ${result.seed}, path ${result.counterexamplePath})`,
        )
      } else {
        const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`)
        t.pass(`${result.numRuns} requests, statuses ${summary.join(' ')}`)
      }
    })
  }
  return { operations: operations.length, requests }
}

/** A request that once broke the contract, kept so that it stays fixed. */
export interface Regression {
  found: string
  method: string
  url: string
  headers?: Record<string, string>
  payload?: string
}

/** Sends each regression request (with the full-scope token) and applies the same checks as the fuzzer. */
export async function replayRegressions(t: TapLike, app: FastifyInstance, tokens: Tokens, regressions: Regression[]): Promise<void> {
  const doc = app.swagger() as JsonSchema
  const operations = operationsOf(doc)
  const validate = responseValidator(doc)
  const problem = doc.components?.schemas?.Problem as JsonSchema | undefined
  for (const r of regressions) {
    const path = r.url.split('?')[0]!
    const operation = operations.find(
      (o) => o.method === r.method && new RegExp(`^${o.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`).test(path),
    ) ?? { method: r.method, path, id: `${r.method} ${path} (no such operation)`, op: { responses: {} } }
    const req: InjectOptions = { method: r.method as InjectOptions['method'], url: r.url, headers: { authorization: tokens.full, ...r.headers }, ...(r.payload !== undefined ? { payload: r.payload } : {}) }
    const res = await send(app, req)
    const broken = checkResponse(operation, res, validate, problem)
    if (broken) t.fail(`${r.found}: ${broken}\n${describe(req, tokens, res)}`)
    else t.pass(`${r.method} ${r.url.slice(0, 80)} → ${res.statusCode} (${r.found})`)
  }
}
