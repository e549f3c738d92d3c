// Small HTTP helpers shared by every module: ETags, preconditions, cursors and Link headers.
import { createHash } from 'node:crypto'
import { AppError, problems } from './problems.ts'

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

/** Opaque cursor: the sort key of the last row of the page. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, shape: ReadonlyArray<'string' | 'number'>): unknown[] | undefined {
  if (cursor === undefined) return undefined
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => typeof v === shape[i])) return key
  } catch {
    // fall through to the field error
  }
  throw invalidCursor()
}

export function invalidCursor(): AppError {
  return problems.field('query', '/cursor', 'is not a cursor returned by this list')
}

/** RFC 8288 Link header for the next page, keeping every other query parameter. */
export function nextLink(url: string, nextCursor: string | null): string | undefined {
  if (!nextCursor) return undefined
  const u = new URL(url, 'http://registry.local')
  u.searchParams.set('cursor', nextCursor)
  return `<${u.pathname}${u.search}>; rel="next"`
}

export function isoOrNull(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null
}
