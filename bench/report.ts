// Turns measured rows into ratios to baseline (B), goal verdicts, a console table and the
// Markdown / JSON written under bench/results/.
import type { LoadResult, Tool } from './load.ts'
import type { ProfileSummary } from './profile.ts'
import type { ImportResult } from './import.ts'
import type { CaseFlowResult } from './supervision.ts'
import type { ExportResult } from './export.ts'
import { EXPORT_ROWS_PER_S_GOAL as ELIGIBLE_EXPORT_ROWS_PER_S_GOAL, type ExportResult as EligibleExportResult } from './incentives.ts'

export type TargetId = 'A' | 'B' | 'get' | 'verify' | 'search' | 'list' | 'progress' | 'progressUnderWrites' | 'register' | 'eligibility' | 'eligible' | 'eligibleExport' | 'writes' | 'cases' | 'export' | 'import'

export interface Row {
  id: TargetId
  label: string
  server: 'A' | 'B' | 'registry'
  /** 'ok', or why there is no figure: 'missing (404)', 'probe failed (500)', 'skipped'. */
  state: string
  tool: Tool
  result?: LoadResult
  /** Peak VmRSS of the server process sampled during this target, MB. */
  rssMb?: number
  /** VmRSS when the measured run started and when it ended, MB. */
  rssRange?: { firstMb: number; lastMb: number }
  /** Per round, when run more than once (the row's result is the median). */
  rounds?: LoadResult[]
  /** CPU ms per request: the server's node process and its PostgreSQL backends. */
  cpu?: { nodeMsPerRequest: number; postgresMsPerRequest: number }
  /** (B)'s CPU per request (node + PostgreSQL) ÷ this target's: the req/s ratio to expect when CPU-bound, steadier than req/s on a shared machine. */
  costRatio?: number
  ratioRps?: number
  ratioP99?: number
  notes?: string[]
}

export interface Goal {
  target: TargetId
  what: string
  met: boolean | null
  detail: string
}

const READ_GOALS: Partial<Record<TargetId, { rps: number; p99: number }>> = {
  get: { rps: 0.9, p99: 1.5 },
  verify: { rps: 0.8, p99: 2 },
  search: { rps: 0.5, p99: 3 },
  list: { rps: 0.5, p99: 3 },
  // Issue 14 (the issue states throughput only; p99 as the other list reads).
  eligibility: { rps: 0.5, p99: 3 },
  eligible: { rps: 0.3, p99: 3 },
}
export const WRITES_PER_S_GOAL = 1000
/** Issue 15: the progress answer for all ten targets by county at 100,000 enterprises. */
export const PROGRESS_P99_GOAL_MS = 200
export const RSS_GOAL_MB = 300
export const IMPORT_ROWS_PER_S_GOAL = 2000
/** Issue 13: the register exported as CSV. */
export const EXPORT_ROWS_PER_S_GOAL = 20_000

/** Ratio of each registry figure to (B): per round against (B) of the same round, then the median. */
/** The middle value (the upper one of an even count), as every figure of the bench is reported. */
export const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!

export function addRatios(rows: Row[]): void {
  const b = rows.find((r) => r.id === 'B')
  if (!b?.result) return
  const bRounds = b.rounds ?? [b.result]
  const bCost = b.cpu ? b.cpu.nodeMsPerRequest + b.cpu.postgresMsPerRequest : undefined
  for (const row of rows) {
    if (!row.result || row.server !== 'registry') continue
    if (bCost && row.cpu) row.costRatio = bCost / (row.cpu.nodeMsPerRequest + row.cpu.postgresMsPerRequest)
    const rounds = row.rounds ?? [row.result]
    const n = Math.min(rounds.length, bRounds.length)
    row.ratioRps = median(rounds.slice(0, n).map((r, i) => r.rps / bRounds[i]!.rps))
    row.ratioP99 = median(rounds.slice(0, n).map((r, i) => r.p99Ms / bRounds[i]!.p99Ms))
  }
}

