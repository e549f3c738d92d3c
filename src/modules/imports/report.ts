// The error report: every rejected row as it was sent, preceded by its row number in the file,
// the column(s) concerned and the reasons in Chinese. Written as it is read, page by page, so a
// report of many rows never sits in memory whole.
import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import { cellText, type Cell } from './cells.ts'
import { loadExcel } from './excel.ts'
import type { RowError } from './rows.ts'

export interface RejectedRow {
  row: number
  cells: Cell[]
  errors: RowError[]
}

export const REPORT_COLUMNS = ['原行号', '出错列', '错误原因'] as const

const describe = (r: RejectedRow) => ({
  columns: [...new Set(r.errors.map((e) => e.column).filter(Boolean))].join('、'),
  reasons: r.errors.map((e) => (e.column ? `${e.column}：${e.message}` : e.message)).join('；'),
})

/** A cell as sent, for a report cell: formulas and error values shown as their text, never evaluated. */
const asSent = (cell: Cell): string | number | boolean | null =>
  cell === null || typeof cell !== 'object' ? cell : cellText(cell)

/** The report as an .xlsx stream (exceljs's streaming writer). */
export function reportXlsx(header: string[], pages: AsyncIterable<RejectedRow[]>): Readable {
  const out = new PassThrough()
  const write = async () => {
    const { default: Excel } = await loadExcel()
    const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true })
    const sheet = workbook.addWorksheet('未导入的行', { views: [{ state: 'frozen', ySplit: 1 }] })
    sheet.columns = [
      { header: REPORT_COLUMNS[0], width: 8 },
      { header: REPORT_COLUMNS[1], width: 18 },
      { header: REPORT_COLUMNS[2], width: 60 },
      ...header.map((h) => ({ header: h, width: Math.max(12, Math.min(40, h.length * 2 + 4)) })),
    ]
    const head = sheet.getRow(1)
    head.font = { bold: true }
    head.commit()
    for await (const page of pages) {
      for (const r of page) {
        const { columns, reasons } = describe(r)
        // Cells are written as values: a text starting with "=" stays text.
        const row = sheet.addRow([r.row, columns, reasons, ...r.cells.map(asSent)])
        row.getCell(3).font = { color: { argb: 'FFC00000' } }
        row.commit()
      }
    }
    sheet.commit()
    await workbook.commit()
  }
  write().catch((error: unknown) => out.destroy(error as Error))
  return out
}

/** The report as CSV (UTF-8 with a byte order mark); cells that a spreadsheet would run as formulas are escaped. */
export function reportCsv(header: string[], pages: AsyncIterable<RejectedRow[]>): Readable {
  const csv = stringify({ bom: true, escape_formulas: true, record_delimiter: '\r\n' })
  const write = async () => {
    csv.write([...REPORT_COLUMNS, ...header])
    for await (const page of pages) {
      for (const r of page) {
        const { columns, reasons } = describe(r)
        const line = [String(r.row), columns, reasons, ...r.cells.map((c) => cellText(c))]
        if (!csv.write(line)) await new Promise((resolve) => csv.once('drain', resolve))
      }
    }
    csv.end()
  }
  write().catch((error: unknown) => csv.destroy(error as Error))
  return csv
}
