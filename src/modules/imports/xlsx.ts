// Streaming read of an .xlsx workbook's first worksheet: yauzl opens the package (its central
// directory, so a cut-off upload is refused) and inflates entries with node's zlib; saxes parses
// the sheet's XML as it is inflated. exceljs's streaming reader was measured first, and is still what
// writes templates and reports, but it decodes every inflated chunk on its own and so splits a
// Chinese character (3 bytes in UTF-8) that straddles two chunks into U+FFFD: here one decoder
// carries the split bytes over.
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { promisify } from 'node:util'
import yauzl from 'yauzl'
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { AppError } from '../../lib/problems.ts'
import type { Cell } from './cells.ts'

const unreadable = (detail: string) => new AppError('import_file_unreadable', detail)

export interface Workbook {
  /** Opens an entry of the package as a stream of its inflated bytes; null when there is none. */
  open(path: string): Promise<Readable | null>
  /** Path of the first worksheet (in the workbook's tab order) inside the package. */
  sheetPath: string
}

async function text(stream: Readable | null): Promise<string | undefined> {
  if (!stream) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const fromBuffer = promisify(yauzl.fromBuffer) as (buffer: Buffer, options: yauzl.Options) => Promise<yauzl.ZipFile>

export async function openWorkbook(bytes: Buffer): Promise<Workbook> {
  const entries = new Map<string, yauzl.Entry>()
  let zip: yauzl.ZipFile
  try {
    zip = await fromBuffer(bytes, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false })
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry)
        zip.readEntry()
      })
      zip.on('end', resolve)
      zip.on('error', reject)
      zip.readEntry()
    })
  } catch {
    throw unreadable('xlsx 文件已损坏或不完整（上传被截断？），无法打开；请重新保存后再上传')
  }
  const openStream = promisify(zip.openReadStream.bind(zip)) as (entry: yauzl.Entry) => Promise<Readable>
  const open = async (path: string) => {
    const entry = entries.get(path)
    if (!entry) return null
    try {
      return await openStream(entry)
    } catch {
      throw unreadable('xlsx 文件已损坏，无法读取其中的内容；请重新保存后再上传')
    }
  }
  const workbook = await text(await open('xl/workbook.xml'))
  const rels = await text(await open('xl/_rels/workbook.xml.rels'))
  if (!workbook || !rels) throw unreadable('压缩包里没有 Excel 工作簿：请上传 .xlsx 或 CSV 文件')
  const rid = /<(?:\w+:)?sheet\b[^>]*\br:id="([^"]+)"/.exec(workbook)?.[1]
  const relation = rid ? [...rels.matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0]).find((tag) => tag.includes(`Id="${rid}"`)) : undefined
  const target = relation ? /\bTarget="([^"]+)"/.exec(relation)?.[1] : undefined
  if (!target) throw unreadable('工作簿里没有工作表')
  const sheetPath = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`
  if (!entries.has(sheetPath)) throw unreadable('工作簿里没有工作表')
  return { open, sheetPath }
}

/** SAX events of one package entry, a batch per inflated chunk, decoded across chunk edges. */
async function* xmlEvents(book: Workbook, path: string): AsyncGenerator<[string, SaxesTagPlain | string][]> {
  const stream = await book.open(path)
  if (!stream) return
  const parser = new SaxesParser()
  let events: [string, SaxesTagPlain | string][] = []
  let failure: Error | undefined
  parser.on('opentag', (tag) => events.push(['open', tag as SaxesTagPlain]))
  parser.on('closetag', (tag) => events.push(['close', (tag as SaxesTagPlain).name]))
  parser.on('text', (text) => events.push(['text', text]))
  parser.on('error', (error) => {
    failure = error
  })
  const decoder = new StringDecoder('utf8')
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parser.write(decoder.write(chunk))
      if (failure) throw failure
      yield events
      events = []
    }
    parser.write(decoder.end())
    parser.close()
  } catch {
    throw unreadable('xlsx 文件已损坏，工作表无法读取；请重新保存后再上传')
  } finally {
    // A reader that stops early (the header alone) lets go of the rest.
    stream.destroy()
  }
  if (failure) throw unreadable('xlsx 文件已损坏，工作表无法读取；请重新保存后再上传')
  yield events
}

const local = (name: string) => name.slice(name.indexOf(':') + 1)

/** The shared strings table (each <si>'s text runs, phonetic guides left out). */
async function sharedStrings(book: Workbook): Promise<string[]> {
  const out: string[] = []
  let text = ''
  let inText = false
  let phonetic = 0
  for await (const batch of xmlEvents(book, 'xl/sharedStrings.xml')) {
    for (const [type, value] of batch) {
      if (type === 'open') {
        const name = local((value as SaxesTagPlain).name)
        if (name === 'si') text = ''
        else if (name === 't') inText = phonetic === 0
        else if (name === 'rPh') phonetic++
      } else if (type === 'close') {
        const name = local(value as string)
        if (name === 'si') out.push(text)
        else if (name === 't') inText = false
        else if (name === 'rPh') phonetic--
      } else if (inText) text += value as string
    }
  }
  return out
}

/** Column index (0 = A) of a cell reference such as "AB12". */
function columnIndex(ref: string): number {
  let n = 0
  for (const ch of ref) {
    const c = ch.charCodeAt(0)
    if (c < 65 || c > 90) break
    n = n * 26 + (c - 64)
  }
  return n - 1
}

/**
 * The rows of the first worksheet as cells (index 0 = column A), with their sheet row numbers, and
 * the merged ranges the sheet declares (known once the rows are read). Formula cells come as
 * {f}, error values as {e}; dates come as Excel serial numbers (styles are not read).
 */
export async function* worksheetRows(book: Workbook, merges: string[] = []): AsyncGenerator<{ row: number; cells: Cell[] }> {
  const strings = await sharedStrings(book)
  let rowNo = 0
  let cells: Cell[] = []
  let inRow = false
  let col = -1
  let type = ''
  let value = ''
  let formula: string | null = null
  let capture: 'v' | 'f' | 't' | null = null
  for await (const batch of xmlEvents(book, book.sheetPath)) {
    const ready: { row: number; cells: Cell[] }[] = []
    for (const [kind, item] of batch) {
      if (kind === 'open') {
        const tag = item as SaxesTagPlain
        const name = local(tag.name)
        if (name === 'row') {
          inRow = true
          rowNo = tag.attributes.r ? Number(tag.attributes.r) : rowNo + 1
          cells = []
          col = -1
        } else if (name === 'c' && inRow) {
          col = tag.attributes.r ? columnIndex(String(tag.attributes.r)) : col + 1
          type = String(tag.attributes.t ?? 'n')
          value = ''
          formula = null
        } else if (name === 'v') capture = 'v'
        else if (name === 'f') {
          capture = 'f'
          formula = ''
        } else if (name === 't' && inRow) capture = 't'
        else if (name === 'mergeCell' && tag.attributes.ref) merges.push(String(tag.attributes.ref))
      } else if (kind === 'close') {
        const name = local(item as string)
        if (name === 'v' || name === 'f' || name === 't') capture = null
        else if (name === 'c' && inRow && col >= 0) {
          let cell: Cell = null
          if (formula !== null) cell = { f: formula }
          else if (type === 's') cell = strings[Number(value)] ?? null
          else if (type === 'inlineStr' || type === 'str' || type === 'd') cell = value
          else if (type === 'b') cell = value === '1'
          else if (type === 'e') cell = { e: value }
          else if (value !== '') cell = Number(value)
          while (cells.length < col) cells.push(null)
          cells[col] = cell
        } else if (name === 'row') {
          inRow = false
          ready.push({ row: rowNo, cells })
        }
      } else if (capture === 'v' || capture === 't') value += item as string
      else if (capture === 'f') formula += item as string
    }
    yield* ready
  }
}
