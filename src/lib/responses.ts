// Response declarations for route schemas: what each response is, per media type, and the
// headers it carries, so that the contract says everything a response sends. The OpenAPI plugin
// adds the headers every response of a kind carries (X-Request-Id, Retry-After, ...).
import type { TSchema } from 'typebox'

/** Response headers the API sends, declared once. */
export const RESPONSE_HEADERS = {
  ETag: {
    type: 'string',
    description: 'Entity tag of this representation: send it back as `If-None-Match` (304 when unchanged) or, on a change, as `If-Match` (412 when stale)',
    examples: ['"3q2-7wEAAAAsJ8oYcC5kFq0nE2bVxQ"'],
  },
  Location: { type: 'string', description: 'Path of the resource this request created', examples: ['/v1/enterprises/91350100M000100Y43'] },
  Link: {
    type: 'string',
    description: 'RFC 8288 link to the next page (`rel="next"`), keeping the other query parameters; absent on the last page',
    examples: ['</v1/enterprises?limit=20&cursor=WyI5MTM1MDEwME0wMDAxMDBZNDMiXQ>; rel="next"'],
  },
  'Idempotency-Replayed': {
    type: 'string',
    enum: ['true'],
    description: 'Present when this response is the stored first response to the same `Idempotency-Key`, replayed',
  },
  'Retry-After': { type: 'string', pattern: '^\\d+$', description: 'Seconds to wait before retrying', examples: ['5'] },
  'Cache-Control': {
    type: 'string',
    description: 'How long a cache (a CDN, a browser) may reuse this answer without asking again',
    examples: ['public, max-age=60'],
  },
  'X-Request-Id': {
    type: 'string',
    description: 'Id of this request (yours when you sent a valid `X-Request-Id`); problem documents carry it as `instance`',
    examples: ['5d0c2a8e-51a4-4f4e-9a0f-0b7f3b1f9e02'],
  },
  'WWW-Authenticate': { type: 'string', description: 'RFC 6750 bearer challenge naming the error (and, for 403, the missing scope)' },
  'Content-Language': { type: 'string', description: 'Language of `title` and `detail`: `zh-CN` when `Accept-Language` prefers Chinese, else `en`', examples: ['zh-CN'] },
  Vary: { type: 'string', description: 'Request headers that select this representation', examples: ['Accept'] },
  'Registry-Known-At': {
    type: 'string',
    format: 'date-time',
    description: 'Exports: the `knownAt` the export answers with (yours when pinned, else the moment its snapshot began). Re-export with it to reproduce the file',
    examples: ['2025-07-09T06:42:17.508Z'],
  },
  'Registry-Audit-Head': {
    type: 'string',
    pattern: '^\\d+:[0-9a-f]{64}$',
    description: 'Exports: the audit chain head (`<seq>:<hash>`) when the export began; compare with `GET /v1/audit-events/verify`',
    examples: ['18342:9f2e5c0b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f'],
  },
  'Registry-Snapshot': {
    type: 'string',
    enum: ['provisional'],
    description: 'Exports: present when the same request later may give other bytes (knownAt not older than the settle window, or a list without knownAt)',
  },
  'Content-Location': {
    type: 'string',
    description: 'Exports: this export\'s URL with `knownAt` pinned; requesting it again after the settle window gives the same bytes',
    examples: ['/v1/revocations?countyCode=371402&knownAt=2025-07-09T06%3A42%3A17.508Z&format=csv'],
  },
  'Content-Disposition': {
    type: 'string',
    description: 'Exports: an attachment with its file name (RFC 6266; `filename*` in UTF-8, RFC 8187)',
    examples: ['attachment; filename="revocations-2025-07-09T06-42-17-508Z.csv"; filename*=UTF-8\'\'revocations-2025-07-09T06-42-17-508Z.csv'],
  },
} as const

export type ResponseHeader = keyof typeof RESPONSE_HEADERS

export const headerSchemas = (names: readonly ResponseHeader[]) => Object.fromEntries(names.map((name) => [name, { ...RESPONSE_HEADERS[name] }]))

/** A response with a JSON body (or several media types, each with its schema) and the headers it carries. */
export function ok(description: string, body: TSchema | Record<string, TSchema>, headers: readonly ResponseHeader[] = []) {
  const media = '$ref' in body || 'type' in body || 'anyOf' in body ? { 'application/json': body as TSchema } : (body as Record<string, TSchema>)
  return {
    description,
    headers: headerSchemas(headers),
    content: Object.fromEntries(Object.entries(media).map(([type, schema]) => [type, { schema }])),
  }
}

/** 304: no body and no content type, only the validators of the representation the cache holds. */
export function notModified(headers: readonly ResponseHeader[] = ['ETag']) {
  return {
    type: 'null',
    description: 'Not modified: `If-None-Match` names the current ETag; use the representation you hold (no body)',
    headers: headerSchemas(headers),
  } as const
}
