// The only code that touches county, department and qualification_type. Reads outside a unit of
// work use Prisma Client's typed CRUD; writes run in the caller's unit of work as SQL (a Prisma
// transaction cannot join it).
import type { Database, Queryable } from '../../db/client.ts'
import type { CreateQualificationTypeInput, PatchQualificationTypeInput, QualificationTypeDto } from './reference.schemas.ts'

const dateOnly = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null)

export async function listCounties(db: Database, today: Date) {
  const rows = await db.prisma.county.findMany({ orderBy: { code: 'asc' } })
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

/** A catalog row in Prisma's field names, however it was read. */
interface TypeRow {
  code: string
  name: string
  level: QualificationTypeDto['level']
  domain: QualificationTypeDto['domain']
  leadDepartmentCode: string
  certificateBased: boolean
  defaultValidityMonths: number | null
  countsAsListing: boolean
  isStandard: boolean
  version: number
  createdAt: Date
  updatedAt: Date
}

/** The one mapping of a catalog row to its document (GET /v1/qualification-types/{code}). */
export function toQualificationType(row: TypeRow): QualificationTypeDto {
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
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  }
}

export async function listQualificationTypes(db: Database) {
  return (await db.prisma.qualificationType.findMany({ orderBy: { code: 'asc' } })).map(toQualificationType)
}

export async function findQualificationType(db: Database, code: string) {
  const row = await db.prisma.qualificationType.findUnique({ where: { code } })
  return row ? toQualificationType(row) : null
}

// ---- writes (inside the caller's unit of work) ----

const TYPE_COLUMNS = `code, name, level::text AS level, domain::text AS domain, lead_department_code AS "leadDepartmentCode",
  certificate_based AS "certificateBased", default_validity_months AS "defaultValidityMonths", counts_as_listing AS "countsAsListing",
  is_standard AS "isStandard", version, created_at AS "createdAt", updated_at AS "updatedAt"`

/** The catalog entry, locked for the rest of the unit of work; null when there is none. */
export async function lockQualificationType(tx: Queryable, code: string) {
  const [row] = await tx.query<TypeRow>(`SELECT ${TYPE_COLUMNS} FROM qualification_type WHERE code = $1 FOR UPDATE`, [code])
  return row ? toQualificationType(row) : null
}

export async function departmentExists(tx: Queryable, code: string) {
  return (await tx.query('SELECT 1 FROM department WHERE code = $1', [code])).length > 0
}

/** Inserts the entry; null when the code is taken (a concurrent creation included). */
export async function insertQualificationType(tx: Queryable, input: CreateQualificationTypeInput) {
  const [row] = await tx.query<TypeRow>(
    `INSERT INTO qualification_type (code, name, level, domain, lead_department_code, certificate_based, default_validity_months,
                                     counts_as_listing, is_standard)
     VALUES ($1, $2, $3::"QualificationLevel", $4::"QualificationDomain", $5, $6, $7, $8, $9)
     ON CONFLICT (code) DO NOTHING RETURNING ${TYPE_COLUMNS}`,
    [input.code, input.name, input.level, input.domain, input.leadDepartmentCode, input.certificateBased,
      input.defaultValidityMonths ?? null, input.countsAsListing ?? false, input.isStandard ?? false],
  )
  return row ? toQualificationType(row) : null
}

export async function updateQualificationType(tx: Queryable, code: string, patch: PatchQualificationTypeInput) {
  const [row] = await tx.query<TypeRow>(
    `UPDATE qualification_type t SET
       name = coalesce($2, t.name), level = coalesce($3::"QualificationLevel", t.level), domain = coalesce($4::"QualificationDomain", t.domain),
       lead_department_code = coalesce($5, t.lead_department_code), certificate_based = coalesce($6, t.certificate_based),
       default_validity_months = CASE WHEN $7::boolean THEN $8::int ELSE t.default_validity_months END,
       counts_as_listing = coalesce($9, t.counts_as_listing), is_standard = coalesce($10, t.is_standard),
       version = t.version + 1, updated_at = CURRENT_TIMESTAMP
     WHERE code = $1 RETURNING ${TYPE_COLUMNS}`,
    [code, patch.name ?? null, patch.level ?? null, patch.domain ?? null, patch.leadDepartmentCode ?? null, patch.certificateBased ?? null,
      'defaultValidityMonths' in patch, patch.defaultValidityMonths ?? null, patch.countsAsListing ?? null, patch.isStandard ?? null],
  )
  return toQualificationType(row!)
}