export function evaluateGoals(
  rows: Row[], registryPeakRssMb: number | null, auditOk: boolean | null, imported?: ImportResult | string, exported?: ExportResult | string,
  eligibleExported?: EligibleExportResult | string,
): Goal[] {
  const goals: Goal[] = []
  if (eligibleExported !== undefined) {
    const what = `eligible list of a seeded program exported as NDJSON: ≥ ${ELIGIBLE_EXPORT_ROWS_PER_S_GOAL} rows/s`
    goals.push(typeof eligibleExported === 'string'
      ? { target: 'eligibleExport', what, met: null, detail: eligibleExported }
      : { target: 'eligibleExport', what, met: eligibleExported.rowsPerS >= ELIGIBLE_EXPORT_ROWS_PER_S_GOAL, detail: `${eligibleExported.rows} rows in ${eligibleExported.totalS} s: ${eligibleExported.rowsPerS} rows/s` })
  }
  for (const row of rows) {
    const g = READ_GOALS[row.id]
    if (!g) continue
    if (row.ratioRps === undefined || row.ratioP99 === undefined) {
      goals.push({ target: row.id, what: `${row.label}: ≥ ${g.rps} × (B) req/s, p99 ≤ ${g.p99} × (B)`, met: null, detail: row.state })
      continue
    }
    const met = row.ratioRps >= g.rps && row.ratioP99 <= g.p99
    goals.push({
      target: row.id,
      what: `${row.label}: ≥ ${g.rps} × (B) req/s, p99 ≤ ${g.p99} × (B)`,
      met,
      detail: `${ratio(row.ratioRps)} req/s, ${ratio(row.ratioP99)} p99`,
    })
  }
  for (const p of rows.filter((r) => r.id === 'progress' || r.id === 'progressUnderWrites')) {
    goals.push({
      target: p.id,
      what: `${p.label}: p99 ≤ ${PROGRESS_P99_GOAL_MS} ms`,
      met: p.result ? p.result.p99Ms <= PROGRESS_P99_GOAL_MS : null,
      detail: p.result ? `p99 ${p.result.p99Ms.toFixed(1)} ms, p50 ${p.result.p50Ms.toFixed(1)} ms, ${p.result.rps.toFixed(1)} req/s (${ratio(p.ratioP99)} (B)'s p99)` : p.state,
    })
  }
  const w = rows.find((r) => r.id === 'writes')
  if (w) {
    const rate = w.result ? (w.result.requests - w.result.non2xx - w.result.socketErrors) / w.result.durationS : undefined
    goals.push({
      target: 'writes',
      what: `write mix: ≥ ${WRITES_PER_S_GOAL} successful writes/s, every write audited`,
      met: rate === undefined ? null : rate >= WRITES_PER_S_GOAL && auditOk === true,
      detail: rate === undefined ? w.state : `${Math.round(rate)} writes/s; audit ${auditOk === true ? 'complete' : auditOk === false ? 'INCOMPLETE' : 'not checked'}`,
    })
  }
  if (exported !== undefined) {
    const what = `revocation register export as CSV: ≥ ${EXPORT_ROWS_PER_S_GOAL} rows/s, registry RSS ≤ ${RSS_GOAL_MB} MB`
    goals.push(
      typeof exported === 'string'
        ? { target: 'export', what, met: null, detail: exported }
        : {
            target: 'export',
            what,
            met: exported.rowsPerS >= EXPORT_ROWS_PER_S_GOAL && exported.peakRssMb <= RSS_GOAL_MB,
            detail: `${exported.rows} rows in ${exported.totalS} s: ${exported.rowsPerS} rows/s, peak RSS ${exported.peakRssMb} MB${exported.nodeUsPerRow !== undefined ? `; CPU per row: node ${exported.nodeUsPerRow} µs, PostgreSQL ${exported.postgresUsPerRow} µs` : ''}`,
          },
    )
  }
  if (imported !== undefined) {
    const what = `import of ${typeof imported === 'string' ? '' : `${imported.rows} `}enterprise rows from one .xlsx: ≥ ${IMPORT_ROWS_PER_S_GOAL} rows/s end to end, registry RSS ≤ ${RSS_GOAL_MB} MB`
    goals.push(
      typeof imported === 'string'
        ? { target: 'import', what, met: null, detail: imported }
        : {
            target: 'import',
            what,
            met: imported.state === 'succeeded' && imported.rowsPerS >= IMPORT_ROWS_PER_S_GOAL && imported.peakRssMb <= RSS_GOAL_MB,
            detail: `${imported.rowsPerS} rows/s (${imported.totalS} s), peak RSS ${imported.peakRssMb} MB`,
          },
    )
  }
  goals.push({
    target: 'get',
    what: `registry peak RSS ≤ ${RSS_GOAL_MB} MB during the runs`,
    met: registryPeakRssMb === null ? null : registryPeakRssMb <= RSS_GOAL_MB,
    detail: registryPeakRssMb === null ? 'not measured' : `${Math.round(registryPeakRssMb)} MB`,
  })
  return goals
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits))
const ratio = (n: number | undefined) => (n === undefined ? '' : `${n >= 0.1 || n === 0 ? n.toFixed(2) : n.toPrecision(2)}×`)

