// npm run bench [-- --smoke] [--enterprises N] [--reload] [--duration S] [--warmup S] [--connections C]
//   [--rounds R] [--tool wrk|autocannon] [--only get,verify,search,list,progress,progressUnderWrites,register,writes,cases,export,import] [--import-rows N] [--profile]
//   [--database-url URL] [--allow-missing] [--out DIR]
// Loads the registry and two baselines, (A) a bare Fastify constant and (B) Fastify + pg select by
// USCC, with the same tool, concurrency and duration, and reports every registry figure as a ratio
// to (B) from the same run. See docs/performance.md.
import { execFileSync, execSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { nextWriteSerial, prepareDataset, sampleSuspendable, sampleUsccs, withClient } from './dataset.ts'
import { detectTool, runLoad, writeMix, type LoadOptions, type LoadResult, type ReadSpec, type Tool, type WriteSpec } from './load.ts'
import { AUDIENCE, benchKeys, ISSUER, loggedErrors, memoryOf, ROOT, RssSampler, startCommand, startServer, type BenchKeys, type Server, type StartOptions } from './processes.ts'
import { summariseProfile, type ProfileSummary } from './profile.ts'
import { CpuMeter, type CpuUse } from './cpu.ts'
import { DbActivitySampler, type DbActivity } from './db-activity.ts'
import { addRatios, consoleTable, evaluateGoals, markdown, type Report, type Row, type TargetId } from './report.ts'
import { runImport, type ImportResult } from './import.ts'
import { runCaseFlow, type CaseFlowResult } from './supervision.ts'
import { runExport, type ExportResult } from './export.ts'
import { BENCH_PROGRAM, ensureBenchProgram, runEligibilityExport, SEEDED_PROGRAM, type ExportResult as EligibleExportResult } from './incentives.ts'
import { COUNTIES, SEARCH_QUERIES } from './words.ts'
import { sampleTargetQualifications, startTrickle, type Trickle } from './trickle.ts'

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    enterprises: { type: 'string' },
    reload: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    tool: { type: 'string' },
    only: { type: 'string' },
    'import-rows': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'allow-missing': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
})

const smoke = args.smoke!
const num = (v: string | undefined, fallback: number, name: string) => {
  if (v === undefined) return fallback
  const n = Number(v.replace(/_/g, ''))
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got "${v}")`)
  return n
}
const options = {
  enterprises: Math.round(num(args.enterprises, smoke ? 2_000 : 100_000, 'enterprises')),
  durationS: num(args.duration, smoke ? 2 : 10, 'duration'),
  warmupS: num(args.warmup, smoke ? 1 : 3, 'warmup'),
  connections: Math.round(num(args.connections, 50, 'connections')),
  rounds: Math.round(num(args.rounds, 1, 'rounds')),
  importRows: Math.round(num(args['import-rows'], smoke ? 2_000 : 100_000, 'import-rows')),
}
// One database per size, so going back and forth between sizes reuses each load.
const sizeSuffix = (n: number) => (n === 100_000 ? '' : n % 1_000_000 === 0 ? `_${n / 1_000_000}m` : n % 1000 === 0 ? `_${n / 1000}k` : `_${n}`)
const databaseUrl =
  args['database-url'] ??
  process.env.BENCH_DATABASE_URL ??
  `postgres://postgres@127.0.0.1:5432/${smoke ? 'haopin_bench_smoke' : `haopin_bench${sizeSuffix(options.enterprises)}`}`
const ALL_REGISTRY: TargetId[] = ['get', 'verify', 'search', 'list', 'progress', 'progressUnderWrites', 'register', 'eligibility', 'eligible', 'eligibleExport', 'writes', 'export', 'cases', 'import']
/** Supervision cases run their workflow one event after the other per connection: fewer connections than the load tools. */
const CASE_CONNECTIONS = 10
const selected = new Set<TargetId>(args.only ? (args.only.split(',').map((s) => s.trim()) as TargetId[]) : ALL_REGISTRY)
for (const t of selected) if (!ALL_REGISTRY.includes(t)) throw new Error(`--only: unknown target "${t}" (known: ${ALL_REGISTRY.join(', ')})`)

/** The progress answer is a leader's report, not a hot path: measured as the latency of one request at a time. */
const PROGRESS_CONNECTIONS = 1
const PROGRESS_PATHS = [
  '/v1/target-plans/DEZHOU_HAOPIN_2025/progress?by=county',
  ...['2022', '2023', '2024', '2025'].map((y) => `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?by=county&asOf=${encodeURIComponent(`${y}-12-31T16:00:00.000Z`)}`),
]
/** Writes per second through the API while progressUnderWrites is measured (grants and status changes of the targets' types). */
const TRICKLE_WRITES_PER_S = 4

