// Idempotency-Key for every POST (per calling `sub`): the first response is stored in the
// database and replayed for retries with the same body; the same key with another body is a
// 422; a retry while the first is still running is a 409. The database row decides, so this
// holds across API instances. Keys live IDEMPOTENCY_TTL_HOURS (24 h by default).
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { canonicalJson } from '../lib/canonical-json.ts'
import { AppError } from '../lib/problems.ts'
import { headerSchemas } from '../lib/responses.ts'
import { problemResponses } from './openapi.ts'

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { sub: string; key: string } | null
  }
}

const KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$'
/** How long a claimed key waits for its first request before a retry may take it over. */
const LOCK_SECONDS = 60
const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'link']

interface StoredKey {
  request_hash: string
  completed: boolean
  locked: boolean
  expired: boolean
  response_status: number | null
  response_body: string | null
  response_headers: Record<string, string> | null
}

function asList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
}

function requestHash(request: FastifyRequest): string {
  const url = request.url.split('?')
  // A file upload is hashed as its bytes; JSON by its canonical form.
  const body = Buffer.isBuffer(request.body) ? request.body : canonicalJson(request.body ?? null)
  return createHash('sha256').update(`${request.method} ${url[0]}?${url[1] ?? ''}\n`).update(body).digest('hex')
}

/** True for the routes that take an Idempotency-Key: every POST that needs a token. */
function takesKey(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  return methods.includes('POST') && route.config?.auth !== false
}

function documentKeyHeader(route: RouteOptions) {
  const schema = (route.schema ??= {}) as Record<string, any>
  const headers = (schema.headers ??= { type: 'object', properties: {} })
  headers.properties ??= {}
  headers.properties['idempotency-key'] = {
    type: 'string',
    pattern: KEY_PATTERN,
    description:
      'Makes the POST safe to retry: the first response is stored for this key and your token\'s `sub` for at least 24 hours and replayed ' +
      '(with `Idempotency-Replayed: true`) for a retry with the same body. Another body with the same key gets 422; a retry while the first is still running gets 409.',
  }
  const responses: Record<string, any> = { ...problemResponses(...[409, 422].filter((s) => !schema.response?.[s])), ...schema.response }
  // A replayed success says so (the stored response's own headers come with it).
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 300) responses[status] = { ...response, headers: { ...response.headers, ...headerSchemas(['Idempotency-Replayed']) } }
  }
  schema.response = responses
}

export default fp(
  async function idempotency(app: FastifyInstance, opts: { ttlHours: number }) {
    app.decorateRequest('idempotency', null)
    // The hooks sit on the POST routes alone, so that no other request passes through them.
    app.addHook('onRoute', (route) => {
      if (!takesKey(route)) return
      documentKeyHeader(route)
      route.preHandler = [...asList(route.preHandler), claimKey]
      route.onSend = [...asList(route.onSend), storeResponse]
    })

    async function claimKey(request: FastifyRequest, reply: FastifyReply) {
      const key = request.headers['idempotency-key']
      if (request.method !== 'POST' || typeof key !== 'string' || !request.principal) return
      const sub = request.principal.sub
      const hash = requestHash(request)
      const claim = async (sql: string) =>
        (await app.db.query(sql, [sub, key, hash, request.method, request.url, LOCK_SECONDS, opts.ttlHours])).length > 0

      if (await claim(
        `INSERT INTO idempotency_key (sub, key, request_hash, method, path, locked_until, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), now() + make_interval(hours => $7))
         ON CONFLICT (sub, key) DO NOTHING RETURNING 1`,
      )) {
        request.idempotency = { sub, key }
        if (Math.random() < 0.01) {
          await app.db.query(`DELETE FROM idempotency_key WHERE ctid IN (SELECT ctid FROM idempotency_key WHERE expires_at < now() LIMIT 1000)`)
        }
        return
      }

      const [stored] = await app.db.query<StoredKey>(
        `SELECT request_hash, completed_at IS NOT NULL AS completed, locked_until > now() AS locked, expires_at < now() AS expired,
                response_status, response_body, response_headers
         FROM idempotency_key WHERE sub = $1 AND key = $2`,
        [sub, key],
      )
      // An expired key, or one whose first request died before answering, may be taken over.
      const takeOver = async () =>
        claim(
          `UPDATE idempotency_key SET request_hash = $3, method = $4, path = $5, response_status = NULL, response_body = NULL,
             response_headers = NULL, completed_at = NULL, created_at = now(),
             locked_until = now() + make_interval(secs => $6), expires_at = now() + make_interval(hours => $7)
           WHERE sub = $1 AND key = $2 AND (expires_at < now() OR (completed_at IS NULL AND locked_until < now()))
           RETURNING 1`,
        )
      if (!stored || stored.expired) {
        if (stored && (await takeOver())) {
          request.idempotency = { sub, key }
          return
        }
        throw new AppError('idempotency_in_progress', 'another request with this Idempotency-Key is being processed; retry shortly')
      }
      if (stored.request_hash !== hash) {
        throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request')
      }
      if (!stored.completed) {
        if (!stored.locked && (await takeOver())) {
          request.idempotency = { sub, key }
          return
        }
        throw new AppError('idempotency_in_progress', 'the first request with this Idempotency-Key is still being processed; retry shortly', {}, { 'retry-after': '1' })
      }
      reply.headers(stored.response_headers ?? {}).header('idempotency-replayed', 'true').code(stored.response_status!)
      return reply.send(stored.response_body ?? '')
    }

    async function storeResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      const claimed = request.idempotency
      if (!claimed) return payload
      request.idempotency = null
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        // Nothing was done (a failed request leaves no write): free the key for a retry.
        await app.db.query('DELETE FROM idempotency_key WHERE sub = $1 AND key = $2 AND completed_at IS NULL', [claimed.sub, claimed.key])
        return payload
      }
      const headers: Record<string, string> = {}
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = String(value)
      }
      await app.db.query(
        `UPDATE idempotency_key SET response_status = $3, response_body = $4, response_headers = $5::jsonb, completed_at = now()
         WHERE sub = $1 AND key = $2`,
        [claimed.sub, claimed.key, reply.statusCode, payload, JSON.stringify(headers)],
      )
      return payload
    }
  },
  { name: 'idempotency', dependencies: ['auth', 'openapi'] },
)
