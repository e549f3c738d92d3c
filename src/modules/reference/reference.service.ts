// Reference data: counties and departments (seeded by migration) and the qualification-type
// catalog, which an admin extends as new brands are folded into the 好品山东 system.
import type { Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import * as repo from './reference.repository.ts'
import type { CreateQualificationTypeInput, PatchQualificationTypeInput } from './reference.schemas.ts'

export function createReferenceService({ db, clock }: ServiceDeps) {
  async function assertDepartment(tx: Parameters<typeof repo.departmentExists>[0], code: string | undefined) {
    if (code !== undefined && !(await repo.departmentExists(tx, code))) {
      throw problems.field('body', '/leadDepartmentCode', `unknown department "${code}" (see GET /v1/departments)`)
    }
  }
  const exists = (code: string) => new AppError('qualification_type_exists', `qualification type ${code} already exists; change it with PATCH`)

  return {
    listCounties: () => repo.listCounties(db, clock.now()),
    listDepartments: () => repo.listDepartments(db),
    listQualificationTypes: () => repo.listQualificationTypes(db),

    async getQualificationType(code: string) {
      const type = await repo.findQualificationType(db, code)
      if (!type) throw problems.notFound('qualification type', code)
      return { type, etag: etagOf(type) }
    },

    async createQualificationType(actor: Actor, input: CreateQualificationTypeInput) {
      return db.transaction(async (tx) => {
        await assertDepartment(tx, input.leadDepartmentCode)
        const type = await repo.insertQualificationType(tx, input)
        if (!type) throw exists(input.code)
        const doc = JSON.stringify(type)
        recordAudit(tx, actor, [{ operation: 'qualification_type.create', entityType: 'qualification_type', entityId: type.code, before: null, after: doc }])
        return { type, etag: etagOf(type) }
      })
    },

    async patchQualificationType(actor: Actor, code: string, patch: PatchQualificationTypeInput, ifMatch: string | undefined) {
      return db.transaction(async (tx) => {
        const before = await repo.lockQualificationType(tx, code)
        if (!before) throw problems.notFound('qualification type', code)
        assertIfMatch(ifMatch, etagOf(before))
        await assertDepartment(tx, patch.leadDepartmentCode)
        const after = await repo.updateQualificationType(tx, code, patch)
        recordAudit(tx, actor, [
          { operation: 'qualification_type.update', entityType: 'qualification_type', entityId: code, before: JSON.stringify(before), after: JSON.stringify(after) },
        ])
        return { type: after, etag: etagOf(after) }
      })
    },
  }
}
