// Real spreadsheet files made in the test, as people send them: .xlsx written by exceljs (with
// formulas, merged cells or dates when asked), CSV in UTF-8 (with BOM) or GBK bytes.
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { ENTERPRISE_COLUMNS, QUALIFICATION_COLUMNS } from '../../src/modules/imports/columns.ts'
import { newUscc } from './app.ts'

export const ENTERPRISE_HEADER = ENTERPRISE_COLUMNS.map((c) => c.header)
export const QUALIFICATION_HEADER = QUALIFICATION_COLUMNS.map((c) => c.header)

export type Value = string | number | boolean | Date | null | { formula: string; result?: unknown }

export interface XlsxOptions {
  merge?: string
  sheetName?: string
}

export async function xlsxFile(rows: Value[][], options: XlsxOptions = {}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet(options.sheetName ?? '企业数据')
  for (const row of rows) sheet.addRow(row as unknown[])
  if (options.merge) sheet.mergeCells(options.merge)
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

const quote = (v: Value) => {
  const s = v === null ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvFile(rows: Value[][], encoding: 'utf8' | 'gbk' = 'utf8'): Buffer {
  const text = rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n'
  return encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(`\ufeff${text}`, 'utf8')
}

/** An enterprise row in template column order; override cells by header. */
export function enterpriseRow(overrides: Record<string, Value> = {}, county = '371402 德城区'): Value[] {
  const uscc = newUscc(county.slice(0, 6))
  const base: Record<string, Value> = {
    统一社会信用代码: uscc,
    企业名称: `德州导入测试${uscc.slice(-6)}有限公司`,
    '所属县（市、区）': county,
    行业代码: 'C1391',
    地址: '德州市德城区新华路1号',
    法定代表人: '张伟',
    联系人: '李娜',
    联系电话: '0534-2345678',
    电子邮箱: 'lina@example.com',
    培育阶段: '培育一批',
    经营状态: '存续',
    培育名单: 'INDUSTRIAL_TOP50:2024',
  }
  const row = { ...base, ...overrides }
  return ENTERPRISE_HEADER.map((h) => row[h] ?? null)
}

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** The cells of a workbook's first sheet as text (exceljs, as a person's spreadsheet program would open it). */
export async function readXlsx(bytes: Buffer): Promise<{ sheets: string[]; rows: string[][]; workbook: ExcelJS.Workbook }> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as never)
  const sheet = workbook.worksheets[0]!
  const rows: string[][] = []
  sheet.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))))
  })
  return { sheets: workbook.worksheets.map((w) => w.name), rows, workbook }
}
