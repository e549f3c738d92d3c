// Reads an uploaded spreadsheet: .xlsx (the first worksheet, streamed: xlsx.ts) or CSV (csv-parse;
// UTF-8, GBK/GB18030 or UTF-16, comma or tab separated). `inspect` finds everything
// wrong with the file as a whole before a job exists; `rows` then streams its data rows.
import { Readable } from 'node:stream'
import { parse as parseCsv } from 'csv-parse'
import iconv from 'iconv-lite'
import { AppError } from '../../lib/problems.ts'
import type { Cell } from './cells.ts'
import { isBlank } from './cells.ts'
import { firstRowWhere, openWorkbook, worksheetRows, type RandomAccess, type Workbook } from './xlsx.ts'

export type ImportFormat = 'xlsx' | 'csv'

export interface InspectedFile {
  format: ImportFormat
  /** The header row's cells as text. */
  header: string[]
  /** Data rows at most (blank rows included): the limit is checked against it. */
  rowsAtMost: number
}

const unreadable = (detail: string) => new AppError('import_file_unreadable', detail)

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0])

/** What the bytes are, whatever the upload's name or content type says. */
export function sniffFormat(bytes: Buffer): ImportFormat {
  if (bytes.length === 0) throw new AppError('import_file_empty', '上传的文件为空（0字节）')
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) return 'xlsx'
  if (bytes.subarray(0, 4).equals(OLE_MAGIC)) throw unreadable('这是旧版 Excel（.xls）或其他 Office 文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入')
  // Text has no NUL bytes, except UTF-16, which starts with its byte order mark.
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
  if (!utf16 && bytes.subarray(0, 8192).includes(0)) throw unreadable('文件既不是 .xlsx 也不是 CSV 文本')
  return 'csv'
}

/** CSV bytes as text: UTF-8 (with or without BOM) when valid, UTF-16 by its BOM, otherwise GB18030 (a superset of GBK). */
export function decodeCsv(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes, 'utf-16le')
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes, 'utf-16be')
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  try {
    return utf8.decode(bytes)
  } catch {
    const text = iconv.decode(bytes, 'gb18030')
    if (text.includes('\ufffd')) throw unreadable('无法识别文件的文字编码：请保存为 UTF-8 或 GBK 编码的 CSV')
    return text
  }
}

/** The separator of a CSV text: tab when its first line has tabs and no commas outside quotes, else comma. */
function delimiterOf(text: string): ',' | '\t' {
  const first = text.slice(0, text.search(/\r?\n|$/))
  const outside = first.replace(/"[^"]*"/g, '')
  return outside.includes('\t') && !outside.includes(',') ? '\t' : ','
}

/** Records in a CSV text, counted with quotes respected; throws when a quote is never closed (a cut-off file). */
function countCsvRecords(text: string): number {
  let records = 0
  let quoted = false
  let content = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      quoted = !quoted
      content = true
    } else if (!quoted && (c === 10 || c === 13)) {
      if (content) records++
      content = false
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++
    } else if (c !== 0xfeff) content = true
  }
  if (quoted) throw unreadable('CSV 文件在引号内结束，文件可能不完整（上传被截断？）请重新导出后再上传')
  return records + (content ? 1 : 0)
}

async function csvRecords(text: string, options: { toLine?: number } = {}): Promise<string[][]> {
  const out: string[][] = []
  const parser = Readable.from([text]).pipe(
    parseCsv({ bom: true, delimiter: delimiterOf(text), relax_column_count: true, skip_empty_lines: false, ...(options.toLine ? { to_line: options.toLine } : {}) }),
  )
  for await (const record of parser) out.push(record as string[])
  return out
}

