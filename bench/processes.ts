// The three servers under load, each its own node process on this machine: the registry and
// the baselines (A) and (B). Spawned without a shell so the pid we sample is node's own.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

export const ROOT = new URL('..', import.meta.url).pathname
export const ISSUER = 'urn:haopin-registry:bench'
export const AUDIENCE = 'haopin-registry-bench'
export const BENCH_SCOPES = 'registry:read registry:write qualifications:write revocation:decide admin'

export interface Server {
  name: string
  pid: number
  port: number
  url: string
  child: ChildProcess
  logFile: string
  /** Why the process ended, when it ended before stop() (crash, signal from elsewhere). */
  exited(): string | null
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

export interface BenchKeys {
  jwks: string
  signingKey: string
  token(sub: string): Promise<string>
}

/** A token key set the registry is told to trust, and a statement signing key, fresh per run. */
export async function benchKeys(): Promise<BenchKeys> {
  const auth = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const kid = `bench-${Date.now().toString(36)}`
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(auth.publicKey)), kid, alg: 'EdDSA', use: 'sig' }] })
  const signing = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const signingKey = JSON.stringify({ ...(await exportJWK(signing.privateKey)), kid: `bench-statements-${Date.now().toString(36)}`, alg: 'EdDSA', use: 'sig' })
  return {
    jwks,
    signingKey,
    token: (sub) =>
      new SignJWT({ scope: BENCH_SCOPES })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('6h')
        .sign(auth.privateKey),
  }
}

export interface StartOptions {
  name: string
  script: string
  env: Record<string, string>
  /** Path answering 200 once the server is ready. */
  readyPath: string
  logDir: string
  nodeArgs?: string[]
  /** The script is TypeScript, run through tsx (the baselines); the registry runs its build. */
  typescript?: boolean
}

/**
 * How `npm start` runs the service: the node options of package.json's start script and the
 * script it starts (dist/server.js), so that the registry is measured as it runs in production
 * (the Dockerfile's CMD carries the same options; test/packaging/docker.test.ts holds them equal).
 */
export function startCommand(): { nodeArgs: string[]; script: string } {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!
  const words = start.trim().split(/\s+/)
  const node = words.indexOf('node')
  if (node < 0 || words.length < node + 2) throw new Error(`package.json's start script does not run node: "${start}"`)
  return { nodeArgs: words.slice(node + 1, -1), script: words[words.length - 1]! }
}

export async function startServer(opts: StartOptions): Promise<Server> {
  const port = await freePort()
  mkdirSync(opts.logDir, { recursive: true })
  const logFile = join(opts.logDir, `${opts.name}.log`)
  const log = createWriteStream(logFile)
  const loader = opts.typescript === false ? [] : ['--import', 'tsx']
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, '--import', './bench/exit-trace.mjs', opts.script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.pipe(log)
  child.stderr!.pipe(log)
  let exited: number | null | undefined
  let exitSignal: string | null = null
  let stopping = false
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code
      exitSignal = signal
      resolve()
    }),
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.name} exited with code ${exited} before it was ready; see ${logFile}:\n${tail(logFile)}`)
    try {
      const res = await fetch(url + opts.readyPath)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${opts.name} was not ready within 90 s; see ${logFile}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    name: opts.name,
    pid: child.pid!,
    port,
    url,
    child,
    logFile,
    exited: () =>
      exited === undefined || stopping ? null : `${opts.name} (pid ${child.pid}) exited ${exitSignal ? `on ${exitSignal}` : `with code ${exited}`}; see ${logFile}`,
    async stop() {
      if (exited !== undefined) return
      stopping = true
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exitPromise
      clearTimeout(timer)
    },
  }
}

/**
 * The registry's unhandled errors (pino lines at level error or above) in its log, one summary
 * each (distinct ones, with a count): what a 5xx in a run was, so that a rare one seen in CI can be
 * diagnosed from CI's output alone.
 */
export function loggedErrors(file: string, max = 5): string[] {
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const seen = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    let entry: { level?: number; msg?: string; err?: { type?: string; code?: string; message?: string; stack?: string } }
    try {
      entry = JSON.parse(line)
    } catch {
      continue
    }
    if ((entry.level ?? 0) < 50) continue
    const err = entry.err
    const at = err?.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' < ') ?? ''
    const key = `${entry.msg ?? ''}: ${err?.type ?? ''}${err?.code ? ` ${err.code}` : ''} ${err?.message ?? ''}${at ? ` (${at})` : ''}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return [...seen].slice(0, max).map(([key, n]) => `${n}× ${key}`)
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n')
  } catch {
    return ''
  }
}

/** Resident memory of a process from /proc, in MB: current (VmRSS) and high-water mark (VmHWM). */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

/** Samples a process's resident memory (VmRSS) while a target runs: first, last and peak, MB. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined
  private peak = 0
  private first: number | undefined
  private last = 0
  constructor(private readonly pid: number, private readonly everyMs = 100) {}
  start() {
    this.peak = 0
    this.first = undefined
    this.sample()
    this.timer = setInterval(() => this.sample(), this.everyMs)
    this.timer.unref()
  }
  private sample() {
    const m = memoryOf(this.pid)
    if (!m) return
    this.first ??= m.rssMb
    this.last = m.rssMb
    if (m.rssMb > this.peak) this.peak = m.rssMb
  }
  stop(): { peakMb: number; firstMb: number; lastMb: number } {
    if (this.timer) clearInterval(this.timer)
    this.sample()
    return { peakMb: this.peak, firstMb: this.first ?? 0, lastMb: this.last }
  }
}

const CLOCK_TICKS_PER_S = 100 // getconf CLK_TCK on Linux x86-64

/** CPU time (user + system) a process has used so far, in ms; null once it is gone. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S
  } catch {
    return null
  }
}
