// PATCH routes take JSON Merge Patch (RFC 7396), so that `null` unambiguously means "remove". It is
// declared as application/merge-patch+json (preferred) and application/json, which generated
// clients send by default; both are read as the same merge patch.
import type { FastifyRequest } from 'fastify'
import type { TSchema } from 'typebox'
import { AppError } from '../lib/problems.ts'

const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'] as const

/** A PATCH route's body: the merge-patch schema under both media types, preferred first. */
export function mergePatchBody<T extends TSchema>(schema: T) {
  return { content: Object.fromEntries(MERGE_PATCH_TYPES.map((type) => [type, { schema }])) } as unknown as T
}

export async function requireMergePatch(request: FastifyRequest) {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/(merge-patch\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError('unsupported_media_type', 'PATCH bodies are JSON Merge Patch documents: send Content-Type: application/merge-patch+json (or application/json)')
  }
}
