// One spreadsheet row into the input the registry's write takes, or the reasons it cannot be, in
// Chinese and by column. Pure: reference data, the importing actor and today's date come in.
import type { ErrorObject, ValidateFunction } from 'ajv'
import { compileBody } from '../../lib/validate.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { CreateEnterprise, type CreateEnterpriseInput } from '../enterprises/enterprises.schemas.ts'
import { GrantQualification, type GrantQualificationInput } from '../qualifications/qualifications.schemas.ts'
import { cellDay, cellText, codeText, isErrorValue, isFormula, nextDay, plainText, shanghaiDayStart, type Cell } from './cells.ts'
import { BUSINESS_STATUS_LABELS, columnsOf, LEVEL_LABELS, STAGE_LABELS, type Column, type ImportKind } from './columns.ts'

export interface CountyRef {
  code: string
  name: string
  retired: boolean
  successor: string | null
}
export interface TypeRef {
  code: string
  name: string
  certificateBased: boolean
}
export interface Reference {
  counties: CountyRef[]
  types: TypeRef[]
}

export interface RowError {
  /** The column's header, as in the template; '' when the row as a whole is concerned. */
  column: string
  message: string
}

export type RowResult<T> = { ok: true; value: T } | { ok: false; errors: RowError[] }

/** The cells of one row by column key (columns absent from the file read as empty). */
export type RowCells = (key: string) => Cell

export interface EnterpriseRow {
  uscc: string
  input: CreateEnterpriseInput
}
export interface GrantRow {
  uscc: string
  input: GrantQualificationInput
  /** The Asia/Shanghai day of the grant, for spotting a grant imported twice. */
  grantedDay: string
}

class Errors {
  readonly list: RowError[] = []
  constructor(private readonly columns: Column[]) {}
  add(key: string, message: string) {
    this.list.push({ column: this.columns.find((c) => c.key === key)?.header ?? '', message })
  }
}

/** Formula and error cells in the row's known columns: a row error each. */
function checkCells(get: RowCells, columns: Column[], errors: Errors) {
  for (const c of columns) {
    const cell = get(c.key)
    if (isFormula(cell)) errors.add(c.key, `单元格含公式（=${cell.f}），请复制后“粘贴为数值”再导入`)
    else if (isErrorValue(cell)) errors.add(c.key, `单元格是错误值 ${cell.e}`)
  }
}

function uscc(get: RowCells, errors: Errors): string | undefined {
  const raw = codeText(get('uscc'))
  if (raw === '') {
    errors.add('uscc', '必填')
    return undefined
  }
  const checked = checkUscc(raw)
  if (checked.valid) return checked.uscc
  if (checked.reason === 'length') errors.add('uscc', `应为18位（实际${raw.length}位）`)
  else if (checked.reason === 'characters') {
    const bad = [...raw].find((c) => !/[0-9A-HJ-NPQRTUWXY]/.test(c))
    errors.add('uscc', `含有不允许的字符“${bad}”（只能是数字和除 I、O、Z、S、V 以外的大写字母）`)
  } else errors.add('uscc', `校验位不符：按GB 32100应为“${checked.expected}”，实际为“${raw[17]}”`)
  return undefined
}

/** A value picked from a list by its Chinese label or its code. */
function choice(get: RowCells, key: string, labels: Record<string, string>, errors: Errors): string | undefined {
  const text = plainText(get(key)).normalize('NFKC').replace(/\s+/g, '')
  if (text === '') return undefined
  const code = Object.keys(labels).find((k) => k === text.toLowerCase() || labels[k] === text)
  if (!code) errors.add(key, `“${text}”不是可选值（可选：${Object.values(labels).join('、')}）`)
  return code
}

const countyLabel = (c: CountyRef) => `${c.code}（${c.name}）`

function county(get: RowCells, ref: Reference, actorCounty: string | undefined, errors: Errors): string | undefined {
  const text = plainText(get('county')).normalize('NFKC')
  if (text === '') {
    errors.add('county', '必填')
    return undefined
  }
  const code = /^\s*(\d{6})/.exec(text)?.[1]
  const found = code ? ref.counties.find((c) => c.code === code) : ref.counties.find((c) => c.name === text.replace(/\s+/g, ''))
  if (!found) {
    errors.add('county', `未知的县（市、区）“${text}”，请从下拉列表选择`)
    return undefined
  }
  if (found.retired) {
    const successor = ref.counties.find((c) => c.code === found.successor)
    errors.add('county', `${countyLabel(found)}已撤销${successor ? `，请改用 ${countyLabel(successor)}` : ''}`)
    return undefined
  }
  if (actorCounty && actorCounty !== found.code) {
    const own = ref.counties.find((c) => c.code === actorCounty)
    errors.add('county', `本令牌只能导入${own ? countyLabel(own) : actorCounty}的数据，此行属于${countyLabel(found)}`)
    return undefined
  }
  return found.code
}

