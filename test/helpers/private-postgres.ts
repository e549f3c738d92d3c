// A PostgreSQL server of the test's own, on its own port and directory, that the test may stop,
// start, freeze (SIGSTOP) and thaw without touching the machine's shared cluster. initdb refuses
// to run as root, so the cluster belongs to the `postgres` user when the test runs as root.
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface TapLike {
  teardown(fn: () => unknown): void
}

const BIN = '/usr/lib/postgresql/15/bin'

/** Why a private server cannot be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!existsSync(`${BIN}/initdb`)) return `no PostgreSQL 15 binaries in ${BIN}`
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root without a postgres user'
  return undefined
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface PrivatePostgres {
  url: string
  port: number
  start(): void
  /** pg_ctl stop -m fast: sessions are ended with an admin shutdown. */
  stop(): void
  /** SIGSTOP to the postmaster and every backend: the server stops answering without closing anything. */
  freeze(): void
  thaw(): void
  /** Runs SQL as the superuser through psql. */
  psql(sql: string): string
}

export async function privatePostgres(t: TapLike): Promise<PrivatePostgres> {
  const root = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'haopin-pg-'))
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const as = (command: string, args: string[]) =>
    root ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      : execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const data = join(dir, 'data')
  as(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
  const start = () => {
    as(`${BIN}/pg_ctl`, ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  }
  const stop = () => {
    as(`${BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  const pids = () => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster
        } catch {
          return false
        }
      })
      .map(Number)
    return [postmaster, ...children]
  }
  let frozen: number[] = []
  let removed = false
  const remove = () => {
    if (removed) return
    removed = true
    for (const pid of frozen) process.kill(pid, 'SIGCONT')
    try {
      as(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop'])
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // Also when the test process ends without its teardown (a crash): no server is left running.
  process.once('exit', remove)
  try {
    start()
  } catch (error) {
    remove()
    throw error
  }
  t.teardown(remove)
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    freeze() {
      frozen = pids()
      for (const pid of frozen) process.kill(pid, 'SIGSTOP')
    },
    thaw() {
      for (const pid of frozen.splice(0)) process.kill(pid, 'SIGCONT')
    },
    psql: (sql) => as('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-Atc', sql]),
  }
}
