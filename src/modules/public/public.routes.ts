import { sendNotModified } from '../../lib/reply.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { notModified } from '../../lib/http.ts'
import { nextLink } from '../../lib/paging.ts'
import { notModified as notModifiedResponse, ok } from '../../lib/responses.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { answerEtag, cacheControl, maxAgeUntil, type AnswerFormat } from './answer-caching.ts'
import {
  CompactJws,
  Jwks,
  ShowcasePage,
  ShowcaseQuery,
  Statement,
  VerifyPage,
  VerifyPageCertificateParams,
  VerifyPageQuery,
  VerifyPageUsccParams,
  VerifyQuery,
  type StatementDto,
  type VerifyQueryInput,
} from './public.schemas.ts'
import { createPublicService, type VerifiedAnswer } from './public.service.ts'
import { verifyPage } from './verify-page.ts'

const CACHED = ['ETag', 'Cache-Control', 'Vary'] as const

export default async function publicRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createPublicService({ db: app.db, clock: app.clock }, app.statementSigner)
  const tags = ['public']
  const maxAge = app.config.publicCacheMaxAgeSeconds
  // Per client address (behind a proxy, set TRUST_PROXY so the address is the client's).
  const config = {
    auth: false as const,
    rateLimit: { max: app.config.publicRateLimit.max, timeWindow: app.config.publicRateLimit.windowMs },
  }
  const CACHING_NOTE =
    'Answers carry a weak `ETag` of what they say and `Cache-Control: public, max-age=…` up to the moment the answer could next change by time ' +
    `alone, at most ${maxAge} s (\`PUBLIC_CACHE_MAX_AGE_SECONDS\`); revalidate with \`If-None-Match\` (304). Unknown query parameters, such as ` +
    'those WeChat adds to shared links, are ignored.'

  app.get('/v1/public/verify', {
    schema: {
      operationId: 'verifyPublicly',
      summary: 'Is this enterprise\'s brand, or this certificate, genuine? A signed statement from live data',
      description:
        'Ask about an enterprise (`uscc`) or a certificate (`certificateNo` and `type`). The answer names the enterprise (public name, county, ' +
        'brand status) and each public qualification (type, certificate number, status, validity, and for a suspended, revoked or withdrawn one ' +
        'the decision: when, by whom, 文号), the moment it describes (`asOf`) and a ' +
        '`statementId`. Anything the registry does not hold is answered with `"status": "unknown"` — never a guess; a malformed USCC is a 400. ' +
        'With `format=jws` or `Accept: application/jose` the same statement comes as a compact JWS signed with the registry\'s key; check it ' +
        `any time later against \`/.well-known/jwks.json\`. Rate limited per client address. ${CACHING_NOTE}`,
      tags,
      querystring: VerifyQuery,
      headers: { type: 'object', properties: { 'if-none-match': { type: 'string', maxLength: 512, description: 'The ETag you hold: 304 while the answer is unchanged' } } },
      response: {
        200: ok('The statement, as JSON or as a compact JWS of that JSON', { 'application/json': Statement, 'application/jose': CompactJws }, CACHED),
        304: notModifiedResponse(CACHED),
      },
    },
    config,
  }, async (request, reply) => {
    const format = request.query.format ?? (/application\/jose/i.test(request.headers.accept ?? '') ? 'jws' : 'json')
    const found = await service.verify(request.query)
    if (cached(request, reply, found, format)) return sendNotModified(reply)
    const json = 'json' in found ? found.json : JSON.stringify(found.statement)
    reply.header('vary', 'Accept')
    if (format === 'jws') return reply.type('application/jose').send(await service.sign(json))
    return reply.type('application/json; charset=utf-8').send(json)
  })

  const PAGE_NOTE =
    'For people: what a consumer sees after scanning a product\'s 好品山东 mark, in Chinese, sized for a phone. It links to the signed ' +
    `statement of the same question. ${CACHING_NOTE}`

  app.get('/verify/:uscc', {
    schema: {
      operationId: 'verifyEnterprisePage',
      summary: 'Verification page of an enterprise (HTML, Chinese)',
      description: `${PAGE_NOTE} For a string that is not a valid 统一社会信用代码 the page says so, and that no record exists.`,
      tags,
      params: VerifyPageUsccParams,
      querystring: VerifyPageQuery,
      headers: { type: 'object', properties: { 'if-none-match': { type: 'string', maxLength: 512, description: 'The ETag you hold: 304 while the page is unchanged' } } },
      response: {
        200: ok('The page', { 'text/html': VerifyPage }, CACHED),
        304: notModifiedResponse(CACHED),
      },
    },
    config,
  }, async (request, reply) => {
    const checked = checkUscc(request.params.uscc)
    if (!checked.valid) {
      const statement = unknownStatement({ uscc: request.params.uscc }, app.clock.now())
      const links = pageLinks(`uscc=${encodeURIComponent(request.params.uscc)}`)
      return reply.type('text/html; charset=utf-8').send(verifyPage(statement, { ...links, notice: `“${request.params.uscc}”不是有效的统一社会信用代码。` }))
    }
    return sendPage(request, reply, { uscc: checked.uscc, asOf: request.query.asOf }, `uscc=${checked.uscc}`)
  })

  app.get('/verify/certificates/:type/:certificateNo', {
    schema: {
      operationId: 'verifyCertificatePage',
      summary: 'Verification page of a certificate (HTML, Chinese)',
      description: `${PAGE_NOTE} The certificate is named by its type's catalog code and its number.`,
      tags,
      params: VerifyPageCertificateParams,
      querystring: VerifyPageQuery,
      headers: { type: 'object', properties: { 'if-none-match': { type: 'string', maxLength: 512, description: 'The ETag you hold: 304 while the page is unchanged' } } },
      response: { 200: ok('The page', { 'text/html': VerifyPage }, CACHED), 304: notModifiedResponse(CACHED) },
    },
    config,
  }, async (request, reply) => {
    const { type, certificateNo } = request.params
    const query = `type=${encodeURIComponent(type)}&certificateNo=${encodeURIComponent(certificateNo)}`
    // A type code that cannot exist names no certificate: the page says "no record".
    if (!/^[A-Z][A-Z0-9_]{2,63}$/.test(type)) {
      return reply.type('text/html; charset=utf-8').send(verifyPage(unknownStatement({ type, certificateNo }, app.clock.now()), pageLinks(query)))
    }
    return sendPage(request, reply, { type, certificateNo, asOf: request.query.asOf }, query)
  })

  app.get('/v1/public/brands', {
    schema: {
      operationId: 'listPublicBrands',
      summary: 'Showcase: enterprises with an active 好品山东 listing, with their active qualifications',
      description: 'Public fields only. Filter by county, or by a qualification type the enterprise also holds actively. Ordered by USCC; follow `nextCursor` or the `Link: rel="next"` header.',
      tags,
      querystring: ShowcaseQuery,
      response: { 200: ok('A page of the showcase', ShowcasePage, ['Link']) },
    },
    config,
  }, async (request, reply) => {
    const page = await service.showcase(request.query)
    const link = nextLink(request.url, page.nextCursor)
    return (link ? reply.header('link', link) : reply).send(page)
  })

  app.get('/.well-known/jwks.json', {
    schema: {
      operationId: 'getStatementKeys',
      summary: 'Public keys that verify the registry\'s signed statements (JWK Set)',
      description: 'The JWK Set whose `kid` a statement\'s JWS header names. Cacheable for 5 minutes.',
      tags,
      response: { 200: ok('The key set', Jwks, ['Cache-Control']) },
    },
    config,
  }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(service.jwks() as never))

  /** Sets the validators; true when the caller's copy is current (answer 304). */
  function cached(request: FastifyRequest, reply: FastifyReply, found: VerifiedAnswer, format: AnswerFormat): boolean {
    const etag = answerEtag(found.content, format)
    reply.header('etag', etag).header('cache-control', cacheControl(maxAgeUntil(found.asOf, found.nextChange, maxAge)))
    // Weak comparison (RFC 9110 8.8.3.2): the tags match whatever their W/ prefixes.
    return notModified(request.headers['if-none-match'], etag.slice(2))
  }

  async function sendPage(request: FastifyRequest, reply: FastifyReply, query: VerifyQueryInput, subject: string) {
    const found = await service.verify(query)
    if (cached(request, reply, found, 'html')) return sendNotModified(reply)
    const statement = 'json' in found ? (JSON.parse(found.json) as StatementDto) : found.statement
    return reply.type('text/html; charset=utf-8').send(verifyPage(statement, pageLinks(subject)))
  }
}

function pageLinks(subject: string) {
  return { jws: `/v1/public/verify?${subject}&format=jws`, json: `/v1/public/verify?${subject}` }
}

/** What a page says about a subject that cannot exist; no statement is made (no id, no issuer). */
function unknownStatement(subject: StatementDto['subject'], now: Date): StatementDto {
  return { statementId: '', iss: '', iat: 0, asOf: now.toISOString(), subject, status: 'unknown', enterprise: null, qualifications: [] }
}
