// Spreadsheet cells as people fill them in, read into the registry's values: codes with spaces,
// lower case or full-width characters, dates as Excel dates or text (Asia/Shanghai days).

/** A cell as read from the file and kept for the error report: text, number, boolean, empty, a formula or an Excel error. */
export type Cell = string | number | boolean | null | { f: string } | { e: string }

export const isFormula = (cell: Cell): cell is { f: string } => typeof cell === 'object' && cell !== null && 'f' in cell
export const isErrorValue = (cell: Cell): cell is { e: string } => typeof cell === 'object' && cell !== null && 'e' in cell

/** The cell as text, as the person sees it (trimmed); '' for an empty cell. */
export function cellText(cell: Cell): string {
  if (cell === null) return ''
  if (typeof cell === 'string') return cell.trim()
  if (typeof cell === 'number') return Number.isInteger(cell) ? cell.toFixed(0) : String(cell)
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE'
  if (isFormula(cell)) return `=${cell.f}`
  return cell.e
}

export const isBlank = (cell: Cell): boolean => cellText(cell) === ''

/** A code (USCC, county, type, certificate number): full-width folded, every space removed, upper case. */
export function codeText(cell: Cell): string {
  return cellText(cell).normalize('NFKC').replace(/\s+/g, '').toUpperCase()
}

/** Free text: full-width spaces and line breaks inside kept, ends trimmed. */
export function plainText(cell: Cell): string {
  return cellText(cell).replace(/^[\s\u3000]+|[\s\u3000]+$/g, '')
}

/** Days from 1899-12-30 (Excel's day 0 in the 1900 date system, counting its phantom 29 Feb 1900). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)
const DAY_MS = 86_400_000

export type DayResult = { ok: true; day: string } | { ok: false; message: string }

function validDay(y: number, m: number, d: number): DayResult {
  const t = new Date(Date.UTC(y, m - 1, d))
  if (y < 1900 || y > 2200 || t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) {
    return { ok: false, message: `不是有效的日期（${y}年${m}月${d}日）` }
  }
  return { ok: true, day: `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` }
}

const FORMS = '请填写如 2024-03-15、2024/3/15 或 2024年3月15日 的日期'

/**
 * A calendar day from a cell: an Excel date (its serial number), or text in the forms people type
 * (2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日, 20240315, with or without a time of day).
 */
export function cellDay(cell: Cell): DayResult {
  if (typeof cell === 'number') {
    if (Number.isInteger(cell) && cell >= 19000101 && cell <= 22001231) return validDay(Math.floor(cell / 10000), Math.floor(cell / 100) % 100, cell % 100)
    if (cell >= 1 && cell < 110_000) {
      const t = new Date(EXCEL_EPOCH_MS + Math.floor(cell) * DAY_MS)
      return validDay(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
    }
    return { ok: false, message: `“${cellText(cell)}”不是日期；${FORMS}` }
  }
  const text = cellText(cell).normalize('NFKC').replace(/\s+/g, ' ')
  const m =
    /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/.exec(text) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(text)
  if (!m) return { ok: false, message: `“${cellText(cell)}”不是可识别的日期；${FORMS}` }
  return validDay(Number(m[1]), Number(m[2]), Number(m[3]))
}

const shanghaiParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Shanghai',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

/** The instant a day begins in Asia/Shanghai (UTC+8, and UTC+9 in the summers of 1986–1991). */
export function shanghaiDayStart(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const guess = Date.UTC(y, m - 1, d) - 8 * 3_600_000
  // The zone's offset at that moment: the wall time it shows, less the instant.
  const parts = Object.fromEntries(shanghaiParts.formatToParts(new Date(guess)).map((p) => [p.type, p.value]))
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  return new Date(guess - (wall - (guess + 8 * 3_600_000)))
}

/** The day after `day` (an inclusive last day of validity becomes the exclusive end the registry stores). */
export function nextDay(day: string): string {
  const t = new Date(`${day}T00:00:00Z`)
  t.setUTCDate(t.getUTCDate() + 1)
  return t.toISOString().slice(0, 10)
}

/** The Asia/Shanghai day an instant falls on. */
export function shanghaiDayOf(at: Date): string {
  const parts = Object.fromEntries(shanghaiParts.formatToParts(at).map((p) => [p.type, p.value]))
  return `${parts.year}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`
}
