// The registry's CSV writer (src/lib/export.ts csvText) writes what csv-stringify writes with the
// options an export for Excel needs (BOM, CRLF, RFC 4180 quoting, escape_formulas), for any cells:
// the library stays the reference for quoting and formula injection, the export does not pay its
// per-field cost.
import t from 'tap'
import fc from 'fast-check'
import { stringify } from 'csv-stringify/sync'
import { csvField, csvText, type ExportColumn } from '../../src/lib/export.ts'

const OPTIONS = { record_delimiter: '\r\n', quoted_match: /[\r\n",]/, escape_formulas: true } as const

// Texts made of the characters that matter to quoting and formula escaping, and ordinary ones.
const piece = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ',', "'", ' ', '＝', '＋', '－', '＠', 'a', '1', '德州', '；', ';', '=1+2', '""')
const text = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''))
const value = fc.oneof(text, fc.constant(null), fc.integer({ min: -1e6, max: 1e6 }), fc.boolean())

t.test('csvText equals csv-stringify for any rows of cells', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.array(value, { minLength: 5, maxLength: 5 }), { maxLength: 6 }), fc.boolean(), (n, rows, first) => {
      const columns: ExportColumn[] = Array.from({ length: n }, (_, i) => ({ key: `c${i}`, zh: `列${i}` }))
      const cells = rows.map((r) => r.slice(0, n))
      // The registry hands the library text cells (every value as String), as the export always did.
      const asText = cells.map((r) => r.map((v) => (v === null ? null : String(v))))
      const header = columns.map((c) => c.key)
      const expected = stringify(first ? [header, ...asText] : asText, { ...OPTIONS, bom: first })
      return csvText(cells, columns, { header: 'en', timeZone: 'UTC' }, first) === expected
    }),
    { numRuns: 2000 },
  )
})

t.test('csvField: formulas are neutralised before quoting', async (t) => {
  t.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
  t.equal(csvField('-1'), "'-1")
  t.equal(csvField('＝1'), "'＝1")
  t.equal(csvField('\rx'), `"'\rx"`)
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField("it's"), "it's")
  t.equal(csvField(''), '')
  t.equal(csvField(null), '')
})
