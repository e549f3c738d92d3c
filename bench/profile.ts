// Summarises a V8 .cpuprofile (node --cpu-prof) into where the registry's time goes: self time
// by function and by component (a package, node internals, the registry's own src/, GC, idle).
import { readFileSync } from 'node:fs'
import type { DbActivity } from './db-activity.ts'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileSummary {
  file: string
  wallMs: number
  /** Share of the wall time the main thread was idle (waiting for I/O, e.g. PostgreSQL). */
  idleShare: number
  /** Self time per component, in % of busy (non-idle) time. */
  components: { name: string; sharePct: number; ms: number }[]
  /** Top functions by self time, in % of busy time. */
  functions: { name: string; where: string; sharePct: number; ms: number }[]
  /** What the registry's PostgreSQL backends were doing meanwhile (pg_stat_activity samples). */
  database?: DbActivity
}

export function component(url: string, functionName: string): string {
  if (!url) {
    if (functionName.startsWith('(')) return functionName // (garbage collector), (program), (idle), (root)
    return '(native/builtin)'
  }
  if (url.startsWith('wasm://')) return 'wasm (Prisma query compiler)'
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
    if (pkg === '@prisma/client' || pkg === '@prisma/client-runtime-utils') return `${pkg}${url.includes('wasm') ? ' (wasm glue)' : ''}`
    return pkg
  }
  const src = url.indexOf('/src/')
  if (src >= 0) {
    const path = url.slice(src + 1)
    return path.startsWith('src/generated/') ? 'src/generated (Prisma client)' : `registry ${path.split('/').slice(0, 3).join('/')}`
  }
  return url.replace(/^file:\/\//, '')
}

/**
 * `window` limits the summary to samples taken between two CLOCK_MONOTONIC times in µs
 * (process.hrtime in the benchmark process; V8 stamps samples with the same clock), so the
 * registry's start-up (module loading, schema compilation) does not blur the load's profile.
 */
export function summariseProfile(file: string, window?: { fromUs: number; toUs: number }, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    if (window && (t < window.fromUs || t > window.toUs)) continue
    const id = profile.samples[i]!
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stands for.
    const dt = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  }
  let idle = 0
  let busy = 0
  const comps = new Map<string, number>()
  const funcs = new Map<string, { name: string; where: string; us: number }>()
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idle += us
      continue
    }
    busy += us
    const comp = component(url, functionName)
    comps.set(comp, (comps.get(comp) ?? 0) + us)
    const short = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : ''
    const key = `${functionName}|${short}`
    const f = funcs.get(key) ?? { name: functionName || '(anonymous)', where: short, us: 0 }
    f.us += us
    funcs.set(key, f)
  }
  const wall = idle + busy
  const pct = (us: number) => Math.round((1000 * us) / Math.max(busy, 1)) / 10
  return {
    file,
    wallMs: Math.round(wall / 1000),
    idleShare: wall ? Math.round((1000 * idle) / wall) / 1000 : 0,
    components: [...comps.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, sharePct: pct(us), ms: Math.round(us / 1000) })),
    functions: [...funcs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, sharePct: pct(f.us), ms: Math.round(f.us / 1000) })),
  }
}
