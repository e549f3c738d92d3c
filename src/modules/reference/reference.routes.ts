import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { mergePatchBody, requireMergePatch } from '../../plugins/merge-patch.ts'
import { ok } from '../../lib/responses.ts'
import { IfMatchHeaders } from '../../lib/schemas.ts'
import { createReferenceService } from './reference.service.ts'
import {
  CountyList,
  CreateQualificationType,
  DepartmentList,
  PatchQualificationType,
  QualificationTypeList,
  QualificationType,
  TypeCodeParams,
} from './reference.schemas.ts'

export default async function referenceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createReferenceService({ db: app.db, clock: app.clock })
  const tags = ['reference']

  app.get('/v1/counties', {
    schema: {
      operationId: 'listCounties',
      summary: 'Counties, districts, county-level cities and functional zones of 德州市, including retired codes',
      description: 'The division codes a `countyCode` may take, with their validity; a retired code names its successor.',
      tags,
      response: { 200: ok('Every county', CountyList) },
    },
    config: { auth: false },
  }, async () => ({ items: await service.listCounties() }))

  app.get('/v1/departments', {
    schema: {
      operationId: 'listDepartments',
      summary: 'Responsible departments (责任单位) with stable codes',
      description: 'The departments a qualification type\'s `leadDepartmentCode` and a token\'s `dept` claim name.',
      tags,
      response: { 200: ok('Every department', DepartmentList) },
    },
    config: { auth: false },
  }, async () => ({ items: await service.listDepartments() }))

  app.get('/v1/qualification-types', {
    schema: {
      operationId: 'listQualificationTypes',
      summary: 'The qualification catalog',
      description: 'Every brand, certificate, award and standard type the registry records, with its rules (certificate-based, default validity, counts as a 好品山东 listing).',
      tags,
      response: { 200: ok('The catalog', QualificationTypeList) },
    },
    config: { auth: false },
  }, async () => ({ items: await service.listQualificationTypes() }))

  app.get('/v1/qualification-types/:code', {
    schema: {
      operationId: 'getQualificationType',
      summary: 'One catalog entry',
      description: 'The type with its rules; its ETag is what `If-Match` of a change names.',
      tags,
      params: TypeCodeParams,
      response: { 200: ok('The catalog entry', QualificationType, ['ETag']), ...problemResponses(404) },
    },
    config: { auth: false },
  }, async (request, reply) => {
    const { type, etag } = await service.getQualificationType(request.params.code)
    return reply.header('etag', etag).send(type)
  })

  app.post('/v1/qualification-types', {
    schema: {
      operationId: 'createQualificationType',
      summary: 'Add a brand or certificate type to the catalog',
      description: 'The code is permanent. 409 `qualification_type_exists` when the code is taken.',
      tags,
      body: CreateQualificationType,
      response: { 201: ok('The catalog entry as created', QualificationType, ['ETag', 'Location']), ...problemResponses(409) },
    },
    config: { auth: { scopes: ['admin'] } },
  }, async (request, reply) => {
    const { type, etag } = await service.createQualificationType(actorOf(request), request.body)
    return reply.code(201).header('location', `/v1/qualification-types/${type.code}`).header('etag', etag).send(type)
  })

  app.patch('/v1/qualification-types/:code', {
    schema: {
      operationId: 'patchQualificationType',
      summary: 'Change a catalog entry (JSON Merge Patch; the code cannot change)',
      description: 'Send `application/merge-patch+json` (preferred) or `application/json`, with `If-Match` naming the ETag you read (412 when stale).',
      tags,
      params: TypeCodeParams,
      headers: IfMatchHeaders(),
      body: mergePatchBody(PatchQualificationType),
      response: { 200: ok('The catalog entry after the change', QualificationType, ['ETag']), ...problemResponses(404, 412) },
    },
    config: { auth: { scopes: ['admin'] } },
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { type, etag } = await service.patchQualificationType(actorOf(request), request.params.code, request.body as never, request.headers['if-match'])
    return reply.header('etag', etag).send(type)
  })
}
