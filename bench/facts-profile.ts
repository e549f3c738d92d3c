// Where PostgreSQL's time goes in one eligibility explanation: the statement the registry sends for
// `GET /v1/incentive-programs/{code}/eligibility/{uscc}` (repository explanationInputs, built by the
// code in src/ of this checkout), run as a prepared statement on one connection for random USCCs of
// the loaded dataset, whole and with each of its fact subqueries left out in turn, against (B)'s
// select by USCC. Measured: the CPU of that connection's backend (/proc/<pid>/stat, so PostgreSQL must
// run on this host, not in a container) per statement. The figures hold for this machine only and
// are compared within one run, the variants alternating by round.
//   node --import tsx bench/facts-profile.ts postgresql://postgres@127.0.0.1:5432/haopin_bench \
//     [--rounds 3] [--statements 4000] [--plan-cache-mode auto|force_generic_plan|force_custom_plan]
import { parseArgs } from 'node:util'
import pg from 'pg'
import { explanationInputs } from '../src/modules/incentives/incentives.repository.ts'
import { sampleUsccs } from './dataset.ts'
import { BENCH_PROGRAM, ensureBenchProgram } from './incentives.ts'
import { cpuMsOf } from './processes.ts'
import { median } from './report.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, statements: { type: 'string', default: '4000' }, 'plan-cache-mode': { type: 'string' } },
})
const url = positionals[0]
if (!url) throw new Error('usage: bench/facts-profile.ts <database URL> [--rounds R] [--statements N] [--plan-cache-mode MODE]')
const rounds = Number(values.rounds)
const statements = Number(values.statements)

// The statement as the repository builds it (the fake connection only records it).
let captured = ''
await explanationInputs({ query: async (sql: string) => ((captured = sql), [{ p_code: null, uscc: null }]) } as never, BENCH_PROGRAM, 'x', new Date(), new Date(), undefined)

/** The statement with the part from `start` to the end of `end` replaced; throws when the code has moved on. */
function without(sql: string, start: string, end: string, replacement: string): string {
  const i = sql.indexOf(start)
  const j = i < 0 ? -1 : sql.indexOf(end, i)
  if (i < 0 || j < 0) throw new Error(`facts-profile: "${start}" … "${end}" is no longer in the explanation statement; update the variants`)
  return sql.slice(0, i) + replacement + sql.slice(j + end.length)
}
const PARTS = {
  version: ['(SELECT to_jsonb(ev)', ') ev) AS v', 'NULL::jsonb AS v'],
  qualifications: ['coalesce((SELECT json_agg(x ORDER BY x.granted_at', "x), '[]') AS quals", "'[]'::json AS quals"],
  revocations: ['coalesce((SELECT json_agg(x ORDER BY x.effective_at', "x), '[]') AS revs", "'[]'::json AS revs"],
  cases: ['coalesce((SELECT json_agg(x ORDER BY x.case_no)', "x), '[]') AS cases", "'[]'::json AS cases"],
} as const
const variants: Record<string, string> = {
  // The same four parameters bound, so that only the statement differs.
  "(B)'s select by USCC (with the 4 parameters)": 'SELECT * FROM enterprise WHERE uscc = $1 AND $2::timestamptz IS NOT NULL AND $3::timestamptz IS NOT NULL AND $4::text IS NOT NULL',
  'the whole statement': captured,
}
for (const [name, [start, end, replacement]] of Object.entries(PARTS)) variants[`without the ${name}`] = without(captured, start, end, replacement)
variants['program, rule set and enterprise row only'] = Object.values(PARTS).reduce((sql, [start, end, replacement]) => without(sql, start, end, replacement), captured)

await ensureBenchProgram(url)
const client = new pg.Client({ connectionString: url, application_name: 'facts-profile' })
await client.connect()
if (values['plan-cache-mode']) await client.query(`SET plan_cache_mode = ${client.escapeLiteral(values['plan-cache-mode'])}`)
// The loaded enterprises, as the bench samples them (not those its write mix or imports added).
const usccs = await sampleUsccs(url, 20000)
if (usccs.length === 0) throw new Error('facts-profile: the database holds no loaded enterprises (run npm run bench first)')
const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }]
const cpuMs = () => {
  const ms = cpuMsOf(pid)
  if (ms === null) throw new Error(`facts-profile: cannot read /proc/${pid}/stat (is PostgreSQL on another host or in a container?)`)
  return ms
}

const results = new Map<string, number[]>()
const names = Object.keys(variants)
for (let round = 0; round < rounds; round++) {
  for (const [k, name] of names.entries()) {
    const statement = { name: `facts_profile_${k}`, text: variants[name]! }
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const now = new Date()
        await client.query({ ...statement, values: [usccs[Math.floor(Math.random() * usccs.length)], now, now, BENCH_PROGRAM] })
      }
    }
    await run(200) // the plan cached, the pages read
    const before = cpuMs()
    await run(statements)
    const us = ((cpuMs() - before) * 1000) / statements
    results.set(name, [...(results.get(name) ?? []), us])
  }
}
await client.end()

console.log(`PostgreSQL CPU per statement, µs (one connection, ${statements} statements a variant, ${rounds} rounds alternated, plan_cache_mode ${values['plan-cache-mode'] ?? 'auto'}; median, then each round; CPU is read in 10 ms ticks)`)
for (const name of names) {
  const xs = results.get(name)!
  console.log(`${name.padEnd(50)} ${median(xs).toFixed(0).padStart(5)}   ${xs.map((x) => x.toFixed(0)).join(' ')}`)
}