const workDir = join(ROOT, 'bench/.work')
/** application_name of each server's PostgreSQL pool, to find its backends. */
const POOL_NAMES: Record<'A' | 'B' | 'registry', string | null> = { A: null, B: 'haopin-bench-baseline-b', registry: 'haopin-registry' }
const runTag = Date.now().toString(36).toUpperCase()
const log = (line: string) => console.log(line)

interface Measurements {
  results: LoadResult[]
  peaks: number[]
  rss: { firstMb: number; lastMb: number }[]
  cpus: CpuUse[]
  warmupErrors: number
}

interface Target {
  id: TargetId
  label: string
  server: 'A' | 'B' | 'registry'
  spec: (phase: string) => Promise<ReadSpec | WriteSpec>
  /** Concurrent connections when not the run's (--connections). */
  connections?: number
  /** Warm-up when not the run's (--warmup), in seconds. */
  warmupS?: number
  /** Started before the warm-up and before the measured run, stopped after each: load that runs alongside. */
  alongside?: (phase: string) => Promise<Trickle>
}

async function main(): Promise<number> {
  const started = performance.now()
  // The code the servers run is the code at start: other work may commit while the run goes on.
  const commit = commitInfo()
  // The registry runs its build, as npm start does (whose prestart builds when src/ is newer).
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
  const registryStart = startCommand()
  const tool: Tool = detectTool(args.tool)
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ')
  log(`bench ${smoke ? '(smoke) ' : ''}— ${options.enterprises} enterprises, ${tool}, -c${options.connections}, ${options.durationS} s per target`)
  mkdirSync(workDir, { recursive: true })

  const dataset = await prepareDataset(databaseUrl, options.enterprises, { reload: args.reload!, log })
  log(`dataset: ${dataset.enterprises} enterprises, ${dataset.qualifications} qualifications, ${dataset.events} events, ${dataset.listed} listed, ${dataset.sizeMb} MB`)
  const usccs = await sampleUsccs(databaseUrl, 20_000)
  await ensureBenchProgram(databaseUrl)
  const keys = await benchKeys()
  const readToken = await keys.token(`bench-reader-${runTag}`)

  const logDir = join(workDir, 'logs')
  log('starting the registry and baselines (A) and (B) ...')
  const [serverA, serverB, registry] = await Promise.all([
    startServer({ ...serverOptions('A', keys), logDir }),
    startServer({ ...serverOptions('B', keys), logDir }),
    startServer({ ...serverOptions('registry', keys), logDir }),
  ])
  const servers: Record<'A' | 'B' | 'registry', Server> = { A: serverA, B: serverB, registry }
  const registryIdleRssMb = memoryOf(registry.pid)?.rssMb ?? null
  // Interrupted: take the servers down with us rather than leave them listening.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all(Object.values(servers).map((srv) => srv.stop())).finally(() => process.exit(130))
    })
  }

  const writeAudit: Record<string, unknown>[] = []
  const targets = defineTargets(servers, usccs, readToken, keys)
  const rows: Row[] = []
  const problems: string[] = []
  let registryPeak = 0
  let registryHwm: number | null = null
  let imported: ImportResult | string | undefined
  let caseFlow: CaseFlowResult | string | undefined
  let eligibleExported: EligibleExportResult | string | undefined
  let exported: ExportResult | string | undefined
  try {
    const active: { target: Target; row: Row; m: Measurements }[] = []
    for (const target of targets) {
      if (target.server === 'registry' && !selected.has(target.id)) continue
      const row: Row = { id: target.id, label: target.label, server: target.server, state: 'ok', tool }
      rows.push(row)
      const probe = await probeTarget(target, servers[target.server].url)
      if (probe !== 'ok') {
        row.state = probe
        log(`  ${target.label}: ${probe}`)
        continue
      }
      active.push({ target, row, m: { results: [], peaks: [], rss: [], cpus: [], warmupErrors: 0 } })
    }
    // Rounds go through every target in turn, so each round's ratios to (B) compare figures
    // taken minutes apart at most, under the same background load.
    for (let round = 1; round <= options.rounds; round++) {
      for (const { target, row, m } of active) {
        const server = servers[target.server]
        if (row.state !== 'ok') continue
        const gone = server.exited()
        if (gone) {
          row.state = `not run: ${gone}`
          continue
        }
        try {
          const loadOpts: LoadOptions = { connections: target.connections ?? options.connections, durationS: target.warmupS ?? options.warmupS, workDir }
          const warmAlongside = await target.alongside?.(`W${round}`)
          const warm = await runLoad(tool, await target.spec(`W${round}`), loadOpts).finally(() => warmAlongside?.stop())
          m.warmupErrors += warm.non2xx + warm.socketErrors
          const spec = await target.spec(`R${round}`)
          const sampler = new RssSampler(server.pid)
          const cpu = new CpuMeter(server.pid, databaseUrl, POOL_NAMES[target.server])
          await cpu.start()
          sampler.start()
          const alongside = await target.alongside?.(`R${round}`)
          const result = await runLoad(tool, spec, { ...loadOpts, durationS: options.durationS })
          const trickled = await alongside?.stop()
          const mem = sampler.stop()
          if (trickled) {
            const note = `alongside: ${trickled.writes} writes in ${trickled.durationS.toFixed(1)} s (${trickled.writesPerS.toFixed(1)}/s, statuses ${JSON.stringify(trickled.statuses)}, p50 ${trickled.p50Ms.toFixed(1)} ms, p99 ${trickled.p99Ms.toFixed(1)} ms)`
            row.notes = [...(row.notes ?? []), note]
            log(`    ${note}`)
          }
          m.peaks.push(mem.peakMb)
          m.rss.push(mem)
          m.cpus.push(await cpu.stop(result.requests))
          m.results.push(result)
          if (spec.kind === 'write') writeAudit.push(await auditCheck(spec, result))
          log(`  ${target.label}${options.rounds > 1 ? ` [round ${round}]` : ''}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.non2xx + result.socketErrors}`)
          if (result.non2xx + result.socketErrors > 0 && spec.kind === 'read') log(`    sample of statuses: ${await sampleStatuses(spec)}`)
        } catch (error) {
          // A server that dies or a load that cannot run is a result too: report it, go on with the rest.
          row.state = `failed in round ${round}: ${server.exited() ?? (error as Error).message.split('\n')[0]}`
          log(`  ${target.label}: ${row.state}`)
        }
      }
    }
    for (const { target, row, m } of active) {
      if (m.results.length === 0) continue
      row.result = median(m.results)
      if (m.results.length > 1) row.rounds = m.results
      row.rssMb = Math.max(...m.peaks)
      row.rssRange = { firstMb: Math.round(m.rss[0]!.firstMb), lastMb: Math.round(m.rss[m.rss.length - 1]!.lastMb) }
      // Total CPU over total requests of all rounds, so a round that stalled does not weigh as much as one that ran.
      const requests = Math.max(1, m.cpus.reduce((n, c) => n + c.requests, 0))
      row.cpu = {
        nodeMsPerRequest: m.cpus.reduce((n, c) => n + c.nodeMs, 0) / requests,
        postgresMsPerRequest: m.cpus.reduce((n, c) => n + c.postgresMs, 0) / requests,
      }
      if (target.server === 'registry') registryPeak = Math.max(registryPeak, row.rssMb)
      // Warm-ups are not measured, but their failures are worth knowing.
      if (m.warmupErrors > 0) row.notes = [...(row.notes ?? []), `${m.warmupErrors} errors during warm-up (not counted)`]
    }
    // Before the import and the writes' effects are large: the whole eligible list, streamed once.
    if (selected.has('eligibleExport')) {
      try {
        eligibleExported = await runEligibilityExport(registry.url, readToken)
        log(`  eligible list export: ${eligibleExported.rows} rows in ${eligibleExported.totalS} s, ${eligibleExported.rowsPerS} rows/s`)
      } catch (error) {
        eligibleExported = `failed: ${(error as Error).message.split('\n')[0]}`
        log(`  eligible list export: ${eligibleExported}`)
      }
    }
    // The whole register as CSV, streamed: rows/s and the registry's RSS while it streams.
    if (selected.has('export')) {
      const gone = registry.exited()
      if (gone) exported = `not run: ${gone}`
      else {
        try {
          // Rows/s depends on the machine's load; CPU per row (node and PostgreSQL) much less.
          const cpu = new CpuMeter(registry.pid, databaseUrl, POOL_NAMES.registry)
          await cpu.start()
          const result = await runExport({ baseUrl: registry.url, token: readToken, pid: registry.pid, log })
          const used = await cpu.stop(result.rows)
          const perRow = (ms: number) => Math.round((ms * 10_000) / Math.max(1, result.rows)) / 10
          exported = { ...result, nodeUsPerRow: perRow(used.nodeMs), postgresUsPerRow: perRow(used.postgresMs) }
          log(`  register export: ${exported.rows} rows in ${exported.totalS} s (${exported.rowsPerS} rows/s, ${Math.round(exported.bytes / 1e6)} MB), peak RSS ${exported.peakRssMb} MB; CPU per row: node ${exported.nodeUsPerRow} µs, PostgreSQL ${exported.postgresUsPerRow} µs`)
          registryPeak = Math.max(registryPeak, exported.peakRssMb)
        } catch (error) {
          exported = `failed: ${registry.exited() ?? (error as Error).message.split('\n')[0]}`
          log(`  register export: ${exported}`)
        }
      }
    }
    // Supervision cases after the read targets: they add listings, cases and revocations.
    if (selected.has('cases')) {
      const gone = registry.exited()
      if (gone) caseFlow = `not run: ${gone}`
      else {
        try {
          caseFlow = await runCaseFlow({ baseUrl: registry.url, token: await keys.token(`bench-supervision-${runTag}`), pid: registry.pid, databaseUrl, connections: CASE_CONNECTIONS, durationS: options.durationS, tag: runTag })
          const l = caseFlow.latency
          log(`  cases: ${caseFlow.eventsPerS} case events/s (${caseFlow.cases} cases through open → interview scheduled → held → referral → decision), p50/p99 ms open ${l.open.p50}/${l.open.p99}, interview ${l.interview.p50}/${l.interview.p99}, held ${l.held.p50}/${l.held.p99}, referral ${l.referral.p50}/${l.referral.p99}, decision ${l.decision.p50}/${l.decision.p99}${Object.keys(caseFlow.errors).length ? `, errors ${JSON.stringify(caseFlow.errors)}` : ''}`)
        } catch (error) {
          caseFlow = `failed: ${registry.exited() ?? (error as Error).message.split('\n')[0]}`
          log(`  cases: ${caseFlow}`)
        }
      }
    }
    // Last, as it adds enterprises: the read targets measured the dataset as loaded.
    if (selected.has('import')) {
      const gone = registry.exited()
      if (gone) imported = `not run: ${gone}`
      else {
        try {
          imported = await runImport({ baseUrl: registry.url, token: await keys.token(`bench-importer-${runTag}`), pid: registry.pid, databaseUrl, rows: options.importRows, workDir, log })
          log(`  import: ${imported.state}, ${imported.rowsPerS} rows/s (${imported.totalS} s), peak RSS ${imported.peakRssMb} MB`)
          registryPeak = Math.max(registryPeak, imported.peakRssMb)
        } catch (error) {
          imported = `failed: ${registry.exited() ?? (error as Error).message.split('\n')[0]}`
          log(`  import: ${imported}`)
        }
      }
    }
    registryHwm = memoryOf(registry.pid)?.hwmMb ?? null
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()))
  }

  const profiles = args.profile ? await profilePass(targets, keys) : undefined

  addRatios(rows)
  const auditOk = writeAudit.length === 0 ? null : writeAudit.every((a) => a.ok === true)
  const goals = evaluateGoals(rows, registryPeak || null, auditOk, imported, exported, eligibleExported)

  // Consistency: what CI asserts (the benchmark ran and its figures hang together), not speed.
  for (const row of rows) {
    const missing = row.state.startsWith('missing')
    if (row.state !== 'ok') {
      if (!(missing && args['allow-missing'])) problems.push(`${row.label}: ${row.state}`)
      continue
    }
    const r = row.result!
    if (r.requests === 0) problems.push(`${row.label}: no request completed`)
    if (row.id !== 'writes' && r.non2xx + r.socketErrors > 0) problems.push(`${row.label}: ${r.non2xx} non-2xx responses and ${r.socketErrors} socket errors during a read run`)
    if (row.server === 'registry' && (row.ratioRps === undefined || !Number.isFinite(row.ratioRps) || !Number.isFinite(row.ratioP99!))) problems.push(`${row.label}: no ratio to (B)`)
    if (row.id === 'writes' && r.non2xx + r.socketErrors > 0) log(`  note: write mix had ${r.non2xx} non-2xx and ${r.socketErrors} socket errors: ${JSON.stringify(r.statuses)}`)
  }
  const unhandled = loggedErrors(registry.logFile)
  if (unhandled.length > 0) log(`  the registry logged unhandled errors (${registry.logFile}):\n    ${unhandled.join('\n    ')}`)
  if (!rows.find((r) => r.id === 'B')?.result) problems.push('baseline (B) has no result: no ratio can be computed')
  if (typeof caseFlow === 'string') problems.push(`cases: ${caseFlow}`)
  else if (caseFlow && (caseFlow.cases === 0 || Object.keys(caseFlow.errors).length > 0)) problems.push(`cases: ${caseFlow.cases} cases completed, errors ${JSON.stringify(caseFlow.errors)}`)
  if (typeof exported === 'string') problems.push(`register export: ${exported}`)
  if (typeof imported === 'string') problems.push(`import: ${imported}`)
  else if (imported && (imported.state !== 'succeeded' || imported.accepted !== imported.rows)) {
    problems.push(`import: ${imported.state}, ${imported.accepted} of ${imported.rows} rows accepted`)
  }
  if (typeof eligibleExported === 'string') problems.push(`eligible list export: ${eligibleExported}`)
  else if (eligibleExported && eligibleExported.rows < dataset.enterprises) problems.push(`eligible list export: ${eligibleExported.rows} rows for ${dataset.enterprises} enterprises`)
  if (auditOk === false) problems.push(`write mix: not every successful write is in the audit log: ${JSON.stringify(writeAudit)}`)
  if (rows.some((r) => r.server === 'registry' && r.result) && !registryPeak) problems.push('registry RSS was not measured')
  const perEnterprise = dataset.qualifications / dataset.enterprises
  if (perEnterprise < 2 || perEnterprise > 4) problems.push(`dataset: ${perEnterprise.toFixed(2)} qualifications per enterprise (expected about 3)`)

  const date = new Date()
  const report: Report = {
    kind: smoke ? 'smoke' : 'full',
    date: date.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    commit,
    machine: { ...machineInfo(), postgres: await postgresVersion(), loadBefore, loadAfter: os.loadavg().map((l) => l.toFixed(2)).join(' ') },
    options: { ...options, databaseUrl: databaseUrl.replace(/\/\/[^@]*@/, '//'), only: [...selected] },
    dataset: dataset as unknown as Record<string, unknown>,
    tool,
    rows,
    registryPeakRssMb: registryPeak || null,
    registryHwmMb: registryHwm,
    registryIdleRssMb,
    registryCommand: ['node', ...registryStart.nodeArgs, registryStart.script].join(' '),
    writeAudit: writeAudit.length ? { phases: writeAudit } : null,
    ...(caseFlow !== undefined ? { cases: caseFlow } : {}),
    ...(imported !== undefined ? { import: imported } : {}),
    ...(exported !== undefined ? { export: exported } : {}),
    ...(eligibleExported !== undefined ? { eligibleExport: eligibleExported } : {}),
    goals,
    consistency: { ok: problems.length === 0, problems },
    ...(profiles ? { profiles } : {}),
  }

  console.log('\n' + consoleTable(rows) + '\n')
  log(`registry RSS: ${registryIdleRssMb ? Math.round(registryIdleRssMb) : '?'} MB idle after start, peak ${registryPeak ? Math.round(registryPeak) : '?'} MB under load (VmHWM ${registryHwm ? Math.round(registryHwm) : '?'} MB)`)
  for (const g of goals) log(`${g.met === null ? '  n/a' : g.met ? '  met' : '  NOT MET'}  ${g.what} — ${g.detail}`)
  const outDir = args.out ?? join(ROOT, smoke ? 'bench/.work/results' : 'bench/results')
  mkdirSync(outDir, { recursive: true })
  const base = `${date.toISOString().slice(0, 16).replace(/[:T]/g, '-')}-${smoke ? 'smoke' : `${options.enterprises}e`}-${report.commit.sha.slice(0, 7)}`
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify(report, null, 2) + '\n')
  writeFileSync(join(outDir, `${base}.md`), markdown(report))
  log(`\nresults: ${join(outDir, base)}.{json,md}`)
  log(`consistency: ${problems.length === 0 ? 'ok' : `FAILED\n  - ${problems.join('\n  - ')}`}`)
  log(`total time ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return problems.length === 0 ? 0 : 1
}

function serverOptions(kind: 'A' | 'B' | 'registry', keys: BenchKeys): Omit<StartOptions, 'logDir'> {
  if (kind === 'A') return { name: 'baseline-a', script: 'bench/baselines/constant.ts', env: {}, readyPath: '/healthz' }
  const registryEnv = registryEnvironment(keys)
  if (kind === 'B') {
    return { name: 'baseline-b', script: 'bench/baselines/pg-select.ts', env: { DATABASE_URL: databaseUrl, DB_POOL_MAX: registryEnv.DB_POOL_MAX! }, readyPath: '/healthz' }
  }
  // As `npm start` runs it: the build of src/ (made by main() before the servers start) with the start script's node options.
  const { nodeArgs, script } = startCommand()
  return { name: 'registry', script, nodeArgs, typescript: false, env: registryEnv, readyPath: '/readyz' }
}

function registryEnvironment(keys: BenchKeys): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_START: 'false',
    DATA_DIR: join(workDir, 'registry-data'),
    DB_POOL_MAX: process.env.BENCH_DB_POOL_MAX ?? '10',
    AUTH_JWKS: keys.jwks,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    SIGNING_KEY: keys.signingKey,
    // Public endpoints are rate-limited per IP, and every benchmark request comes from 127.0.0.1.
    PUBLIC_RATE_LIMIT_MAX: '1000000',
    PUBLIC_RATE_LIMIT_WINDOW_MS: '60000',
    // Experiments: e.g. DOCUMENT_REFRESH_INTERVAL_MS=0 npm run bench -- --only writes
    ...(process.env.DOCUMENT_REFRESH_INTERVAL_MS ? { DOCUMENT_REFRESH_INTERVAL_MS: process.env.DOCUMENT_REFRESH_INTERVAL_MS } : {}),
  }
}

function defineTargets(servers: Record<'A' | 'B' | 'registry', Server>, usccs: string[], token: string, keys: BenchKeys): Target[] {
  const read = (id: TargetId, label: string, server: 'A' | 'B' | 'registry', paths: string[], auth: boolean): Target => ({
    id,
    label,
    server,
    spec: async () => ({ kind: 'read', name: id, baseUrl: servers[server].url, paths, token: auth ? token : undefined }),
  })
  return [
    read('A', '(A) bare Fastify constant', 'A', ['/'], false),
    read('B', '(B) Fastify + pg select by USCC', 'B', usccs.map((u) => `/enterprises/${u}`), false),
    read('get', 'get enterprise by USCC', 'registry', usccs.map((u) => `/v1/enterprises/${u}`), true),
    read('verify', 'public verification by USCC', 'registry', usccs.map((u) => `/v1/public/verify?uscc=${u}`), false),
    read('search', 'name search, 2 characters, first page', 'registry', SEARCH_QUERIES.map((q) => `/v1/enterprises?q=${encodeURIComponent(q)}&limit=20`), true),
    read('list', 'filtered list (county + listed), first page', 'registry', COUNTIES.map((c) => `/v1/enterprises?countyCode=${c.code}&brandStatus=listed&limit=20`), true),
    // Issue 13: an auditor's first page of the revocation register for a county and a year (county at the event's time).
    read('register', 'revocation register (county + effective year), first page', 'registry', COUNTIES.flatMap((c) => [2023, 2024, 2025].map((y) =>
      `/v1/revocations?countyCode=${c.code}&effectiveFrom=${y}-01-01&effectiveTo=${y + 1}-01-01&order=effective&limit=50`)), true),
    // A leader's question, asked one at a time: all ten targets by county, now and as of past year ends.
    {
      ...read('progress', `2025 targets' progress by county, all ten targets (${PROGRESS_CONNECTIONS} connection${PROGRESS_CONNECTIONS > 1 ? 's' : ''})`, 'registry', PROGRESS_PATHS, true),
      connections: PROGRESS_CONNECTIONS,
      // Each path's first answer is counted afresh (seconds at 100,000 enterprises); the measured run is the steady state.
      warmupS: smoke ? options.warmupS : Math.max(options.warmupS, 20),
    },
    // The same question while county systems write: grants and status changes of the targets' types through the API.
    {
      ...read('progressUnderWrites', `2025 targets' progress by county, all ten targets, under ${TRICKLE_WRITES_PER_S} writes/s (${PROGRESS_CONNECTIONS} connection${PROGRESS_CONNECTIONS > 1 ? 's' : ''})`, 'registry', PROGRESS_PATHS, true),
      connections: PROGRESS_CONNECTIONS,
      warmupS: smoke ? options.warmupS : Math.max(options.warmupS, 20),
      alongside: async (phase) => startTrickle({
        baseUrl: servers.registry.url,
        token: await keys.token(`bench-trickle-${runTag}${phase}`),
        usccs,
        qualificationIds: await sampleTargetQualifications(databaseUrl, 2_000),
        ratePerS: TRICKLE_WRITES_PER_S,
        tag: `${runTag}${phase}`,
      }),
    },
    read('eligibility', 'eligibility of one enterprise, explained (program with 5 conditions)', 'registry', usccs.map((u) => `/v1/incentive-programs/${BENCH_PROGRAM}/eligibility/${u}`), true),
    read('eligible', 'eligible list of a seeded program, first page', 'registry',
      ['', '&asOf=2024-12-31T16:00:00.000Z', '&asOf=2023-12-31T16:00:00.000Z'].map((q) => `/v1/incentive-programs/${SEEDED_PROGRAM}/eligibility?limit=50${q}`), true),
    {
      id: 'writes',
      label: 'write mix (create, grant, status change)',
      server: 'registry',
      spec: async (phase) => writeSpec(servers.registry.url, usccs, keys, phase),
    },
  ]
}