function cells(row: Row): string[] {
  const r = row.result
  if (!r) return [row.label, row.tool, row.state, '', '', '', '', '', '', '', '', '']
  return [
    row.label,
    row.tool,
    fmt(r.rps),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    String(r.non2xx + r.socketErrors),
    fmt(row.rssMb),
    ratio(row.ratioRps),
    ratio(row.ratioP99),
    fmt(row.cpu?.nodeMsPerRequest, 3),
    row.server === 'A' ? '' : fmt(row.cpu?.postgresMsPerRequest, 3),
    ratio(row.costRatio),
  ]
}

const HEADER = ['target', 'tool', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB', 'req/s ÷ B', 'p99 ÷ B', 'node CPU ms/req', 'PG CPU ms/req', 'CPU cost: B ÷ this']

export function consoleTable(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)]
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => [...r[i]!].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0))))
  const pad = (s: string, w: number, right: boolean) => {
    const len = [...s].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0)
    return right ? ' '.repeat(w - len) + s : s + ' '.repeat(w - len)
  }
  return table.map((r) => r.map((c, i) => pad(c, widths[i]!, i >= 2)).join('  ')).join('\n')
}

export interface Report {
  kind: 'full' | 'smoke'
  date: string
  command: string
  commit: { sha: string; dirty: boolean; note?: string }
  machine: Record<string, unknown>
  options: Record<string, unknown>
  dataset: Record<string, unknown>
  tool: Tool
  rows: Row[]
  registryPeakRssMb: number | null
  registryHwmMb: number | null
  /** VmRSS of the registry once ready, before any load. */
  registryIdleRssMb: number | null
  /** How the registry was started (as npm start runs it), with its node options. */
  registryCommand?: string
  writeAudit: Record<string, unknown> | null
  /** The supervision case target: its measurement, or why there is none. */
  cases?: CaseFlowResult | string
  /** The import target: its measurement, or why there is none. */
  import?: ImportResult | string
  export?: ExportResult | string
  eligibleExport?: EligibleExportResult | string
  goals: Goal[]
  consistency: { ok: boolean; problems: string[] }
  profiles?: Record<string, ProfileSummary>
}

