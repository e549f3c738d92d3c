// A sampling profiler for the PostgreSQL side: polls pg_stat_activity while a target runs and
// counts what the server's backends are doing (the statement, and what they wait on, if anything).
import pg from 'pg'

export interface DbActivity {
  samples: number
  /** Share of samples with at least one active backend of the server. */
  busyShare: number
  /** Mean number of active backends per sample. */
  meanActive: number
  top: { what: string; wait: string; sharePct: number }[]
}

export class DbActivitySampler {
  private client: pg.Client | undefined
  private running = false
  private done: Promise<void> | undefined
  private counts = new Map<string, number>()
  private samples = 0
  private busy = 0
  private active = 0

  constructor(private readonly databaseUrl: string, private readonly applicationName: string, private readonly everyMs = 20) {}

  async start() {
    this.client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'haopin-bench-sampler' })
    await this.client.connect()
    this.running = true
    this.done = this.loop()
  }

  private async loop() {
    while (this.running) {
      const { rows } = await this.client!.query(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, regexp_replace(left(query, 160), '\\s+', ' ', 'g') AS what
         FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = 'active'`,
        [this.applicationName],
      )
      this.samples++
      if (rows.length > 0) this.busy++
      this.active += rows.length
      for (const r of rows) {
        const key = `${r.wait}\u0000${r.what}`
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
      }
      await new Promise((resolve) => setTimeout(resolve, this.everyMs))
    }
  }

  async stop(top = 10): Promise<DbActivity> {
    this.running = false
    await this.done
    await this.client?.end()
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0)
    return {
      samples: this.samples,
      busyShare: this.samples ? this.busy / this.samples : 0,
      meanActive: this.samples ? this.active / this.samples : 0,
      top: [...this.counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, n]) => {
          const [wait, what] = key.split('\u0000') as [string, string]
          return { what, wait, sharePct: Math.round((1000 * n) / Math.max(total, 1)) / 10 }
        }),
    }
  }
}