/** Qualification ids handed to earlier write phases of this run: a request still in flight when a phase ends may change them later. */
const handedOut = new Set<string>()

async function writeSpec(baseUrl: string, usccs: string[], keys: BenchKeys, phase: string): Promise<WriteSpec> {
  const tag = `${runTag}${phase}`
  // Let writes still in flight from the previous phase finish before reading what is free.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const candidates = (await sampleSuspendable(databaseUrl, smoke ? 3_000 : 60_000)).filter((id) => !handedOut.has(id))
  const qualificationIds = candidates.slice(0, Math.max(100, Math.floor(candidates.length / 2)))
  for (const id of qualificationIds) handedOut.add(id)
  return {
    kind: 'write',
    name: 'writes',
    baseUrl,
    token: await keys.token(`bench-writer-${tag}`),
    usccs,
    qualificationIds,
    // A gap after the highest USCC written so far, in case a create of the last phase commits late.
    serial: (await nextWriteSerial(databaseUrl)) + 10_000,
    tag,
  }
}

/** One request of each kind before loading: an endpoint that is not there yet is reported, not loaded. */
async function probeTarget(target: Target, baseUrl: string, phase = 'P'): Promise<string> {
  const spec = await target.spec(phase)
  const requests =
    spec.kind === 'read'
      ? [{ method: 'GET', path: spec.paths[0]!, body: undefined as string | undefined }]
      : (() => {
          const next = writeMix(spec)
          return [next(), next(), next()]
        })()
  const token = spec.token
  const statuses: number[] = []
  for (const r of requests) {
    try {
      const res = await fetch(baseUrl + r.path, {
        method: r.method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(r.body ? { 'content-type': 'application/json' } : {}) },
        body: r.body ?? null,
      })
      statuses.push(res.status)
      const text = await res.text()
      if (res.status >= 400 && res.status !== 404) log(`    probe ${r.method} ${r.path} → ${res.status} ${text.slice(0, 300)}`)
    } catch (error) {
      return `probe failed (${(error as Error).message})`
    }
  }
  if (statuses.every((s) => s >= 200 && s < 300)) return 'ok'
  if (statuses.some((s) => s === 404)) return `missing (404)${statuses.length > 1 ? ` [${statuses.join(', ')}]` : ''}`
  return `probe failed (${statuses.join(', ')})`
}