function cultivationLists(get: RowCells, errors: Errors): { list: string; year: number }[] | undefined {
  const text = codeText(get('cultivationLists'))
  if (text === '') return undefined
  const entries: { list: string; year: number }[] = []
  for (const part of text.split(/[;,、]+/).filter(Boolean)) {
    const m = /^([A-Z][A-Z0-9_]{1,63}):(\d{4})$/.exec(part)
    if (!m) {
      errors.add('cultivationLists', `“${part}”应写成 名单代码:年份，如 INDUSTRIAL_TOP50:2024`)
      continue
    }
    entries.push({ list: m[1]!, year: Number(m[2]) })
  }
  return entries
}

const AJV_MESSAGES: Record<string, (params: Record<string, unknown>) => string> = {
  maxLength: (p) => `不能超过${String(p.limit)}个字符`,
  minLength: () => '不能为空',
  maxItems: (p) => `最多${String(p.limit)}项`,
  pattern: () => '格式不正确',
  format: (p) => (p.format === 'email' ? '不是有效的电子邮箱' : '格式不正确'),
  minimum: (p) => `不能小于${String(p.limit)}`,
  maximum: (p) => `不能大于${String(p.limit)}`,
}

/** What the write's own schema still finds (lengths, patterns), in Chinese, on the column it concerns. */
function schemaErrors(issues: ErrorObject[], columnOf: (pointer: string) => string, errors: Errors) {
  const seen = new Set<string>()
  for (const issue of issues) {
    if (['anyOf', 'oneOf', 'type', 'const'].includes(issue.keyword) && issues.length > 1) continue
    const key = columnOf(issue.instancePath)
    const message = AJV_MESSAGES[issue.keyword]?.(issue.params) ?? '不符合要求'
    if (seen.has(`${key} ${message}`)) continue
    seen.add(`${key} ${message}`)
    errors.add(key, message)
  }
}

/** A write's own request schema, compiled on first use with the named schemas it refers to; its raw errors are turned into Chinese here. */
function compiled(schema: object): () => ValidateFunction {
  let check: ValidateFunction | undefined
  return () => {
    check ??= compileBody(schema)
    return check
  }
}

const checkEnterprise = compiled(CreateEnterprise)
const ENTERPRISE_POINTERS: Record<string, string> = { '/countyCode': 'county', '/contact/name': 'contactName', '/contact/phone': 'contactPhone', '/contact/email': 'contactEmail' }

/** An enterprise row as the create/upsert input; blank optional cells are left out (upsert keeps what is stored). */
export function enterpriseFromRow(get: RowCells, ref: Reference, actorCounty: string | undefined): RowResult<EnterpriseRow> {
  const columns = columnsOf('enterprises')
  const errors = new Errors(columns)
  checkCells(get, columns, errors)
  if (errors.list.length > 0) return { ok: false, errors: errors.list }
  const code = uscc(get, errors)
  const name = plainText(get('name'))
  if (name === '') errors.add('name', '必填')
  const countyCode = county(get, ref, actorCounty, errors)
  const input: Record<string, unknown> = { uscc: code, name, countyCode }
  const optional = (key: string, value: unknown) => {
    if (value !== undefined && value !== '') input[key] = value
  }
  const industry = codeText(get('industryCode'))
  optional('industryCode', industry)
  optional('address', plainText(get('address')))
  optional('legalRepresentative', plainText(get('legalRepresentative')))
  const contact: Record<string, string> = {}
  const contactName = plainText(get('contactName'))
  const phone = cellText(get('contactPhone')).normalize('NFKC').trim()
  const email = cellText(get('contactEmail')).normalize('NFKC').replace(/\s+/g, '')
  if (contactName) contact.name = contactName
  if (phone) contact.phone = phone
  if (email) contact.email = email
  if (Object.keys(contact).length > 0) input.contact = contact
  optional('cultivationStage', choice(get, 'cultivationStage', STAGE_LABELS, errors))
  optional('businessStatus', choice(get, 'businessStatus', BUSINESS_STATUS_LABELS, errors))
  const lists = cultivationLists(get, errors)
  if (lists) input.cultivationLists = lists
  if (errors.list.length === 0 && !checkEnterprise()(input)) {
    schemaErrors(checkEnterprise().errors ?? [], (pointer) => ENTERPRISE_POINTERS[pointer] ?? pointer.split('/')[1] ?? '', errors)
  }
  if (errors.list.length > 0) return { ok: false, errors: errors.list }
  return { ok: true, value: { uscc: code!, input: input as CreateEnterpriseInput } }
}

