// The only code that touches county, department and qualification_type.
import type { Database, Tx } from '../../db/client.ts'
import type { CreateQualificationTypeInput, PatchQualificationTypeInput } from './reference.schemas.ts'

const dateOnly = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null)

export async function listCounties(db: Database) {
  const rows = await db.prisma.county.findMany({ orderBy: { code: 'asc' } })
  const today = new Date()
  return rows.map((c) => ({
    code: c.code,
    name: c.name,
    kind: c.kind,
    validFrom: dateOnly(c.validFrom)!,
    validUntil: dateOnly(c.validUntil),
    successorCode: c.successorCode,
    retired: c.validUntil !== null && c.validUntil < today,
  }))
}

export async function listDepartments(db: Database) {
  return db.prisma.department.findMany({ orderBy: { code: 'asc' } })
}

type TypeRow = NonNullable<Awaited<ReturnType<Tx['qualificationType']['findUnique']>>>

export function toQualificationType(row: TypeRow) {
  return {
    code: row.code,
    name: row.name,
    level: row.level,
    domain: row.domain,
    leadDepartmentCode: row.leadDepartmentCode,
    certificateBased: row.certificateBased,
    defaultValidityMonths: row.defaultValidityMonths,
    countsAsListing: row.countsAsListing,
    isStandard: row.isStandard,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export async function listQualificationTypes(db: Database) {
  return (await db.prisma.qualificationType.findMany({ orderBy: { code: 'asc' } })).map(toQualificationType)
}

export async function findQualificationType(client: Database['prisma'] | Tx, code: string, forUpdate = false) {
  if (forUpdate) await client.$queryRawUnsafe('SELECT 1 FROM qualification_type WHERE code = $1 FOR UPDATE', code)
  const row = await client.qualificationType.findUnique({ where: { code } })
  return row ? toQualificationType(row) : null
}

export async function departmentExists(tx: Tx, code: string) {
  return (await tx.department.count({ where: { code } })) > 0
}

export async function insertQualificationType(tx: Tx, input: CreateQualificationTypeInput) {
  return toQualificationType(await tx.qualificationType.create({ data: { ...input, defaultValidityMonths: input.defaultValidityMonths ?? null } }))
}

export async function updateQualificationType(tx: Tx, code: string, patch: PatchQualificationTypeInput) {
  return toQualificationType(
    await tx.qualificationType.update({ where: { code }, data: { ...patch, version: { increment: 1 }, updatedAt: new Date() } }),
  )
}
