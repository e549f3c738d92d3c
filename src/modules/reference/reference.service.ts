// Reference data: counties and departments (seeded by migration) and the qualification-type
// catalog, which an admin extends as new brands are folded into the 好品山东 system.
import { inTx, type Database } from '../../db/client.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { appendAudit, type Actor } from '../audit/audit.repository.ts'
import * as repo from './reference.repository.ts'
import type { CreateQualificationTypeInput, PatchQualificationTypeInput } from './reference.schemas.ts'

export function createReferenceService(db: Database) {
  async function assertDepartment(tx: Parameters<typeof repo.departmentExists>[0], code: string | undefined) {
    if (code !== undefined && !(await repo.departmentExists(tx, code))) {
      throw problems.field('body', '/leadDepartmentCode', `unknown department "${code}" (see GET /v1/departments)`)
    }
  }

  return {
    listCounties: () => repo.listCounties(db),
    listDepartments: () => repo.listDepartments(db),
    listQualificationTypes: () => repo.listQualificationTypes(db),

    async getQualificationType(code: string) {
      const type = await repo.findQualificationType(db.prisma, code)
      if (!type) throw problems.notFound('qualification type', code)
      return { type, etag: etagOf(type) }
    },

    async createQualificationType(actor: Actor, input: CreateQualificationTypeInput) {
      return db.prisma.$transaction(async (tx) => {
        await assertDepartment(tx, input.leadDepartmentCode)
        if (await repo.findQualificationType(tx, input.code)) {
          throw new AppError('qualification_type_exists', `qualification type ${input.code} already exists; change it with PATCH`)
        }
        const type = await repo.insertQualificationType(tx, input)
        await appendAudit(inTx(tx), actor, [{ operation: 'qualification_type.create', entityType: 'qualification_type', entityId: type.code, after: type }])
        return { type, etag: etagOf(type) }
      })
    },

    async patchQualificationType(actor: Actor, code: string, patch: PatchQualificationTypeInput, ifMatch: string | undefined) {
      return db.prisma.$transaction(async (tx) => {
        const before = await repo.findQualificationType(tx, code, true)
        if (!before) throw problems.notFound('qualification type', code)
        assertIfMatch(ifMatch, etagOf(before))
        await assertDepartment(tx, patch.leadDepartmentCode)
        const after = await repo.updateQualificationType(tx, code, patch)
        await appendAudit(inTx(tx), actor, [{ operation: 'qualification_type.update', entityType: 'qualification_type', entityId: code, before, after }])
        return { type: after, etag: etagOf(after) }
      })
    },
  }
}