async function sampleStatuses(spec: ReadSpec): Promise<string> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < 20; i++) {
    const path = spec.paths[Math.floor(Math.random() * spec.paths.length)]!
    const res = await fetch(spec.baseUrl + path, { headers: spec.token ? { authorization: `Bearer ${spec.token}` } : {} })
    await res.arrayBuffer()
    counts[res.status] = (counts[res.status] ?? 0) + 1
  }
  return JSON.stringify(counts)
}

/** Every successful write must have left at least one audit entry with its request id. */
async function auditCheck(spec: WriteSpec, result: LoadResult): Promise<Record<string, unknown>> {
  const ok2xx = Object.entries(result.statuses ?? {})
    .filter(([code]) => Number(code) >= 200 && Number(code) < 300)
    .reduce((n, [, c]) => n + c, 0)
  const sub = `bench-writer-${spec.tag}`
  const { row, ops } = await withClient(databaseUrl, async (c) => ({
    row: (await c.query(`SELECT count(*)::int AS entries, count(DISTINCT request_id)::int AS requests FROM audit_event WHERE actor_sub = $1`, [sub])).rows[0],
    ops: (await c.query(`SELECT operation, count(*)::int AS n FROM audit_event WHERE actor_sub = $1 GROUP BY 1 ORDER BY 1`, [sub])).rows as { operation: string; n: number }[],
  }))
  // Requests cut off by the end of the run may still commit after wrk stopped counting: audited ≥ answered.
  return {
    phase: spec.tag,
    successfulWrites: ok2xx,
    auditedRequests: row.requests,
    auditEntries: row.entries,
    byOperation: Object.fromEntries(ops.map((o) => [o.operation, o.n])),
    ok: row.requests >= ok2xx,
  }
}

