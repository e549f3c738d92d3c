// Load generation with one tool for every target of a run: wrk (preferred; a separate native
// process, one thread on this 2-core machine, Lua scripts in bench/lua/) or autocannon (npm,
// in this process) when wrk is not installed. Both report requests/s, p50, p99 and errors.
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { usccCheckCharacter } from '../src/lib/uscc.ts'
import { ROOT } from './processes.ts'

export type Tool = 'wrk' | 'autocannon'

export interface LoadOptions {
  connections: number
  durationS: number
  workDir: string
}

export interface ReadSpec {
  kind: 'read'
  name: string
  baseUrl: string
  paths: string[]
  token?: string | undefined
}

export interface WriteSpec {
  kind: 'write'
  name: string
  baseUrl: string
  token: string
  /** Loaded enterprises that receive grants. */
  usccs: string[]
  /** Qualification ids that are active when the load starts. */
  qualificationIds: string[]
  /** First serial for new enterprises' USCCs. */
  serial: number
  /** Makes certificate numbers of this load unique. */
  tag: string
}

export interface LoadResult {
  tool: Tool
  requests: number
  durationS: number
  rps: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** Responses with a status of 400 or more. */
  non2xx: number
  /** Connect, read, write errors and timeouts. */
  socketErrors: number
  statuses?: Record<string, number>
}

export function detectTool(preferred?: string): Tool {
  if (preferred === 'autocannon') return 'autocannon'
  const hasWrk = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined
  if (preferred === 'wrk' && !hasWrk) throw new Error('--tool wrk: wrk is not installed (apt-get install -y wrk)')
  return hasWrk ? 'wrk' : 'autocannon'
}

export async function runLoad(tool: Tool, spec: ReadSpec | WriteSpec, opts: LoadOptions): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(spec, opts) : runAutocannon(spec, opts)
}

let fileSeq = 0
function writeLines(dir: string, name: string, lines: string[]): string {
  const file = join(dir, `${name}-${process.pid}-${++fileSeq}.txt`)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

async function runWrk(spec: ReadSpec | WriteSpec, opts: LoadOptions): Promise<LoadResult> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), BENCH_SEED: String(Math.floor(Math.random() * 1e6)) }
  let script: string
  if (spec.kind === 'read') {
    script = join(ROOT, 'bench/lua/read.lua')
    env.BENCH_PATHS = writeLines(opts.workDir, 'paths', spec.paths)
    env.BENCH_TOKEN = spec.token ?? ''
  } else {
    script = join(ROOT, 'bench/lua/write-mix.lua')
    env.BENCH_USCCS = writeLines(opts.workDir, 'usccs', spec.usccs)
    env.BENCH_QIDS = writeLines(opts.workDir, 'qids', spec.qualificationIds)
    env.BENCH_SERIAL = String(spec.serial)
    env.BENCH_TAG = spec.tag
    env.BENCH_TOKEN = spec.token
  }
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '10s', '-s', script, spec.baseUrl]
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('wrk', args, { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${stderr || stdout}`)
  const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
    requests: number; durationUs: number; connect: number; read: number; write: number; status: number; timeout: number
    p50Us: number; p90Us: number; p99Us: number; maxUs: number; statuses?: Record<string, number>
  }
  const durationS = r.durationUs / 1e6
  return {
    tool: 'wrk',
    requests: r.requests,
    durationS,
    rps: r.requests / durationS,
    p50Ms: r.p50Us / 1000,
    p90Ms: r.p90Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    non2xx: r.status,
    socketErrors: r.connect + r.read + r.write + r.timeout,
    ...(r.statuses ? { statuses: r.statuses } : {}),
  }
}

async function runAutocannon(spec: ReadSpec | WriteSpec, opts: LoadOptions): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon')
  let next: () => { method: string; path: string; body?: string }
  const headers: Record<string, string> = {}
  if (spec.kind === 'read') {
    if (spec.token) headers.authorization = `Bearer ${spec.token}`
    next = () => ({ method: 'GET', path: spec.paths[Math.floor(Math.random() * spec.paths.length)]! })
  } else {
    headers.authorization = `Bearer ${spec.token}`
    headers['content-type'] = 'application/json'
    next = writeMix(spec)
  }
  const result = await autocannon({
    url: spec.baseUrl,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 10,
    headers,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...next() }) }],
  })
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count
  const errorStatuses = Object.entries(statuses).filter(([code]) => Number(code) >= 400).reduce((n, [, c]) => n + c, 0)
  return {
    tool: 'autocannon',
    requests: result.requests.total,
    durationS: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: errorStatuses,
    socketErrors: result.errors + result.timeouts,
    ...(spec.kind === 'write' ? { statuses } : {}),
  }
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CERT_TYPES = ['TAISHAN_QUALITY_CERT', 'HIGH_TECH_ENTERPRISE', 'ENTERPRISE_STANDARD', 'GROUP_STANDARD']
const COUNTY_CODES = ['371402', '371403', '371422', '371423', '371424', '371425', '371426', '371427', '371428', '371481', '371482', '371471']

export function writeUscc(serial: number): string {
  let digits = ''
  for (let i = 0, v = serial; i < 8; i++, v = Math.floor(v / 31)) digits = ALPHABET[v % 31] + digits
  const first17 = `91371400W${digits}`
  return first17 + usccCheckCharacter(first17)
}

/** The write mix as request descriptions; mirrors bench/lua/write-mix.lua request for request. */
export function writeMix(spec: WriteSpec): () => { method: string; path: string; body: string } {
  let n = 0
  let m = 0
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!
  return () => {
    const kind = n % 3
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
    let out: { method: string; path: string; body: string }
    if (kind === 0) {
      out = {
        method: 'POST',
        path: '/v1/enterprises',
        body: JSON.stringify({
          uscc: writeUscc(spec.serial + n),
          name: `${pick(['德州', '山东', '鲁', '齐', '宁津', '禹城'])}${pick(['华宇', '鑫源', '恒泰', '金诺', '宏达'])}新材料科技有限公司`,
          countyCode: pick(COUNTY_CODES),
          industryCode: 'C30',
          address: `山东省德州市德城区天衢路${(n % 300) + 1}号`,
          legalRepresentative: '王伟',
          contact: { name: '李娜', phone: `138${String(n % 1e8).padStart(8, '0')}`, email: `bench${n}@dz-enterprise.cn` },
          cultivationStage: pick(['planned', 'cultivating', 'established']),
          businessStatus: 'operating',
        }),
      }
    } else if (kind === 1) {
      out = {
        method: 'POST',
        path: `/v1/enterprises/${pick(spec.usccs)}/qualifications`,
        body: JSON.stringify({
          type: CERT_TYPES[n % CERT_TYPES.length],
          certificateNo: `BENCH-${spec.tag}-${n}`,
          grantedAt: now,
          title: `压测授予 ${n}`,
          issuer: '山东省市场监督管理局',
          issuerLevel: 'province',
        }),
      }
    } else {
      const id = spec.qualificationIds[m % spec.qualificationIds.length]!
      const reinstate = Math.floor(m / spec.qualificationIds.length) % 2 === 1
      m++
      out = {
        method: 'POST',
        path: `/v1/qualifications/${id}/status-changes`,
        body: JSON.stringify({
          to: reinstate ? 'active' : 'suspended',
          reasonCode: reinstate ? 'rectified' : 'inspection_failed',
          reason: reinstate ? '整改验收合格，恢复' : '监督抽查不合格',
          effectiveAt: now,
          decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: `德市监〔2026〕${m}号`, decidedAt: now },
        }),
      }
    }
    n++
    return out
  }
}
