// The export target of npm run bench (issue 13): the whole revocation register (every status that
// ends or suspends a qualification) streamed as CSV from the running registry, counted as it
// arrives; rows/s end to end and the registry's peak RSS while it streams.
import { RssSampler } from './processes.ts'

export interface ExportResult {
  rows: number
  bytes: number
  totalS: number
  rowsPerS: number
  peakRssMb: number
  knownAt: string | null
  /** CPU per row: the registry's node process and its PostgreSQL backends (set by the caller, which measures them). */
  nodeUsPerRow?: number
  postgresUsPerRow?: number
}

export async function runExport(o: { baseUrl: string; token: string; pid: number; log: (s: string) => void }): Promise<ExportResult> {
  const sampler = new RssSampler(o.pid)
  sampler.start()
  const started = performance.now()
  const res = await fetch(`${o.baseUrl}/v1/revocations?toStatus=revoked,annulled,withdrawn,suspended&format=csv&header=zh`, {
    headers: { authorization: `Bearer ${o.token}` },
  })
  if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
  let lines = 0
  let bytes = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Buffer>) {
    let i = -1
    while ((i = chunk.indexOf(10, i + 1)) !== -1) lines++
    bytes += chunk.length
  }
  const totalS = (performance.now() - started) / 1000
  const mem = sampler.stop()
  const rows = Math.max(0, lines - 1)
  return { rows, bytes, totalS: Math.round(totalS * 100) / 100, rowsPerS: Math.round(rows / totalS), peakRssMb: Math.round(mem.peakMb), knownAt: res.headers.get('registry-known-at') }
}
