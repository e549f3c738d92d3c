// Turns every failure into an RFC 9457 problem document with a stable code. Unexpected errors
// are logged in full with the request id and answered with a generic 500.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, problemBody, type FieldError, type ProblemCode } from '../lib/problems.ts'

const PART: Record<string, FieldError['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

interface AjvIssue {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

export function fieldErrorsFromAjv(issues: AjvIssue[], context: string | undefined): FieldError[] {
  const where = PART[context ?? 'body'] ?? 'body'
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const issue of issues) {
    let pointer = issue.instancePath
    let message = issue.message ?? 'is invalid'
    if (issue.keyword === 'required') {
      pointer += `/${String(issue.params.missingProperty)}`
      message = 'is required'
    } else if (issue.keyword === 'additionalProperties') {
      pointer += `/${String(issue.params.additionalProperty)}`
      message = 'is not an accepted field'
    } else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
      message = `must be one of ${issue.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    }
    const key = `${pointer} ${message}`
    if (!seen.has(key)) {
      seen.add(key)
      out.push({ in: where, pointer, message })
    }
  }
  return out
}

function classify(error: FastifyError): { code: ProblemCode; detail: string; extra?: Record<string, unknown> } {
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

export function sendProblem(reply: FastifyReply, request: FastifyRequest, code: ProblemCode, detail: string, extra?: Record<string, unknown>) {
  const body = problemBody(code, detail, request.id, extra)
  return reply.code(body.status).type('application/problem+json').send(body)
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        reply.headers(error.headers)
        return sendProblem(reply, request, error.code, error.message, error.extra)
      }
      const { code, detail, extra } = classify(error)
      if (code === 'internal_error') request.log.error({ err: error }, 'unhandled error')
      else request.log.info({ code, err: error.message }, 'request rejected')
      const headers = (error as { headers?: Record<string, string> }).headers
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
