// Where a target's CPU goes on this 2-core machine: the server's node process and the
// PostgreSQL backends serving its pool (found by application_name), measured from /proc.
import { cpuMsOf } from './processes.ts'
import { withClient } from './dataset.ts'

export interface CpuUse {
  /** CPU ms in the server's node process over the run. */
  nodeMs: number
  /** CPU ms in the PostgreSQL backends of the server's pool over the run. */
  postgresMs: number
  requests: number
}

async function backendPids(databaseUrl: string, applicationName: string): Promise<number[]> {
  return withClient(databaseUrl, async (c) =>
    (await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [applicationName])).rows.map(
      (r) => r.pid as number,
    ),
  )
}

export class CpuMeter {
  private node0 = 0
  private backends0 = new Map<number, number>()
  constructor(private readonly pid: number, private readonly databaseUrl: string, private readonly applicationName: string | null) {}

  async start() {
    this.node0 = cpuMsOf(this.pid) ?? 0
    this.backends0 = new Map()
    if (this.applicationName) {
      for (const pid of await backendPids(this.databaseUrl, this.applicationName)) this.backends0.set(pid, cpuMsOf(pid) ?? 0)
    }
  }

  async stop(requests: number): Promise<CpuUse> {
    const node = (cpuMsOf(this.pid) ?? this.node0) - this.node0
    let pg = 0
    if (this.applicationName) {
      const pids = new Set([...this.backends0.keys(), ...(await backendPids(this.databaseUrl, this.applicationName))])
      for (const pid of pids) {
        const now = cpuMsOf(pid)
        if (now !== null) pg += now - (this.backends0.get(pid) ?? 0)
      }
    }
    return { nodeMs: node, postgresMs: pg, requests }
  }
}
