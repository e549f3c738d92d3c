// npm run import as an operator runs it: in a terminal (a pseudo-terminal made by `script`, its
// screen output captured) against a listening registry, and without a terminal straight into the
// database. The progress bar shows rows/s and the time left; the error report lands next to the file.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { build, onServer, token } from '../helpers/app.ts'
import { ROOT } from '../helpers/server-process.ts'
import { ENTERPRISE_HEADER, enterpriseRow, readXlsx, xlsxFile, csvFile } from '../helpers/spreadsheets.ts'

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim() !== ''
const dir = mkdtempSync(join(tmpdir(), 'haopin-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** Runs a command to its end without blocking this process (the registry under test answers from it). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

/** What a terminal shows at the end: carriage returns and cursor moves applied line by line, colours dropped. */
function screen(raw: string): string[] {
  return raw
    .replace(/\x1b\[1G/g, '\r')
    .replace(/\x1b\[\?[0-9;]*[hl]|\x1b\[[0-9;]*[GKm]|\x1b[78]/g, '')
    .split(/\r?\n/)
    .map((line) => line.split('\r').filter(Boolean).pop() ?? '')
}

t.test('against a listening registry, in a terminal: a live progress bar, then the summary and the report file', { skip: hasScript ? false : 'util-linux script is not installed' }, async (t) => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address() as { port: number }
  const file = join(dir, '德城区企业.xlsx')
  const bad = enterpriseRow({ 统一社会信用代码: '91350100M000100Y44' })
  writeFileSync(file, await xlsxFile([ENTERPRISE_HEADER, ...Array.from({ length: 3000 }, () => enterpriseRow()), bad]))
  const command = `npm run -s import -- '${file}' --url http://127.0.0.1:${address.port} --token ${await token(['registry:read', 'registry:write'])}`
  // `script` runs the command on a pseudo-terminal and copies what it draws to stdout.
  const result = await run('script', ['-qfec', command, '/dev/null'], { ...process.env, COLUMNS: '160', LINES: '40' })
  const raw = result.stdout
  t.equal(result.status, 2, `rows were rejected: exit code 2\n${raw}`)
  t.match(raw, /\x1b\[1G/, 'the bar redraws its line in place (cursor back to column 1)')
  t.match(raw, /\x1b\[\?25l/, 'the cursor is hidden while the bar runs')
  const bars = raw.split(/\r|\x1b\[1G/).filter((frame) => /\|\s*\d+% \| \d+\/\d+ 行/.test(frame))
  t.ok(bars.length >= 2, `the bar was drawn ${bars.length} times`)
  t.ok(bars.some((frame) => /\d+ 行\/秒 \| 预计剩余 \d+/.test(frame)), 'rows per second and the time left while it runs')
  const lines = screen(raw)
  t.ok(lines.some((l) => /^完成 \|█+\| 100% \| 3001\/3001 行/.test(l)), 'the bar ends full')
  t.ok(lines.includes('完成：共 3001 行，导入 3000 行，不合格 1 行'), lines.join('\n'))
  const report = join(dir, '德城区企业.errors.xlsx')
  t.ok(lines.includes(`不合格的行及原因已写入 ${report}`))
  const { rows } = await readXlsx(readFileSync(report))
  t.equal(rows.length, 2)
  t.match(rows[1], ['3002', '统一社会信用代码', /校验位不符/, '91350100M000100Y44'])
})

t.test('straight into the database, without a terminal: progress as lines, the kind read from the header', async (t) => {
  const file = join(dir, 'qiye.csv')
  const good = enterpriseRow()
  writeFileSync(file, csvFile([ENTERPRISE_HEADER, good, enterpriseRow({ 企业名称: null })], 'gbk'))
  const env = { ...process.env, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', ...(onServer ? {} : { DATABASE_URL: '' }) }
  const result = await run(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], env)
  t.equal(result.status, 2, result.stdout + result.stderr)
  t.match(result.stdout, /导入 qiye\.csv（企业，逐行），直接写入数据库/)
  t.match(result.stdout, /完成：共 2 行，导入 1 行，不合格 1 行/)
  t.notMatch(result.stdout, /\x1b\[/, 'no terminal control codes in a log')
  const report = readFileSync(join(dir, 'qiye.errors.csv'), 'utf8')
  t.match(report, /^\ufeff原行号,出错列,错误原因/)
  t.match(report, /3,企业名称,企业名称：必填/)
  if (onServer) {
    const app = await build(t)
    const [row] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event WHERE entity_id = $1 AND actor_sub LIKE $2', [good[0], 'cli:%'])
    t.equal(row!.n, 1, 'written and audited under the operator\'s name')
  } else {
    t.ok(existsSync(join(dir, 'data', 'pgdata')), 'the embedded database in DATA_DIR')
  }
  t.equal(spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts'], { cwd: ROOT, encoding: 'utf8', env }).status, 1, 'no file: usage, exit code 1')
})
