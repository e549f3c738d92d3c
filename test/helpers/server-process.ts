// Runs the registry the way a user does (`node --import tsx src/server.ts`, with the node options of
// `npm start`, such as its heap limit) as a child process, with a clean environment: only what the
// test passes, plus PATH and HOME.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

export const ROOT = new URL('../../', import.meta.url).pathname

interface TapLike {
  teardown(fn: () => unknown): void
}

/** The environment a new user's shell would give: no DATABASE_URL, NODE_ENV or test runner settings. */
export function userEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env }
}

/** The node options of package.json's start script (what sits between `node` and the script). */
export function startNodeOptions(): string[] {
  const start = (JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as { scripts: Record<string, string> }).scripts.start!
  const words = start.trim().split(/\s+/)
  return words.slice(words.indexOf('node') + 1, -1)
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ServerProcess {
  child: ChildProcess
  port: number
  /** The development token printed at start, when one was printed. */
  token: string | undefined
  /** Milliseconds from spawning the process to the first /readyz 200. */
  readyMs: number
  url(path: string): string
  output(): string
  exited: Promise<Exit>
  /** Sends SIGTERM and waits for the exit; `ms` is how long the shutdown took. */
  stop(): Promise<Exit & { ms: number }>
}

/** Spawns src/server.ts; resolves once /readyz answers 200, or rejects with the output if it exits or times out. */
export async function startServer(t: TapLike, env: Record<string, string>, options: { expectToken?: boolean; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const started = Date.now()
  const child = spawn(process.execPath, [...startNodeOptions(), '--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  let done = false
  exited.then(() => (done = true))
  t.teardown(() => {
    if (!done) child.kill('SIGKILL')
    return exited
  })

  const deadline = started + (options.timeoutMs ?? 120_000)
  const fail = (why: string) => new Error(`${why}\n--- server output ---\n${output}`)
  const waitFor = async <T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> => {
    for (;;) {
      const value = await probe()
      if (value !== undefined) return value
      if (done) throw fail(`the server exited (${JSON.stringify(await exited)}) before ${what}`)
      if (Date.now() > deadline) throw fail(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  const port = Number(await waitFor(() => /Server listening at http:\/\/[^\s"]+:(\d+)/.exec(output)?.[1], 'it listened'))
  const url = (path: string) => `http://127.0.0.1:${port}${path}`
  await waitFor(async () => {
    const res = await fetch(url('/readyz')).catch(() => undefined)
    return res?.status === 200 ? true : undefined
  }, '/readyz 200')
  const readyMs = Date.now() - started
  const token = options.expectToken === false ? undefined : await waitFor(() => /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1], 'the development token')

  return {
    child,
    port,
    token,
    readyMs,
    url,
    output: () => output,
    exited,
    async stop() {
      const from = Date.now()
      child.kill('SIGTERM')
      const exit = await exited
      return { ...exit, ms: Date.now() - from }
    },
  }
}

/** Runs a command to completion in the project directory with a user's environment. */
export function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 180_000) {
  const result = spawnSync(command, args, { cwd: ROOT, env: userEnv(env), encoding: 'utf8', timeout: timeoutMs })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` }
}
