// Which database failures mean "the database is not there right now" (the caller should retry
// later: 503 with Retry-After) rather than a fault in the request or the code. Errors arrive from
// pg directly, from pg-pool, or wrapped by Prisma's driver adapter, so the causes are walked.

export type DatabaseFailure = 'unavailable' | 'timeout'

/** Socket errors a lost or refused connection gives. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED'])

/** pg and pg-pool's own messages for a connection that could not be made, was lost or timed out. */
const LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end on the pool|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/
const TIMEOUT = /^Query read timeout/

/** Prisma's codes and its driver adapter's error kinds for the same conditions. */
const PRISMA: Record<string, DatabaseFailure> = { P1001: 'unavailable', P1017: 'unavailable', P1002: 'timeout', P1008: 'timeout' }
const ADAPTER: Record<string, DatabaseFailure> = {
  DatabaseNotReachable: 'unavailable',
  ConnectionClosed: 'unavailable',
  TooManyConnections: 'unavailable',
  SocketTimeout: 'timeout',
}

function one(error: Record<string, unknown>): DatabaseFailure | undefined {
  if (typeof error.kind === 'string' && ADAPTER[error.kind]) return ADAPTER[error.kind]
  const code = typeof error.code === 'string' ? error.code : typeof error.originalCode === 'string' ? error.originalCode : undefined
  if (code && PRISMA[code]) return PRISMA[code]
  if (code) {
    // 57014: query_canceled, which statement_timeout raises.
    if (code === '57014') return 'timeout'
    // Class 08: connection exception; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300') return 'unavailable'
    if (NETWORK.has(code)) return 'unavailable'
  }
  const message = typeof error.message === 'string' ? error.message : ''
  if (TIMEOUT.test(message)) return 'timeout'
  if (LOST.test(message)) return 'unavailable'
  return undefined
}

/** The kind of unavailability an error stands for, or undefined when it is some other failure. */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  while (queue.length > 0) {
    const e = queue.shift()
    if (e === null || typeof e !== 'object' || seen.has(e)) continue
    seen.add(e)
    const record = e as Record<string, unknown>
    const found = one(record)
    if (found) return found
    // Prisma's driver adapter errors keep the original in `cause` (and in meta.driverAdapterError).
    queue.push(record.cause, (record.meta as Record<string, unknown> | undefined)?.driverAdapterError)
    if (Array.isArray(record.errors)) queue.push(...record.errors)
  }
  return undefined
}
