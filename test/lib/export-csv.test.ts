// What a CSV cell becomes for Excel: formula-like text neutralised (ASCII and full-width forms), fields
// with a comma, quote, CR or LF quoted with quotes doubled, CRLF between records, the BOM first.
import t from 'tap'
import { csvText, type ExportColumn } from '../../src/lib/export.ts'

const columns: ExportColumn[] = [{ key: 'v', zh: '值' }]
const one = (v: unknown) => csvText([[v]], columns, { header: 'en', timeZone: 'UTC' }, false)

t.test('formulas are neutralised before quoting', async (t) => {
  t.equal(one('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"\r\n`)
  t.equal(one('+1'), "'+1\r\n")
  t.equal(one('-1'), "'-1\r\n")
  t.equal(one('@SUM(A1)'), "'@SUM(A1)\r\n")
  t.equal(one('＝1'), "'＝1\r\n", 'full-width equals sign')
  t.equal(one('\tx'), "'\tx\r\n")
  t.equal(one('\rx'), `"'\rx"\r\n`)
})

t.test('RFC 4180 quoting', async (t) => {
  t.equal(one('a,b'), '"a,b"\r\n')
  t.equal(one('a\nb'), '"a\nb"\r\n')
  t.equal(one('say "hi"'), '"say ""hi"""\r\n')
  t.equal(one("it's"), "it's\r\n")
  t.equal(one('德州'), '德州\r\n')
  t.equal(one(null), '\r\n')
  t.equal(one(''), '\r\n')
})

t.test('the first batch starts with the BOM and the header in the chosen language', async (t) => {
  t.equal(csvText([['x']], columns, { header: 'zh', timeZone: 'UTC' }, true), '\uFEFF值\r\nx\r\n')
  t.equal(csvText([['x']], columns, { header: 'en', timeZone: 'UTC' }, true), '\uFEFFv\r\nx\r\n')
})