/** The first worksheet's XML scanned as it is inflated: its <row> elements counted, its merged ranges found. */
async function scanSheet(book: Workbook): Promise<{ rowElements: number; merges: string[] }> {
  let rowElements = 0
  const merges: string[] = []
  let carry = ''
  const stream = (await book.open(book.sheetPath))!
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      const text = carry + chunk.toString('latin1')
      for (const m of text.matchAll(/<(?:\w+:)?row\b[^>]*?(\/?)>/g)) if (m[1] !== '/') rowElements++
      for (const m of text.matchAll(/<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"/g)) merges.push(m[1]!)
      // A tag cut at the chunk's end is read with the next chunk.
      const open = text.lastIndexOf('<')
      carry = open >= 0 && text.indexOf('>', open) < 0 ? text.slice(open) : ''
    })
    stream.on('error', () => reject(unreadable('xlsx 文件已损坏，工作表无法读取')))
    stream.on('end', () => resolve())
  })
  return { rowElements, merges }
}

async function* csvRows(text: string): AsyncGenerator<{ row: number; cells: Cell[] }> {
  const parser = Readable.from([text]).pipe(parseCsv({ bom: true, delimiter: delimiterOf(text), relax_column_count: true, skip_empty_lines: false, info: true }))
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // A record's number is the line it ends on (a quoted cell may span lines).
    yield { row: info.lines, cells: record }
  }
}

/**
 * The non-blank rows of a file `inspect` accepted: the header row first, then the data rows. An
 * .xlsx may be read by ranges (`RandomAccess`), so that the file is never held whole; a CSV is
 * decoded whole (`load` gives its bytes).
 */
export async function* sheetRows(file: RandomAccess, format: ImportFormat, load: () => Promise<Buffer>): AsyncGenerator<{ row: number; cells: Cell[] }> {
  for await (const r of format === 'xlsx' ? worksheetRows(await openWorkbook(file)) : csvRows(decodeCsv(await load()))) {
    if (!r.cells.every(isBlank)) yield r
  }
}

/** Everything the file as a whole can be refused for: not a spreadsheet, damaged, cut off, merged cells, empty, too long. */
export async function inspect(bytes: Buffer, maxRows: number): Promise<InspectedFile> {
  const format = sniffFormat(bytes)
  let header: string[] | undefined
  let rowsAtMost: number
  if (format === 'xlsx') {
    const book = await openWorkbook(bytes)
    const scan = await scanSheet(book)
    if (scan.merges.length > 0) {
      const shown = scan.merges.slice(0, 5).join('、')
      throw new AppError('import_file_unreadable', `工作表含合并单元格（${shown}${scan.merges.length > 5 ? ` 等${scan.merges.length}处` : ''}）：请取消合并，让每行每列各有自己的值后再导入`, { mergedCells: scan.merges.slice(0, 100) })
    }
    rowsAtMost = scan.rowElements
    // The header alone: only the shared strings it uses are kept.
    const first = await firstRowWhere(book, (cells) => !cells.every(isBlank))
    header = first?.cells.map((c) => (c === null ? '' : typeof c === 'object' ? ('f' in c ? `=${c.f}` : c.e) : String(c)))
  } else {
    const text = decodeCsv(bytes)
    rowsAtMost = countCsvRecords(text)
    try {
      const first = (await csvRecords(text, { toLine: 50 })).find((r) => r.some((c) => c.trim() !== ''))
      header = first
    } catch {
      throw unreadable('CSV 文件格式有误（引号不配对或分隔符不一致），无法读取表头')
    }
  }
  if (!header) throw new AppError('import_file_empty', '文件里没有任何内容：第一行应为表头，从第二行起每行一条记录')
  const dataRowsAtMost = Math.max(0, rowsAtMost - 1)
  if (dataRowsAtMost === 0) throw new AppError('import_file_empty', '文件只有表头，没有数据行：请从第二行起每行填写一条记录')
  if (dataRowsAtMost > maxRows) {
    throw new AppError('import_too_many_rows', `文件最多可有${maxRows}行数据，此文件有${dataRowsAtMost}行：请拆分成多个文件导入`, { maxRows, rows: dataRowsAtMost })
  }
  return { format, header, rowsAtMost: dataRowsAtMost }
}
