import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { actorOf } from '../../lib/actor.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { requireMergePatch } from '../../plugins/merge-patch.ts'
import { IfMatchHeaders } from '../../lib/schemas.ts'
import { createReferenceService } from './reference.service.ts'
import {
  County,
  CreateQualificationType,
  Department,
  ListOf,
  PatchQualificationType,
  QualificationType,
  TypeCodeParams,
} from './reference.schemas.ts'

export default async function referenceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createReferenceService({ db: app.db, clock: app.clock })
  const tags = ['reference']

  app.get('/v1/counties', {
    schema: { operationId: 'listCounties', summary: 'Counties, districts, county-level cities and functional zones of 德州市, including retired codes', tags, response: { 200: ListOf(County) } },
    config: { auth: false },
  }, async () => ({ items: await service.listCounties() }))

  app.get('/v1/departments', {
    schema: { operationId: 'listDepartments', summary: 'Responsible departments (责任单位) with stable codes', tags, response: { 200: ListOf(Department) } },
    config: { auth: false },
  }, async () => ({ items: await service.listDepartments() }))

  app.get('/v1/qualification-types', {
    schema: { operationId: 'listQualificationTypes', summary: 'The qualification catalog', tags, response: { 200: ListOf(QualificationType) } },
    config: { auth: false },
  }, async () => ({ items: await service.listQualificationTypes() }))

  app.get('/v1/qualification-types/:code', {
    schema: { operationId: 'getQualificationType', summary: 'One catalog entry', tags, params: TypeCodeParams, response: { 200: QualificationType, ...problemResponses(404) } },
    config: { auth: false },
  }, async (request, reply) => {
    const { type, etag } = await service.getQualificationType(request.params.code)
    return reply.header('etag', etag).send(type)
  })

  app.post('/v1/qualification-types', {
    schema: {
      operationId: 'createQualificationType',
      summary: 'Add a brand or certificate type to the catalog',
      tags,
      body: CreateQualificationType,
      response: { 201: QualificationType, ...problemResponses(409) },
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
      tags,
      params: TypeCodeParams,
      headers: IfMatchHeaders(),
      body: { content: { 'application/merge-patch+json': { schema: PatchQualificationType } } },
      response: { 200: QualificationType, ...problemResponses(404, 412) },
    },
    config: { auth: { scopes: ['admin'] } },
    preValidation: requireMergePatch,
  }, async (request, reply) => {
    const { type, etag } = await service.patchQualificationType(actorOf(request), request.params.code, request.body as never, request.headers['if-match'])
    return reply.header('etag', etag).send(type)
  })
}
