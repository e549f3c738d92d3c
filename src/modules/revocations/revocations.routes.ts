import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { EXPORT_HEADERS, exportFormatOf, exportMedia, sendExport } from '../../lib/export.ts'
import { nextLink } from '../../lib/paging.ts'
import { sendJsonText } from '../../lib/reply.ts'
import { ok } from '../../lib/responses.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { RevocationPage, RevocationQuery, RevocationStats, RevocationStatsQuery } from './revocations.schemas.ts'
import { createRevocationService } from './revocations.service.ts'

const EXPORT_NOTE =
  'Export: `Accept: text/csv` or `format=csv` streams every matching item as CSV (UTF-8 with BOM for Excel, CRLF, RFC 4180, cells starting ' +
  'with = + - @ prefixed with \', nested fields flattened with `_`; `header=zh` for Chinese column names, `timeZone=Asia/Shanghai` for +08:00 times); ' +
  '`Accept: application/x-ndjson` or `format=ndjson` streams the JSON items one a line. An export reads one snapshot; `Registry-Known-At` is the ' +
  'knownAt used and `Registry-Audit-Head` the audit chain head (`<seq>:<hash>`) when it began. The same URL with `knownAt` pinned at least 60 s in ' +
  'the past gives a byte-identical file (compare SHA-256); a later knownAt is marked `Registry-Snapshot: provisional`. `cursor`/`limit` with an ' +
  'export is 400; any other `Accept` is 406. Dates: a calendar date means the start of that day in Asia/Shanghai; send decisions effective ' +
  '"2025-07-01" as `2025-07-01T00:00:00+08:00`, not `…Z`.'

export default async function revocationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createRevocationService({ db: app.db, clock: app.clock })
  const tags = ['revocations']
  const read = { auth: { scopes: ['registry:read' as const] } }

  app.get('/v1/revocations', {
    schema: {
      operationId: 'listRevocations',
      summary: 'The revocation register: every status change ending (or suspending) a qualification, with its provenance',
      description:
        'One item per status-change event to `toStatus` (default `revoked`), across the registry, whether a supervision case decided it or not ' +
        '(`viaCase: false` marks changes made outside the workflow). `countyCode` is the county at the event\'s effective time; ' +
        '`minRecordingLagHours` finds back-dated entries. Each item carries the decision (决定机关, 层级, 文号), the case and its referral, who ' +
        'recorded it, and the chain position and hash of its audit entry (check with `GET /v1/audit-events/verify`). `knownAt` (default now) is ' +
        'pinned into the cursor: every page answers from the same knowledge. Ordered by `recordedAt` (or `effectiveAt` with `order=effective`), ' +
        `then id; follow \`nextCursor\` or \`Link: rel="next"\`. ${EXPORT_NOTE}`,
      tags,
      querystring: RevocationQuery,
      response: {
        200: ok('A page of the register, or all of it as CSV or NDJSON', exportMedia(RevocationPage, 'register item'), ['Link', ...EXPORT_HEADERS]),
        ...problemResponses(406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, service.exportSpec(request.query))
    const page = await service.list(request.query)
    const link = nextLink(request.url, page.nextCursor)
    if (link) reply.header('link', link)
    return sendJsonText(reply, page.json)
  })

  app.get('/v1/revocations/stats', {
    schema: {
      operationId: 'getRevocationStats',
      summary: 'Counts of the revocation register, grouped by up to two dimensions',
      description:
        'The same filters as `GET /v1/revocations`; `groupBy` up to two of county (at the event\'s effective time), type, authority, level, ' +
        'effectiveMonth, recordedMonth (Asia/Shanghai months) and viaCase. `total` equals the number of items the list gives for the same filters ' +
        'and the sum of the groups. `format=csv` / `format=ndjson` (or the `Accept` types) give the groups as a file, with the provenance headers of ' +
        'every export.',
      tags,
      querystring: RevocationStatsQuery,
      response: {
        200: ok('The counts, or the groups as CSV or NDJSON', exportMedia(RevocationStats, 'group'), EXPORT_HEADERS),
        ...problemResponses(406),
      },
    },
    config: read,
  }, async (request, reply) => {
    const format = exportFormatOf(request)
    if (format) return sendExport(request, reply, app.db, format, service.statsExportSpec(request.query))
    return sendJsonText(reply, await service.stats(request.query))
  })
}
