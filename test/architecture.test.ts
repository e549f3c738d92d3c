// The lines docs/architecture.md draws, held by reading the source: each rule names the one place
// allowed to do a thing, so a change that does it elsewhere fails here with the file to look at.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'

const ROOT = new URL('../', import.meta.url).pathname
const SRC = join(ROOT, 'src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'generated') return []
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : []
  })
}
const sources = files(SRC).map((path) => ({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') }))
/** Source without comments, so that a rule is about code, not about prose that names a table. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')

function onlyIn(t: { same(a: unknown, b: unknown, m: string): void }, what: string, pattern: RegExp, allowed: (file: string) => boolean) {
  const offenders = sources.filter((s) => !allowed(s.file) && pattern.test(code(s.text))).map((s) => s.file)
  t.same(offenders, [], `${what}: only where allowed`)
}

t.test('the stored enterprise documents are behind one door', async (t) => {
  onlyIn(t, 'enterprise_document and its freshness rule', /enterprise_document|fresh_until/, (f) => f.startsWith('src/modules/enterprises/document-cache/'))
  onlyIn(t, 'imports of the cache', /document-cache\/(?!index\.ts)/, (f) => f.startsWith('src/modules/enterprises/document-cache/'))
})

t.test('audit entries are written by recordAudit alone', async (t) => {
  onlyIn(t, 'INSERT INTO audit_event', /INSERT\s+INTO\s+audit_event/i, (f) => f === 'src/modules/audit/audit.repository.ts')
})

t.test('services read the injectable clock', async (t) => {
  onlyIn(t, 'new Date() / Date.now() in services', /new Date\(\)|Date\.now\(\)/, (f) => !/\.service\.ts$/.test(f))
})

t.test('Prisma Client serves reference-data reads only; writes run in the unit of work', async (t) => {
  onlyIn(t, 'db.prisma', /\.prisma\b/, (f) => f === 'src/modules/reference/reference.repository.ts' || f === 'src/db/client.ts')
  onlyIn(t, 'Prisma transactions', /\$transaction/, (f) => f === 'src/db/client.ts')
})

t.test('advisory-lock keys are listed once', async (t) => {
  onlyIn(t, 'advisory-lock numbers', /73041400\d\d/, (f) => f === 'src/db/advisory-locks.ts')
})

t.test('every audited operation is one the audit trail filters by', async (t) => {
  const { AUDIT_OPERATIONS } = await import('../src/modules/audit/audit.schemas.ts')
  const known = new Set<string>(AUDIT_OPERATIONS)
  const used = new Set(sources.flatMap(({ text }) => [...text.matchAll(/operation: '([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1]!)))
  t.ok(used.size > 5, 'operations found in the sources')
  t.same([...used].filter((o) => !known.has(o)), [], 'operations recorded but refused by GET /v1/audit-events?operation=')
})
