// The blank spreadsheets county offices fill in: the data sheet with Chinese headers and drop-down
// lists, a 填写说明 sheet explaining every column, and the lists themselves on a hidden sheet.
import type ExcelJS from 'exceljs'
import { BUSINESS_STATUS_LABELS, columnsOf, KIND_LABEL, LEVEL_LABELS, STAGE_LABELS, type Column, type ImportKind, type ListName } from './columns.ts'
import type { Reference } from './rows.ts'
import { loadExcel } from './excel.ts'

/** The values of each drop-down list, as shown to a person (the reader accepts each of them). */
export function listValues(ref: Reference): Record<ListName, string[]> {
  return {
    counties: ref.counties.filter((c) => !c.retired).map((c) => `${c.code} ${c.name}`),
    stages: Object.values(STAGE_LABELS),
    businessStatuses: Object.values(BUSINESS_STATUS_LABELS),
    types: ref.types.map((t) => `${t.code} ${t.name}`),
    levels: Object.values(LEVEL_LABELS),
  }
}

const LIST_SHEET = '选项'
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } }
const TEXT_COLUMNS = new Set(['uscc', 'county', 'industryCode', 'contactPhone', 'certificateNo', 'type'])
const DATE_COLUMNS = new Set(['grantedAt', 'validFrom', 'validUntil'])

export const dataSheetName = (kind: ImportKind) => `${KIND_LABEL[kind]}数据`

/** The template workbook; drop-downs cover rows 2 to maxRows + 1. */
export async function templateXlsx(kind: ImportKind, ref: Reference, maxRows: number): Promise<Buffer> {
  const { default: Excel } = await loadExcel()
  const workbook = new Excel.Workbook()
  workbook.creator = '好品山东 registry'
  const columns = columnsOf(kind)
  const data = workbook.addWorksheet(dataSheetName(kind), { views: [{ state: 'frozen', ySplit: 1 }] })
  data.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }))
  const header = data.getRow(1)
  header.font = { bold: true }
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1)
    cell.fill = HEADER_FILL
    if (c.required) cell.font = { bold: true, color: { argb: 'FFC00000' } }
    cell.note = `${c.required ? '必填。' : ''}${c.note}\n示例：${c.example}`
  })

  const lists = listValues(ref)
  const listSheet = workbook.addWorksheet(LIST_SHEET, { state: 'hidden' })
  const listColumns = Object.keys(lists) as ListName[]
  listColumns.forEach((name, i) => {
    const col = listSheet.getColumn(i + 1)
    col.width = 40
    lists[name].forEach((value, row) => {
      listSheet.getCell(row + 1, i + 1).value = value
    })
  })
  const lastRow = maxRows + 1
  // Ranges of data validation: exceljs has them, its type declarations do not.
  const validations = (data as unknown as { dataValidations: { add(range: string, rule: ExcelJS.DataValidation): void } }).dataValidations
  columns.forEach((c: Column, i) => {
    const letter = data.getColumn(i + 1).letter
    if (TEXT_COLUMNS.has(c.key)) data.getColumn(i + 1).numFmt = '@'
    if (DATE_COLUMNS.has(c.key)) data.getColumn(i + 1).numFmt = 'yyyy-mm-dd'
    if (!c.list) return
    const listLetter = listSheet.getColumn(listColumns.indexOf(c.list) + 1).letter
    const count = lists[c.list].length
    validations.add(`${letter}2:${letter}${lastRow}`, {
      type: 'list',
      allowBlank: !c.required,
      formulae: [`'${LIST_SHEET}'!$${listLetter}$1:$${listLetter}$${count}`],
      showErrorMessage: true,
      errorStyle: 'warning',
      errorTitle: c.header,
      error: `请从下拉列表选择${c.header}`,
      showInputMessage: true,
      promptTitle: c.header,
      prompt: c.note.slice(0, 255),
    })
  })

  const guide = workbook.addWorksheet('填写说明')
  guide.columns = [
    { header: '列名', key: 'header', width: 22 },
    { header: '是否必填', key: 'required', width: 10 },
    { header: '填写说明', key: 'note', width: 70 },
    { header: '示例', key: 'example', width: 36 },
  ]
  guide.getRow(1).font = { bold: true }
  for (const c of columns) guide.addRow({ header: c.header, required: c.required ? '必填' : '选填', note: c.note, example: c.example })
  guide.addRow([])
  for (const line of importNotes(kind, maxRows)) guide.addRow([line])
  guide.getColumn(3).alignment = { wrapText: true, vertical: 'top' }

  return Buffer.from(await workbook.xlsx.writeBuffer())
}

function importNotes(kind: ImportKind, maxRows: number): string[] {
  return [
    `在“${dataSheetName(kind)}”工作表中从第2行起每行填写一条${KIND_LABEL[kind]}记录，不要改动第1行表头，不要合并单元格，不要使用公式。`,
    `一个文件最多${maxRows}行数据；也可另存为 CSV（UTF-8 或 GBK 编码）后导入。`,
    kind === 'enterprises'
      ? '按统一社会信用代码新增或更新企业：已登记的企业，空白单元格保持原值不变。县（市、区）令牌只能导入本县（市、区）的企业。'
      : '每行登记一项资质。企业须已登记；县（市、区）令牌只能为本县（市、区）的企业登记资质。',
    '导入方式：“逐行”导入合格的行并列出不合格的行；“整体”只要有一行不合格就全部不导入。',
    '不合格的行及原因可下载为错误报告（xlsx 或 CSV），改正后可再次导入。',
  ]
}

/** The CSV template: the header line, UTF-8 with a byte order mark so that Excel reads the Chinese. */
export function templateCsv(kind: ImportKind): Buffer {
  return Buffer.from(`\ufeff${columnsOf(kind).map((c) => c.header).join(',')}\r\n`, 'utf8')
}
