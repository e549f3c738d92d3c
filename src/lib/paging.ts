// Keyset paging shared by every list: opaque cursors (the sort key of a page's last row), the
// one-row-more rule that tells whether another page follows, and the RFC 8288 Link header.
import { problems } from './problems.ts'

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function invalidCursor() {
  return problems.field('query', '/cursor', 'is not a cursor returned by this list')
}

/**
 * The key a cursor holds, checked against the types of its parts and, when given, `valid`;
 * undefined without a cursor; a 400 on `/cursor` for anything this list did not issue.
 */
export function decodeCursor(
  cursor: string | undefined,
  shape: ReadonlyArray<'string' | 'number'>,
  valid: (key: unknown[]) => boolean = () => true,
): unknown[] | undefined {
  if (cursor === undefined) return undefined
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor()
  }
  if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => typeof v === shape[i]) && valid(key)) return key
  throw invalidCursor()
}

/**
 * A page from rows fetched with `limit + 1`: the first `limit` rows, and the cursor after the last
 * of them when the extra row shows that another page follows.
 */
export function pageOf<R>(rows: R[], limit: number, keyOf: (row: R) => unknown[]): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null }
}

/** RFC 8288 Link header for the next page, keeping every other query parameter. */
export function nextLink(url: string, nextCursor: string | null): string | undefined {
  if (!nextCursor) return undefined
  const u = new URL(url, 'http://registry.local')
  u.searchParams.set('cursor', nextCursor)
  return `<${u.pathname}${u.search}>; rel="next"`
}
