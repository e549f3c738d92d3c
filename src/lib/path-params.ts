// Identifiers read from a URL path. A malformed one can never name anything, so it is a plain 404
// (not a 400): the resource does not exist.
import { problems } from './problems.ts'
import { checkUscc } from './uscc.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (value: string) => UUID.test(value)

/** A USCC from a path, normalised (upper case). */
export function usccFromPath(raw: string): string {
  const result = checkUscc(raw)
  if (!result.valid) throw problems.notFound('enterprise', raw)
  return result.uscc
}

/** A UUID from a path, lower case; `what` names the resource in the 404. */
export function uuidFromPath(raw: string, what: string): string {
  if (!UUID.test(raw)) throw problems.notFound(what, raw)
  return raw.toLowerCase()
}
