// The one place an import writes: a batch of checked rows through the enterprise and
// qualification services' own write functions, in the caller's transaction (their rules, their
// audit entries, under the import's request id). And what a refused row's error means, in Chinese.
import type { Transaction } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { AppError } from '../../lib/problems.ts'
import { createEnterpriseService } from '../enterprises/enterprises.service.ts'
import { createQualificationService } from '../qualifications/qualifications.service.ts'
import { columnsOf, type ImportKind } from './columns.ts'
import type { EnterpriseRow, GrantRow, RowError } from './rows.ts'

export type Batch = { kind: 'enterprises'; rows: EnterpriseRow[] } | { kind: 'qualifications'; rows: GrantRow[] }

/** Writes a batch in `tx`; throws as the services do when a row breaks a rule. */
export type BatchWriter = (tx: Transaction, actor: Actor, batch: Batch) => Promise<void>

export function batchWriter(deps: ServiceDeps): BatchWriter {
  const enterprises = createEnterpriseService(deps)
  const qualifications = createQualificationService(deps)
  return async (tx, actor, batch) => {
    if (batch.rows.length === 0) return
    if (batch.kind === 'enterprises') {
      await enterprises.upsert(tx, actor, batch.rows)
      return
    }
    // Independent grants: their statements travel together and the server runs them in order. All
    // settle before a failure is reported, so that none sends a statement after the rollback.
    const settled = await Promise.allSettled(batch.rows.map((r) => qualifications.grantIn(tx, actor, r.uscc, r.input)))
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }
}

/**
 * Runs `work` inside a savepoint of `tx`. On failure the savepoint is rolled back, and with it what
 * `work` queued for the COMMIT (its audit entries): those reach the transaction only when `work`
 * succeeded, so a row rolled back leaves no audit entry behind.
 */
export async function inSavepoint<T>(tx: Transaction, name: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const queued: [string, unknown[], string | undefined][] = []
  const scoped: Transaction = {
    query: (text, params, statement) => tx.query(text, params, statement),
    commit: () => Promise.reject(new Error('a write inside an import\'s savepoint cannot commit the transaction')),
    atCommit: (text, params, statement) => {
      queued.push([text, params, statement])
    },
  }
  await tx.query(`SAVEPOINT ${name}`)
  let result: T
  try {
    result = await work(scoped)
  } catch (error) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`)
    throw error
  }
  await tx.query(`RELEASE SAVEPOINT ${name}`)
  for (const [text, params, statement] of queued) tx.atCommit(text, params, statement)
  return result
}

const POINTER_COLUMN: Record<string, string> = {
  '/uscc': 'uscc',
  '/countyCode': 'county',
  '/type': 'type',
  '/certificateNo': 'certificateNo',
  '/grantedAt': 'grantedAt',
  '/validFrom': 'validFrom',
  '/validUntil': 'validUntil',
  '/issuer': 'issuer',
  '/issuerLevel': 'issuerLevel',
}

/**
 * The row error a service's refusal of one row amounts to, in Chinese and on its column; null for
 * a failure that is not the row's (the database went away): that one ends the attempt instead.
 */
export function rowErrorsOf(kind: ImportKind, error: unknown): RowError[] | null {
  const header = (key: string) => columnsOf(kind).find((c) => c.key === key)?.header ?? ''
  if (error instanceof AppError) {
    switch (error.code) {
      case 'forbidden_county':
        return [{ column: header('uscc'), message: `该企业不属于本令牌的县（市、区），不能${kind === 'enterprises' ? '修改' : '为其登记资质'}` }]
      case 'not_found':
        return [{ column: header('uscc'), message: '企业未登记，请先导入企业' }]
      case 'certificate_number_taken':
        return [{ column: header('certificateNo'), message: '证书编号已被同类型的其他资质使用' }]
      case 'enterprise_exists':
        return [{ column: header('uscc'), message: '企业已登记' }]
      case 'validation_failed': {
        const errors = (error.extra.errors as { pointer: string; message: string }[] | undefined) ?? []
        return errors.length > 0
          ? errors.map((e) => ({ column: header(POINTER_COLUMN[e.pointer] ?? ''), message: `不符合要求（${e.message}）` }))
          : [{ column: '', message: `不符合要求（${error.message}）` }]
      }
      default:
        return [{ column: '', message: `未能写入（${error.message}）` }]
    }
  }
  // A row the database itself refuses (a constraint): the row's fault, reported as such.
  const code = (error as { code?: string })?.code
  if (typeof code === 'string' && code.startsWith('23')) return [{ column: '', message: '数据与已登记的记录冲突，未能写入' }]
  return null
}
