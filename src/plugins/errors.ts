// Turns every failure into an RFC 9457 problem document with a stable code. Unexpected errors
// are logged in full with the request id and answered with a generic 500.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, PROBLEM_CODES, problemBody, problems, type FieldError, type ProblemCode } from '../lib/problems.ts'
import { detailZh, fieldMessageZh, preferredLanguage, PROBLEMS_ZH } from '../lib/problems-zh.ts'
import { INSTANT_FORMS } from '../lib/time.ts'
import { databaseFailure } from '../db/failures.ts'
import { SECURITY_HEADERS } from './security-headers.ts'

/** Seconds a caller is asked to wait when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

const PART: Record<string, FieldError['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

interface AjvIssue {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

function messageOf(issue: AjvIssue): string {
  if (issue.keyword === 'required') return 'is required'
  if (issue.keyword === 'additionalProperties') return 'is not an accepted field'
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    return `must be one of ${issue.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
  }
  return issue.message ?? 'is invalid'
}

/**
 * One message per field: Ajv reports every branch of a union (`must be null`, `must match a schema
 * in anyOf`) beside the one that matters; those are dropped, a failed date-time shows the accepted
 * forms, and a set of literals reads as one list.
 */
function reduce(issues: AjvIssue[]): string | undefined {
  const meaningful = issues.filter((i) => !['anyOf', 'oneOf'].includes(i.keyword) && !(i.keyword === 'type' && i.params.type === 'null'))
  if (meaningful.length === 0) return undefined
  if (meaningful.some((i) => i.keyword === 'format' && (i.params.format === 'date-time' || i.params.format === 'date'))) return `must be ${INSTANT_FORMS}`
  if (meaningful.length > 1 && meaningful.every((i) => i.keyword === 'const')) {
    return `must be one of ${meaningful.map((i) => JSON.stringify(i.params.allowedValue)).join(', ')}`
  }
  return messageOf(meaningful[0]!)
}

export function fieldErrorsFromAjv(issues: AjvIssue[], context: string | undefined): FieldError[] {
  const where = PART[context ?? 'body'] ?? 'body'
  const byPointer = new Map<string, AjvIssue[]>()
  for (const issue of issues) {
    let pointer = issue.instancePath
    if (issue.keyword === 'required') pointer += `/${String(issue.params.missingProperty)}`
    else if (issue.keyword === 'additionalProperties') pointer += `/${String(issue.params.additionalProperty)}`
    byPointer.set(pointer, [...(byPointer.get(pointer) ?? []), issue])
  }
  const out: FieldError[] = []
  for (const [pointer, group] of byPointer) {
    const message = reduce(group)
    if (message !== undefined) out.push({ in: where, pointer, message })
    // Only union bookkeeping here: the field's own errors are further in, or it failed every branch.
    else if (![...byPointer.keys()].some((p) => p.startsWith(`${pointer}/`))) out.push({ in: where, pointer, message: messageOf(group[0]!) })
  }
  return out
}

function classify(error: FastifyError): { code: ProblemCode; detail: string; extra?: Record<string, unknown>; headers?: Record<string, string> } {
  const failure = databaseFailure(error)
  if (failure) {
    const headers = { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) }
    return failure === 'timeout'
      ? { code: 'database_timeout', detail: 'the database did not answer in time; retry later (read a write back before repeating it without an Idempotency-Key)', headers }
      : { code: 'database_unavailable', detail: 'the database cannot be reached; nothing was done, retry later', headers }
  }
  if (error.validation) {
    const errors = fieldErrorsFromAjv(error.validation as AjvIssue[], error.validationContext)
    return {
      code: 'validation_failed',
      detail: errors.map((e) => `${e.in}${e.pointer}: ${e.message}`).join('; '),
      extra: { errors },
    }
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', detail: 'send application/json (or application/merge-patch+json where stated)' }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: error.message }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'malformed_json', detail: 'the body is not valid JSON' }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'bad_request', detail: 'Content-Length does not match the body' }
  }
  if (error instanceof SyntaxError || (error as { type?: string }).type === 'entity.parse.failed') {
    return { code: 'malformed_json', detail: 'the body is not valid JSON' }
  }
  if (error.statusCode === 429) return { code: 'rate_limited', detail: error.message }
  if (error.statusCode === 406) return { code: 'not_acceptable', detail: error.message }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'bad_request', detail: error.message }
  }
  return { code: 'internal_error', detail: 'an unexpected error occurred; quote the instance id when reporting it' }
}

/** A problem document in the caller's language (Accept-Language; English by default). */
export function localizedProblem(request: FastifyRequest, code: ProblemCode, detail: string, extra: Record<string, unknown> = {}) {
  const language = preferredLanguage(request.headers['accept-language'])
  const body: Record<string, unknown> & { status: number; title: string; detail: string; errors?: FieldError[] } = problemBody(code, detail, request.id, extra)
  if (language === 'en') return { language, body }
  const errors = extra.errors as FieldError[] | undefined
  return {
    language,
    body: {
      ...body,
      title: PROBLEMS_ZH[code].title,
      detail: detailZh(code, detail, errors),
      ...(errors ? { errors: errors.map((e) => ({ ...e, message: fieldMessageZh(e.message) })) } : {}),
    },
  }
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, code: ProblemCode, detail: string, extra?: Record<string, unknown>) {
  const { language, body } = localizedProblem(request, code, detail, extra)
  reply.header('content-language', language).header('vary', 'Accept-Language')
  return reply.code(body.status).type('application/problem+json').send(body)
}

