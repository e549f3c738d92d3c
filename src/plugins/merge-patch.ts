// PATCH routes take JSON Merge Patch (RFC 7396) only, so that `null` unambiguously means "remove".
import type { FastifyRequest } from 'fastify'
import { AppError } from '../lib/problems.ts'

export async function requireMergePatch(request: FastifyRequest) {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/merge-patch\+json\s*(;|$)/i.test(type)) {
    throw new AppError('unsupported_media_type', 'PATCH bodies are JSON Merge Patch documents: send Content-Type: application/merge-patch+json')
  }
}
