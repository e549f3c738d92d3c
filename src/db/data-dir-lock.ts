// The embedded database belongs to one process at a time: PGlite keeps its own copy of the data in
// memory, so two processes on one DATA_DIR each acknowledge writes the other never sees, and half
// of them are lost at the next start. A lock file holds the owner's pid; a lock whose process is
// gone (killed, crashed) is taken over, so a crash never leaves the directory stuck.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly holder: { pid: number; host: string; since: string }) {
    super(
      `DATA_DIR ${dataDir} is in use by another registry process (pid ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        'The embedded database can be opened by one process at a time: stop that process first, or give this one another DATA_DIR ' +
        '(or a PostgreSQL server with DATABASE_URL to run several instances).',
    )
    this.name = 'DataDirInUseError'
  }
}

interface Holder {
  pid: number
  host: string
  since: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function read(file: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Holder
    return Number.isInteger(holder.pid) ? holder : undefined
  } catch {
    return undefined
  }
}

export interface DataDirLock {
  release(): void
}

/** Locks this process holds, by file, with how many of its handles use each. */
const held = new Map<string, number>()

/**
 * Takes the data directory's lock for this process, or throws DataDirInUseError naming the holder.
 * Handles of one process share the lock; the last one released removes it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, 'registry.lock')
  const shared = (): DataDirLock => {
    held.set(file, (held.get(file) ?? 0) + 1)
    let released = false
    return {
      release() {
        if (released) return
        released = true
        const left = held.get(file)! - 1
        if (left > 0) return void held.set(file, left)
        held.delete(file)
        if (read(file)?.pid === process.pid) unlinkSync(file)
      },
    }
  }
  if (held.has(file)) return shared()
  const mine: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
  const draft = `${file}.${process.pid}.${Date.now()}`
  writeFileSync(draft, JSON.stringify(mine))
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // link() fails when the lock exists: of two processes starting together, one wins.
        linkSync(draft, file)
        return shared()
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const holder = read(file)
      // A live process holds it. (The pid alone is checked: a container restarted under another host
      // name must not find its own directory locked forever by its previous life.)
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new DataDirInUseError(dataDir, holder)
      // Left by a process that is gone (or by this one): moved aside atomically, so that only one taker removes it.
      try {
        const stale = `${file}.stale.${process.pid}`
        renameSync(file, stale)
        unlinkSync(stale)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    throw new Error(`could not take the lock ${file}`)
  } finally {
    unlinkSync(draft)
  }
}
