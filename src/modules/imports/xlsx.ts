// Streaming read of an .xlsx workbook's first worksheet: yauzl opens the package (its central
// directory, so a cut-off upload is refused) and inflates entries with node's zlib; saxes parses
// the sheet's XML as it is inflated. exceljs's streaming reader was measured first, and is still what
// writes templates and reports, but it decodes every inflated chunk on its own and so splits a
// Chinese character (3 bytes in UTF-8) that straddles two chunks into U+FFFD: here one decoder
// carries the split bytes over. The shared strings are kept as UTF-8 in one buffer (a few bytes
// a string, where JavaScript strings cost tens), and a workbook can be opened from any
// random-access source (the stored job reads its file from the database a block at a time).
import { Readable } from 'node:stream'
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

const ZIP_OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }
const fromBuffer = promisify(yauzl.fromBuffer) as (buffer: Buffer, options: yauzl.Options) => Promise<yauzl.ZipFile>
const fromReader = promisify(yauzl.fromRandomAccessReader) as (reader: yauzl.RandomAccessReader, size: number, options: yauzl.Options) => Promise<yauzl.ZipFile>

/** A file read by byte ranges: `read(position, length)` answers those bytes (fewer only at the end). */
export interface RandomAccess {
  size: number
  read(position: number, length: number): Promise<Buffer>
}

/** Bytes read from a RandomAccess source in blocks of `blockSize`, one block at a time, so that a stream never holds more than one. */
class BlockReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: RandomAccess, private readonly blockSize: number) {
    super()
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const { source, blockSize } = this
    return Readable.from(
      (async function* () {
        for (let at = start; at < end; at += blockSize) {
          const block = await source.read(at, Math.min(blockSize, end - at))
          if (block.length === 0) throw new Error('the file ends before the range read')
          yield block
        }
      })(),
      { objectMode: false },
    )
  }
}

/** Opens an .xlsx held in memory, or read by ranges from elsewhere (a block of `blockSize` bytes at a time). */
export async function openWorkbook(file: Buffer | RandomAccess, blockSize = 256 * 1024): Promise<Workbook> {
  const entries = new Map<string, yauzl.Entry>()
  let zip: yauzl.ZipFile
  try {
    zip = Buffer.isBuffer(file) ? await fromBuffer(file, ZIP_OPTIONS) : await fromReader(new BlockReader(file, blockSize), file.size, ZIP_OPTIONS)
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

/** Resolves a shared-string cell (`t="s"`) from its index. */
export type StringTable = (index: number) => Cell

/**
 * The shared strings, as UTF-8 in one buffer with each string's end: a 100,000-row sheet's
 * 300,000 strings take about 8 MB so, where as JavaScript strings (and the parser's slices of
 * its input they keep alive) they took several times that.
 */
class CompactStrings {
  private bytes = Buffer.allocUnsafe(1 << 20)
  private ends = new Uint32Array(1 << 14)
  private used = 0
  count = 0

  push(text: string): void {
    const need = this.used + Buffer.byteLength(text)
    if (need > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2))
      this.bytes.copy(grown, 0, 0, this.used)
      this.bytes = grown
    }
    this.used += this.bytes.write(text, this.used, 'utf8')
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2)
      grown.set(this.ends)
      this.ends = grown
    }
    this.ends[this.count++] = this.used
  }

  get(index: number): string | null {
    if (!(index >= 0 && index < this.count)) return null
    return this.bytes.toString('utf8', index === 0 ? 0 : this.ends[index - 1]!, this.ends[index]!)
  }
}

/**
 * Reads the shared strings table (each <si>'s text runs, phonetic guides left out), handing each
 * string with its index to `keep`.
 */
async function readSharedStrings(book: Workbook, keep: (index: number, text: string) => void): Promise<void> {
  let index = 0
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
        if (name === 'si') keep(index++, text)
        else if (name === 't') inText = false
        else if (name === 'rPh') phonetic--
      } else if (inText) text += value as string
    }
  }
}

/** The whole shared strings table, compactly. */
export async function sharedStrings(book: Workbook): Promise<StringTable> {
  const table = new CompactStrings()
  await readSharedStrings(book, (_index, text) => table.push(text))
  return (index) => table.get(index)
}

/** Only the shared strings at `wanted` (the header's), the rest passed over. */
async function someSharedStrings(book: Workbook, wanted: Set<number>): Promise<StringTable> {
  const kept = new Map<number, string>()
  if (wanted.size > 0) await readSharedStrings(book, (index, text) => wanted.has(index) && kept.set(index, text))
  return (index) => kept.get(index) ?? null
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
export async function* worksheetRows(book: Workbook, merges: string[] = [], table?: StringTable): AsyncGenerator<{ row: number; cells: Cell[] }> {
  const strings = table ?? (await sharedStrings(book))
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
          else if (type === 's') cell = strings(Number(value))
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

/** A shared-string cell until the strings it needs are read. */
class StringRef {
  constructor(readonly index: number) {}
}

/**
 * The first row for which `isRow` holds (the header: the first non-blank row), with only its shared
 * strings read: the first rows are read with their strings unresolved, then the strings they use.
 * Looks at `window` rows at a time; undefined when no row qualifies.
 */
export async function firstRowWhere(book: Workbook, isRow: (cells: Cell[]) => boolean, window = 64): Promise<{ row: number; cells: Cell[] } | undefined> {
  for (let skip = 0; ; skip += window) {
    const raw: { row: number; cells: Cell[] }[] = []
    let seen = 0
    for await (const r of worksheetRows(book, [], (index) => new StringRef(index) as unknown as Cell)) {
      if (seen++ < skip) continue
      raw.push(r)
      if (raw.length === window) break
    }
    const wanted = new Set(raw.flatMap((r) => r.cells.filter((c): c is Cell => c instanceof StringRef).map((c) => (c as unknown as StringRef).index)))
    const strings = await someSharedStrings(book, wanted)
    for (const r of raw) {
      const cells = r.cells.map((c) => (c instanceof StringRef ? strings(c.index) : c))
      if (isRow(cells)) return { row: r.row, cells }
    }
    if (raw.length < window) return undefined
  }
}
