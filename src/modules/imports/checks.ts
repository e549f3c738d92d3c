// Which rows of an import go to the write, and why the others do not: first each row alone and
// against the rows before it in the file (while the file is read), then each batch against what the
// registry holds (just before it is written), all in Chinese.
import type { Queryable } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import type { Column, ImportKind } from './columns.ts'
import { columnsOf } from './columns.ts'
import * as repo from './imports.repository.ts'
import type { RejectedRow } from './report.ts'
import { inputFromRow, rowReader, type EnterpriseRow, type GrantRow, type Reference } from './rows.ts'
import type { Batch } from './writes.ts'

const header = (kind: ImportKind, key: string) => columnsOf(kind).find((c) => c.key === key)!.header

/** Rows checked one by one as the file is read; remembers what earlier rows claimed. */
export function fileChecker(kind: ImportKind, columns: (Column | undefined)[], ref: Reference, actor: Actor, today: string) {
  const firstRow = new Map<string, number>()
  const claim = (key: string, row: number): number | undefined => {
    const earlier = firstRow.get(key)
    if (earlier === undefined) firstRow.set(key, row)
    return earlier
  }
  return (staged: repo.StagedRow): RejectedRow | null => {
    const result = inputFromRow(kind, rowReader(columns, staged.cells), ref, actor.county, today)
    if (!result.ok) return { ...staged, errors: result.errors }
    if (result.value.kind === 'enterprises') {
      const earlier = claim(result.value.row.uscc, staged.row)
      return earlier === undefined ? null : { ...staged, errors: [{ column: header(kind, 'uscc'), message: `与第${earlier}行是同一企业（统一社会信用代码重复）` }] }
    }
    const { uscc, input, grantedDay } = result.value.row
    const certificate = input.certificateNo ? claim(`${input.type} ${input.certificateNo}`, staged.row) : undefined
    if (certificate !== undefined) return { ...staged, errors: [{ column: header(kind, 'certificateNo'), message: `与第${certificate}行的证书编号重复` }] }
    const repeat = claim(`${uscc} ${input.type} ${grantedDay}`, staged.row)
    if (repeat !== undefined) return { ...staged, errors: [{ column: '', message: `与第${repeat}行重复（同一企业、同一资质类型、同一授予日期）` }] }
    return null
  }
}

/** A chunk's rows split into the batch to write (with each row's file row) and the rows the registry's records refuse. */
export async function checkAgainstRegistry(
  db: Queryable,
  kind: ImportKind,
  columns: (Column | undefined)[],
  ref: Reference,
  actor: Actor,
  today: string,
  staged: repo.StagedRow[],
): Promise<{ batch: Batch; rowsOf: repo.StagedRow[]; rejected: RejectedRow[] }> {
  const rejected: RejectedRow[] = []
  const accepted: { staged: repo.StagedRow; row: EnterpriseRow | GrantRow }[] = []
  for (const s of staged) {
    const result = inputFromRow(kind, rowReader(columns, s.cells), ref, actor.county, today)
    if (result.ok) accepted.push({ staged: s, row: result.value.row })
    else rejected.push({ ...s, errors: result.errors })
  }
  const counties = await repo.enterpriseCounties(db, accepted.map((a) => a.row.uscc))
  const countyName = (code: string) => ref.counties.find((c) => c.code === code)?.name ?? code
  let keep = accepted.filter((a) => {
    const county = counties.get(a.row.uscc)
    let message: string | undefined
    if (kind === 'qualifications' && county === undefined) message = '企业未登记，请先导入企业'
    else if (county !== undefined && actor.county && county !== actor.county) {
      message = `该企业登记在${countyName(county)}，本令牌只能${kind === 'enterprises' ? '修改' : '登记'}${countyName(actor.county)}的${kind === 'enterprises' ? '企业' : '企业资质'}`
    }
    if (message) rejected.push({ ...a.staged, errors: [{ column: header(kind, 'uscc'), message }] })
    return !message
  })
  if (kind === 'qualifications') {
    const grants = keep.map((a) => a.row as GrantRow)
    const { holders, repeats } = await repo.grantConflicts(
      db,
      grants.map((g) => ({ uscc: g.uscc, type: g.input.type, certificateNo: g.input.certificateNo ?? null, grantedAt: g.input.grantedAt })),
    )
    keep = keep.filter((a) => {
      const g = a.row as GrantRow
      const holder = g.input.certificateNo ? holders.get(`${g.input.type} ${g.input.certificateNo}`) : undefined
      const repeat = repeats.has(`${g.uscc} ${g.input.type} ${g.input.grantedAt}`)
      if (holder) rejected.push({ ...a.staged, errors: [{ column: header(kind, 'certificateNo'), message: `证书编号已被资质 ${holder} 使用` }] })
      else if (repeat) rejected.push({ ...a.staged, errors: [{ column: '', message: '该企业已有同一类型、同一授予日期的资质，可能是重复导入' }] })
      return !holder && !repeat
    })
  }
  const batch: Batch =
    kind === 'enterprises'
      ? { kind, rows: keep.map((a) => a.row as EnterpriseRow) }
      : { kind, rows: keep.map((a) => a.row as GrantRow) }
  return { batch, rowsOf: keep.map((a) => a.staged), rejected }
}