export function markdown(rep: Report): string {
  const lines: string[] = []
  lines.push(`# Benchmark ${rep.kind === 'smoke' ? '(smoke) ' : ''}${rep.date}`, '')
  lines.push(`- Command: \`${rep.command}\``)
  if (rep.registryCommand) lines.push(`- Registry: \`${rep.registryCommand}\` (as \`npm start\` runs it)`)
  lines.push(`- Commit: \`${rep.commit.sha}\`${rep.commit.dirty ? ' (working tree had uncommitted changes' + (rep.commit.note ? `: ${rep.commit.note}` : '') + ')' : ''}`)
  const m = rep.machine
  lines.push(`- Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGb} GB, ${m.os}; Node ${m.node}; ${m.postgres}`)
  lines.push(`- Load average before / after: ${m.loadBefore} / ${m.loadAfter}`)
  const d = rep.dataset
  lines.push(
    `- Dataset: ${d.enterprises} enterprises, ${d.qualifications} qualifications, ${d.events} history events, ${d.listed} listed; ${d.sizeMb} MB; ` +
      (d.reused ? `reused (loaded in ${fmt(d.loadSeconds as number, 1)} s)` : `loaded in ${fmt(d.loadSeconds as number, 1)} s`),
  )
  const o = rep.options
  lines.push(
    `- Load: ${rep.tool}, ${o.connections} connections, ${o.durationS} s per target after ${o.warmupS} s warm-up, ${o.rounds} round(s)` +
      (Number(o.rounds) > 1 ? ' through all targets in turn; figures are medians over rounds, ratios are medians of per-round ratios to (B)' : ''),
  )
  lines.push('')
  lines.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map((_, i) => (i >= 2 ? '---:' : '---')).join('|')}|`)
  for (const row of rep.rows) lines.push(`| ${cells(row).join(' | ')} |`)
  lines.push('')
  lines.push(
    `Registry RSS: ${fmt(rep.registryIdleRssMb ?? undefined)} MB idle after start; peak ${fmt(rep.registryPeakRssMb ?? undefined)} MB sampled during its runs ` +
      `(VmHWM over the process life: ${fmt(rep.registryHwmMb ?? undefined)} MB).`,
  )
  const ranges = rep.rows.filter((r) => r.server === 'registry' && r.rssRange).map((r) => `${r.id} ${r.rssRange!.firstMb}→${r.rssRange!.lastMb}`)
  if (ranges.length) lines.push(`Registry VmRSS at the start → end of each measured run, MB: ${ranges.join(', ')}.`)
  for (const row of rep.rows) for (const note of row.notes ?? []) lines.push(`Note, ${row.label}: ${note}.`)
  const w = rep.rows.find((r) => r.id === 'writes')
  if (w?.result?.statuses) lines.push(`Write mix statuses: ${JSON.stringify(w.result.statuses)}.`)
  if (rep.writeAudit) lines.push(`Write audit check: ${JSON.stringify(rep.writeAudit)}.`)
  if (rep.cases !== undefined) {
    const c = rep.cases
    const l = typeof c === 'string' ? null : c.latency
    lines.push(
      '',
      typeof c === 'string'
        ? `Supervision cases: ${c}.`
        : `Supervision cases (${c.connections} connections, ${c.durationS} s, each case open → interview scheduled → held → referral → decision after a setup grant): ` +
            `**${c.eventsPerS} case events/s**, ${c.cases} cases decided; p50/p99 ms: open ${l!.open.p50}/${l!.open.p99}, interview ${l!.interview.p50}/${l!.interview.p99}, held ${l!.held.p50}/${l!.held.p99}, ` +
            `referral ${l!.referral.p50}/${l!.referral.p99}, decision (revoking through the status change) ${l!.decision.p50}/${l!.decision.p99}; ` +
            `registry node CPU ${c.nodeCpuMsPerEvent ?? '?'} ms per case event (setup grants included)${Object.keys(c.errors).length ? `; errors ${JSON.stringify(c.errors)}` : ''}.`,
    )
  }
  if (rep.import !== undefined) {
    const i = rep.import
    lines.push(
      '',
      typeof i === 'string'
        ? `Import: ${i}.`
        : `Import: ${i.rows} enterprise rows, ${i.fileMb} MB .xlsx: ${i.state} in ${i.totalS} s end to end (upload answered after ${i.uploadS} s), ` +
            `**${i.rowsPerS} rows/s**, ${i.accepted} accepted, ${i.rejected} rejected; registry peak RSS ${i.peakRssMb} MB; registry node CPU ${i.nodeCpuMsPerRow ?? '?'} ms/row. ` +
            `Rows done over time (s: rows): ${i.samples.map((p) => `${p.s}: ${p.rowsDone}`).join(', ')}.`,
    )
  }
  lines.push('', '## Goals', '', '| goal | met | measured |', '|---|---|---|')
  for (const g of rep.goals) lines.push(`| ${g.what} | ${g.met === null ? 'n/a' : g.met ? 'yes' : '**no**'} | ${g.detail} |`)
  lines.push('', `Consistency: ${rep.consistency.ok ? 'ok' : 'FAILED'}${rep.consistency.problems.map((p) => `\n- ${p}`).join('')}`)
  if (rep.profiles) {
    lines.push('', '## CPU profiles (one per target, separate profiled pass; (B) as the reference)')
    for (const [target, p] of Object.entries(rep.profiles)) {
      lines.push('', `### ${target}`, '', `Main thread idle ${(p.idleShare * 100).toFixed(0)}% of ${p.wallMs} ms. Busy time by component:`, '')
      lines.push('| component | % of busy | ms |', '|---|---:|---:|')
      for (const c of p.components) lines.push(`| ${c.name} | ${c.sharePct} | ${c.ms} |`)
      lines.push('', 'Top functions by self time:', '', '| function | where | % of busy |', '|---|---|---:|')
      for (const f of p.functions) lines.push(`| ${f.name.replace(/\|/g, '\\|')} | ${f.where} | ${f.sharePct} |`)
      if (p.database) {
        const d = p.database
        lines.push(
          '',
          `PostgreSQL backends of the server (${d.samples} samples of pg_stat_activity): at least one active in ${(d.busyShare * 100).toFixed(0)}% of samples, ${d.meanActive.toFixed(2)} active on average.`,
          '',
          '| statement | waiting on | % of active samples |',
          '|---|---|---:|',
        )
        for (const t of d.top) lines.push(`| \`${t.what.replace(/\|/g, '\\|').replace(/`/g, "'")}\` | ${t.wait} | ${t.sharePct} |`)
      }
    }
  }
  return lines.join('\n') + '\n'
}
