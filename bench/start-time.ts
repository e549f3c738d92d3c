// npm run bench:start [-- --rounds N] [--tsx] [--root DIR]
// Time from `npm start` to the first 200 from /readyz on the embedded database: the first start
// (a new DATA_DIR: every migration applied) and a restart (the same DATA_DIR), N rounds each,
// median and range. Also `node dist/server.js` alone, to show what npm itself adds (and, with --tsx,
// the sources through tsx).
// Results go to docs/performance.md by hand, with the load average printed here.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { median } from './report.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, tsx: { type: 'boolean', default: false }, root: { type: 'string' } } })
const rounds = Number(values.rounds)
// --root: another checkout (e.g. an older commit's worktree) to time the same way.
const ROOT = values.root ?? new URL('../', import.meta.url).pathname

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** CPU milliseconds (user + system) used so far by `pid` and its descendants, from /proc. */
function treeCpuMs(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // exited meanwhile
    }
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && stats.has(p) && inTree(stats.get(p)!.ppid))
  let ticks = 0
  for (const [p, s] of stats) if (inTree(p)) ticks += s.ticks
  return ticks * TICK_MS
}

/**
 * Wall and CPU milliseconds from spawning `command` to /readyz answering 200; the process is
 * stopped after. CPU time barely depends on what else the machine is doing; wall time does.
 */
async function timeToReady(command: string[], dataDir: string): Promise<{ wall: number; cpu: number }> {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  })
  let exited = false
  child.once('exit', () => (exited = true))
  try {
    for (;;) {
      if (exited) throw new Error(`${command.join(' ')} exited before it was ready`)
      if (performance.now() - started > 60_000) throw new Error(`${command.join(' ')} was not ready within 60 s`)
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)
      if (ok) return { wall: performance.now() - started, cpu: treeCpuMs(child.pid!) }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    const gone = new Promise((resolve) => child.once('exit', resolve))
    if (!exited) child.kill('SIGTERM')
    await gone
  }
}

const fmt = (xs: number[]) => `median ${(median(xs) / 1000).toFixed(2)} s (${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)} s)`

const commands: Record<string, string[]> = { 'npm start': ['npm', 'start', '--silent'], 'node dist/server.js': [process.execPath, 'dist/server.js'] }
// --tsx: also the sources through tsx, as `npm start` ran before dist/ (the figure to compare with).
if (values.tsx) commands['node --import tsx src/server.ts'] = [process.execPath, '--import', 'tsx', 'src/server.ts']
console.log(`Node ${process.version}, ${os.cpus().length} cores, load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
for (const [name, command] of Object.entries(commands)) {
  const first: { wall: number; cpu: number }[] = []
  const restart: { wall: number; cpu: number }[] = []
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(os.tmpdir(), 'haopin-start-'))
    try {
      first.push(await timeToReady(command, dir))
      restart.push(await timeToReady(command, dir))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const both = (xs: { wall: number; cpu: number }[]) => `wall ${fmt(xs.map((x) => x.wall))}, CPU ${fmt(xs.map((x) => x.cpu))}`
  console.log(`${name}:\n  first embedded start: ${both(first)}\n  restart:              ${both(restart)}`)
}
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
