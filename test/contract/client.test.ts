// A typed client generated from the committed contract, as county systems generate theirs
// (openapi-typescript + openapi-fetch): a small program (client-program/program.ts) compiles
// against it under --strict with no casts, and runs against the app.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { build, newUscc, token } from '../helpers/app.ts'
import { certificateNo } from '../helpers/fixtures.ts'

const ROOT = new URL('../../', import.meta.url).pathname
// Inside the repository, so the program resolves openapi-fetch from its node_modules.
mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true })
const dir = mkdtempSync(join(ROOT, 'node_modules/.cache/client-test-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000 })

t.test('the generated client compiles with the program under --strict', async (t) => {
  const generated = run([join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'openapi/openapi.json', '--output', join(dir, 'schema.d.ts')])
  t.equal(generated.status, 0, `openapi-typescript:\n${generated.stdout}${generated.stderr}`)
  copyFileSync(join(ROOT, 'test/contract/client-program/program.ts'), join(dir, 'program.ts'))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noUncheckedIndexedAccess: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], outDir: '.', skipLibCheck: false },
      files: ['program.ts'],
    }),
  )
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  const compiled = run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')])
  t.equal(compiled.status, 0, `tsc --strict:\n${compiled.stdout}${compiled.stderr}`)
  t.notMatch(readFileSync(join(ROOT, 'test/contract/client-program/program.ts'), 'utf8'), /\)\s+as\s|\bas\s+(unknown|any|never|string|Enterprise|components)\b|<[A-Z]\w*>\s*\w/, 'no casts in the program')
})

t.test('the program runs against the app: create, grant, change with If-Match, read as of, page', async (t) => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const uscc = newUscc()
  // Asynchronously: the app answering it runs in this process.
  const child = spawn(process.execPath, [join(dir, 'program.js'), `http://127.0.0.1:${port}`, await token(), uscc, certificateNo()], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  t.equal(code, 0, `the program ran:\n${out}${err}`)
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}')
  t.same(result, {
    countyName: '德城区',
    grantedAt: '2024-03-14T16:00:00.000Z',
    statusAfterChange: 'suspended',
    staleStatus: 412,
    staleCode: 'precondition_failed',
    statusBefore: 'active',
    asOf: '2024-12-31T16:00:00.000Z',
    pages: result.pages,
    listed: result.listed,
    fullNames: 1,
  })
  t.ok(result.pages >= 1 && result.listed >= 1, `paged ${result.pages} page(s), ${result.listed} enterprise(s)`)
})
