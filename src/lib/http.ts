// Small HTTP helpers shared by every module: ETags and preconditions.
import { createHash } from 'node:crypto'
import { problems } from './problems.ts'

/** Strong ETag of a representation: changes whenever any field of the response changes. */
export function etagOf(representation: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(representation)).digest('base64url').slice(0, 27)}"`
}

function listMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag)
}

/** 412 when an If-Match header is present and does not name the current ETag. */
export function assertIfMatch(ifMatch: string | undefined, currentEtag: string): void {
  if (ifMatch !== undefined && !listMatches(ifMatch, currentEtag)) throw problems.preconditionFailed()
}

export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && listMatches(ifNoneMatch, etag)
}

export function isoOrNull(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null
}