const checkGrant = compiled(GrantQualification)

function qualificationType(get: RowCells, ref: Reference, errors: Errors): TypeRef | undefined {
  const text = plainText(get('type')).normalize('NFKC')
  if (text === '') {
    errors.add('type', '必填')
    return undefined
  }
  const code = /^[A-Za-z][A-Za-z0-9_]*/.exec(text)?.[0]?.toUpperCase()
  const bare = (s: string) => s.normalize('NFKC').replace(/[\s"“”'‘’]/g, '')
  const found = (code && ref.types.find((t) => t.code === code)) || ref.types.find((t) => bare(t.name) === bare(text))
  if (!found) errors.add('type', `未知的资质类型“${text}”，请从下拉列表选择`)
  return found || undefined
}

function day(get: RowCells, key: string, errors: Errors): string | undefined {
  const cell = get(key)
  if (cellText(cell) === '') return undefined
  const result = cellDay(cell)
  if (!result.ok) {
    errors.add(key, result.message)
    return undefined
  }
  return result.day
}

/** A qualification row as the grant input; dates are Asia/Shanghai days, 有效期至 the last valid day. */
export function grantFromRow(get: RowCells, ref: Reference, today: string): RowResult<GrantRow> {
  const columns = columnsOf('qualifications')
  const errors = new Errors(columns)
  checkCells(get, columns, errors)
  if (errors.list.length > 0) return { ok: false, errors: errors.list }
  const code = uscc(get, errors)
  const type = qualificationType(get, ref, errors)
  const certificateNo = codeText(get('certificateNo'))
  if (type?.certificateBased && certificateNo === '') errors.add('certificateNo', `${type.name}是证书类资质，必须填写证书编号`)
  const issuer = plainText(get('issuer'))
  if (issuer === '') errors.add('issuer', '必填')
  const level = choice(get, 'issuerLevel', LEVEL_LABELS, errors)
  if (level === undefined && plainText(get('issuerLevel')) === '') errors.add('issuerLevel', '必填')
  const granted = day(get, 'grantedAt', errors)
  if (granted === undefined && cellText(get('grantedAt')) === '') errors.add('grantedAt', '必填')
  if (granted && granted > today) errors.add('grantedAt', `不得晚于今天（${today}）`)
  const from = day(get, 'validFrom', errors)
  const lastDay = day(get, 'validUntil', errors)
  if (lastDay && lastDay < (from ?? granted ?? lastDay)) errors.add('validUntil', `不得早于有效期起（${from ?? granted}）`)
  const input: Record<string, unknown> = {
    type: type?.code,
    issuer,
    issuerLevel: level,
    grantedAt: granted && shanghaiDayStart(granted).toISOString(),
  }
  if (certificateNo) input.certificateNo = certificateNo
  for (const key of ['title', 'scope', 'batch']) {
    const text = plainText(get(key))
    if (text) input[key] = text
  }
  if (from) input.validFrom = shanghaiDayStart(from).toISOString()
  if (lastDay) input.validUntil = shanghaiDayStart(nextDay(lastDay)).toISOString()
  if (errors.list.length === 0 && !checkGrant()(input)) {
    schemaErrors(checkGrant().errors ?? [], (pointer) => pointer.split('/')[1] ?? '', errors)
  }
  if (errors.list.length > 0) return { ok: false, errors: errors.list }
  return { ok: true, value: { uscc: code!, input: input as GrantQualificationInput, grantedDay: granted! } }
}

/** The row's values by column key, from the file's cells and the columns its header names. */
export function rowReader(columns: (Column | undefined)[], cells: Cell[]): RowCells {
  const index = new Map<string, number>()
  columns.forEach((c, i) => {
    if (c) index.set(c.key, i)
  })
  return (key) => {
    const i = index.get(key)
    return i === undefined ? null : (cells[i] ?? null)
  }
}

export type RowInput = { kind: 'enterprises'; row: EnterpriseRow } | { kind: 'qualifications'; row: GrantRow }

/** A row of either kind, converted. */
export function inputFromRow(kind: ImportKind, get: RowCells, ref: Reference, actorCounty: string | undefined, today: string): RowResult<RowInput> {
  if (kind === 'enterprises') {
    const r = enterpriseFromRow(get, ref, actorCounty)
    return r.ok ? { ok: true, value: { kind, row: r.value } } : r
  }
  const r = grantFromRow(get, ref, today)
  return r.ok ? { ok: true, value: { kind, row: r.value } } : r
}
