// The security headers on every answer, as helmet (a well-kept library) chooses them for the
// options below, computed once at start-up and then set with one `reply.headers` per request.
//
// Why not @fastify/helmet: it calls `helmet(options)` again for every request (building the whole
// middleware chain anew) in two hooks, one of them async. On a GET of one enterprise that was about
// two-fifths of the registry's node CPU per request (0.104–0.112 → 0.060–0.062 ms; docs/performance.md,
// "2026-12-01, second session"). The headers it produced are the same for every route here,
// because no route configures helmet itself.
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * No Content-Security-Policy from here: the API answers JSON, and the pages that need one set
 * their own (the Swagger UI's `staticCSP`). Verification pages are embedded by other sites' QR
 * landing pages, hence the cross-origin resource policy.
 */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = Object.freeze<HelmetOptions>({
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'cross-origin' },
})

/** The headers helmet sets for HELMET_OPTIONS, by lower-case name: what it writes on a response, recorded once. */
export function helmetHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
      return recorder
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let failed: unknown
  helmet({ ...options })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failed = error
  })
  if (failed) throw failed
  return Object.freeze(headers)
}

/**
 * The security headers every answer carries, also those given before any hook runs (the router's
 * failures, the HTTP parser's 431, a shutting-down instance's 503).
 */
export const SECURITY_HEADERS = helmetHeaders()

export default fp(async function securityHeaders(app) {
  // Set first thing, so that every later hook, handler and error answer sends them; a handler may
  // still override one for its own answer.
  app.addHook('onRequest', (_request, reply, next) => {
    reply.headers(SECURITY_HEADERS)
    next()
  })
}, { name: 'security-headers' })
