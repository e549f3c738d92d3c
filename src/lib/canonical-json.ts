// RFC 8785 JSON canonicalisation (the `canonicalize` package), for hashing request bodies.
import canonicalizeModule from 'canonicalize'

// The package is CommonJS with an ESM-style type declaration; take the function either way.
const serialize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (input: unknown) => string | undefined

export function canonicalJson(value: unknown): string {
  return serialize(value) ?? 'null'
}
