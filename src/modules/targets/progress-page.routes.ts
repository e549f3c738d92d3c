// GET /progress: the progress page, rendered on the server from the same answer as
// GET /v1/target-plans/{code}/progress. Public, like the policy it follows (此件公开发布): it shows
// figures only; the lists of what was counted stay behind a token.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { progressPage } from './progress-page.ts'
import { createProgressService } from './progress.service.ts'
import * as repo from './targets.repository.ts'
import { countiesOn, shanghaiDay } from './progress.ts'
import { ProgressPage, ProgressPageQuery } from './targets.schemas.ts'
import { ok } from '../../lib/responses.ts'

/** The plan the page shows. */
export const PAGE_PLAN = 'DEZHOU_HAOPIN_2025'

export default async function progressPageRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const progress = createProgressService({ db: app.db, clock: app.clock })

  app.get('/progress', {
    schema: {
      operationId: 'getProgressPage',
      summary: 'The 2025 targets\' progress page (HTML, Chinese): bars against the goals, the county breakdown',
      description:
        `Rendered from the answer of GET /v1/target-plans/${PAGE_PLAN}/progress (by county; with \`countyCode\`, that county's figures). ` +
        'Works without scripts, on a phone and a desktop. Rate limited per client address.',
      tags: ['targets'],
      querystring: ProgressPageQuery,
      response: { 200: ok('The page', { 'text/html': ProgressPage }, ['Cache-Control']) },
    },
    config: { auth: false, rateLimit: { max: app.config.publicRateLimit.max, timeWindow: app.config.publicRateLimit.windowMs } },
  }, async (request, reply) => {
    const { asOf, countyCode } = request.query
    const answer = await progress.progress(PAGE_PLAN, { asOf, countyCode, ...(countyCode ? {} : { by: 'county' as const }) })
    const counties = await repo.counties(app.db)
    const choices = countiesOn(counties, shanghaiDay(new Date(answer.asOf))).map((c) => ({ code: c.code, name: c.name }))
    const pinned = asOf ? `asOf=${encodeURIComponent(asOf)}&` : ''
    const json = `/v1/target-plans/${PAGE_PLAN}/progress?${pinned}${countyCode ? `countyCode=${countyCode}` : 'by=county'}`
    const html = progressPage(answer, countyCode ? (counties.find((c) => c.code === countyCode)?.name ?? countyCode) : null, choices, {
      json,
      county: (code) => `/progress${asOf || code ? '?' : ''}${[asOf ? `asOf=${encodeURIComponent(asOf)}` : '', code ? `countyCode=${code}` : ''].filter(Boolean).join('&')}`,
    })
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
  })
}