/** Batch results whose rejected items carry problem documents: those in the caller's language too. */
export function localizeBatch<T extends { items: { problem?: unknown }[] }>(request: FastifyRequest, result: T): T {
  if (preferredLanguage(request.headers['accept-language']) === 'en') return result
  const items = result.items.map((item) => {
    const problem = item.problem as { code: ProblemCode; detail: string; errors?: FieldError[] } | undefined
    if (!problem) return item
    const { body } = localizedProblem(request, problem.code, problem.detail, problem.errors ? { errors: problem.errors } : {})
    return { ...item, problem: { ...problem, title: body.title, detail: body.detail, ...(body.errors ? { errors: body.errors } : {}) } }
  })
  return { ...result, items }
}

/**
 * For Fastify's `frameworkErrors` option (set where the instance is created): the router's own
 * failures — a malformed percent-encoding, a path parameter over `maxParamLength` — otherwise
 * answer with Fastify's plain JSON instead of a problem document.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is longer than any identifier of this API' : 'the URL is not valid (malformed percent-encoding)'
  request.log.info({ code: error.code }, 'request rejected by the router')
  reply.headers(SECURITY_HEADERS).header('x-request-id', request.id)
  return sendProblem(reply, request, 'bad_request', detail)
}

/**
 * For Fastify's `clientErrorHandler` option: what the HTTP parser refuses before there is a request
 * (headers over the size limit: 431; anything unparseable: 400), as a problem document with the
 * security headers, instead of Fastify's plain JSON.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy(error)
    return
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const code: ProblemCode = tooLarge ? 'headers_too_large' : 'bad_request'
  const body = JSON.stringify(problemBody(code, tooLarge ? 'the request headers are larger than this server accepts (16 kB)' : 'the request could not be parsed as HTTP', undefined))
  const status = PROBLEM_CODES[code].status
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-language': 'en',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  }
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')
  socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head}\r\n\r\n${body}`)
}

/** In Unicode mode a surrogate pair is one code point: what matches is a lone surrogate. */
const LONE_SURROGATE = /\p{Cs}/u

/** What is wrong with a text the database cannot store as sent, or undefined when nothing is. */
function illFormed(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)'
  // A lone surrogate (JSON allows "\ud800") is no character: jsonb refuses it, text would store U+FFFD.
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (a lone UTF-16 surrogate was sent)'
  return undefined
}

/** A name as one JSON pointer token (RFC 6901: `~` and `/` escaped). */
const pointerToken = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1')

/** JSON pointer and message of the first string (or object key) the database cannot store: U+0000 or a lone surrogate. */
export function findIllFormed(value: unknown): { pointer: string; message: string } | undefined {
  const stack: [unknown, string][] = [[value, '']]
  while (stack.length > 0) {
    const [node, pointer] = stack.pop()!
    if (typeof node === 'string') {
      const message = illFormed(node)
      if (message) return { pointer, message }
    } else if (node !== null && typeof node === 'object' && !ArrayBuffer.isView(node)) {
      // Bytes (an uploaded file) are not text: walking them would visit every byte.
      for (const [key, child] of Object.entries(node)) {
        const at = `${pointer}/${pointerToken(key)}`
        const message = illFormed(key)
        if (message) return { pointer: at, message }
        stack.push([child, at])
      }
    }
  }
  return undefined
}

/**
 * The first query parameter whose percent-encoding is not UTF-8 (`%FF`, a cut `%E5%BE`, CESU-8), with
 * its name: the query parser would pass such a value on as its raw text, so a search for `%FF` would
 * quietly find nothing. Undefined when every parameter decodes (the usual case costs one indexOf).
 */
export function malformedQueryParameter(url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1 || url.indexOf('%', start) === -1) return undefined
  for (const pair of url.slice(start + 1).split('&')) {
    if (!pair.includes('%')) continue
    const eq = pair.indexOf('=')
    const name = eq === -1 ? pair : pair.slice(0, eq)
    try {
      decodeURIComponent(name)
      if (eq !== -1) decodeURIComponent(pair.slice(eq + 1))
    } catch {
      let readable = name
      try {
        readable = decodeURIComponent(name.replace(/\+/g, ' '))
      } catch {
        // The name itself is malformed: it is pointed at as sent.
      }
      return readable
    }
  }
  return undefined
}

export default fp(
  async function errors(app: FastifyInstance) {
    // A NUL character or a lone surrogate is a client error, caught here (in every field of the path,
    // the query and the body) before the database fails on it with a 500 or stores U+FFFD instead.
    app.addHook('preValidation', (request, _reply, next) => {
      const malformed = malformedQueryParameter(request.url)
      if (malformed !== undefined) {
        return next(problems.field('query', `/${pointerToken(malformed)}`, 'is not valid percent-encoded UTF-8 (encode the text as UTF-8, then percent-encode each byte)'))
      }
      for (const [where, part] of [['path', request.params], ['query', request.query], ['body', request.body]] as const) {
        const found = findIllFormed(part)
        if (found) return next(problems.field(where, found.pointer, found.message))
      }
      next()
    })
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        reply.headers(error.headers)
        return sendProblem(reply, request, error.code, error.message, error.extra)
      }
      const { code, detail, extra, headers: own } = classify(error)
      if (code === 'internal_error') request.log.error({ err: error }, 'unhandled error')
      else if (own) request.log.warn({ code, err: error.message }, 'database unavailable')
      else request.log.info({ code, err: error.message }, 'request rejected')
      const headers = own ?? (error as { headers?: Record<string, string> }).headers
      if (headers) reply.headers(headers)
      return sendProblem(reply, request, code, detail, extra)
    })
    // The API takes JSON bodies only: without this, Fastify's built-in text/plain parser lets a
    // text body through to validation (400) instead of answering 415.
    app.removeContentTypeParser('text/plain')
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, request, 'route_not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    )
  },
  { name: 'errors' },
)
