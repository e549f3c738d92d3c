// What every service is built from: the database (to read, and to open a unit of work) and the clock.
import type { Database } from '../db/client.ts'
import type { Clock } from './clock.ts'

export interface ServiceDeps {
  db: Database
  clock: Clock
}