async function profilePass(targets: Target[], keys: BenchKeys): Promise<Record<string, ProfileSummary>> {
  const tool = detectTool(args.tool)
  const out: Record<string, ProfileSummary> = {}
  const dbActivity: Record<string, DbActivity> = {}
  // (B) too, as the reference: what a minimal Node service spends its time on under the same load.
  for (const target of targets) {
    if (target.server === 'A' || (target.server === 'registry' && !selected.has(target.id))) continue
    const dir = join(workDir, 'profiles', `${runTag}-${target.id}`)
    const registry = await startServer({
      ...serverOptions(target.server, keys),
      name: `${target.server === 'B' ? 'baseline-b' : 'registry'}-profile-${target.id}`,
      logDir: join(workDir, 'logs'),
      nodeArgs: [...(serverOptions(target.server, keys).nodeArgs ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`],
    })
    // Targets hold the URL of the measured registry; the profiled one listens on its own port.
    let window: { fromUs: number; toUs?: number } | undefined
    const profiled: Target = { ...target, spec: async (phase) => ({ ...(await target.spec(phase)), baseUrl: registry.url }) }
    try {
      if ((await probeTarget(profiled, registry.url, 'FP')) !== 'ok') continue
      await runLoad(tool, await profiled.spec('FW'), { connections: options.connections, durationS: options.warmupS, workDir })
      const spec = await profiled.spec('F')
      const db = POOL_NAMES[target.server] ? new DbActivitySampler(databaseUrl, POOL_NAMES[target.server]!) : undefined
      await db?.start()
      window = { fromUs: monotonicUs() }
      await runLoad(tool, spec, { connections: options.connections, durationS: options.durationS, workDir })
      window.toUs = monotonicUs()
      if (db) dbActivity[target.id] = await db.stop()
    } finally {
      await registry.stop()
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (file) {
      out[target.id] = {
        ...summariseProfile(join(dir, file), window?.toUs ? { fromUs: window.fromUs, toUs: window.toUs } : undefined),
        ...(dbActivity[target.id] ? { database: dbActivity[target.id] } : {}),
      }
      log(`  profile ${target.id}: ${join(dir, file)}`)
    }
  }
  return out
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

function median(results: LoadResult[]): LoadResult {
  if (results.length === 1) return results[0]!
  const mid = <K extends keyof LoadResult>(k: K) => {
    const v = results.map((r) => r[k] as number).sort((a, b) => a - b)
    return v[Math.floor(v.length / 2)]!
  }
  return {
    ...results[0]!,
    requests: results.reduce((n, r) => n + r.requests, 0),
    durationS: results.reduce((n, r) => n + r.durationS, 0),
    rps: mid('rps'),
    p50Ms: mid('p50Ms'),
    p90Ms: mid('p90Ms'),
    p99Ms: mid('p99Ms'),
    maxMs: Math.max(...results.map((r) => r.maxMs)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    socketErrors: results.reduce((n, r) => n + r.socketErrors, 0),
  }
}

function commitInfo(): Report['commit'] {
  const git = (cmd: string) => execSync(`git ${cmd}`, { cwd: ROOT, encoding: 'utf8' }).trim()
  try {
    const changed = git('status --porcelain -- src prisma').split('\n').filter(Boolean)
    return { sha: git('rev-parse HEAD'), dirty: changed.length > 0, ...(changed.length ? { note: `${changed.length} file(s) under src/ or prisma/ modified or new` } : {}) }
  } catch {
    return { sha: 'unknown', dirty: false }
  }
}

function machineInfo(): Record<string, unknown> {
  return {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.versions.node,
  }
}

async function postgresVersion(): Promise<string> {
  try {
    return await withClient(databaseUrl, async (c) => ((await c.query('SHOW server_version')).rows[0].server_version as string).replace(/^/, 'PostgreSQL '))
  } catch {
    return 'PostgreSQL (unknown version)'
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)

