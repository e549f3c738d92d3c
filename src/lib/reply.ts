import type { FastifyReply } from 'fastify'

/**
 * Sends a JSON document that SQL already built (json_build_object) as-is, skipping a parse and
 * re-serialise on hot read paths. The route's response schema still documents its shape, and
 * the contract fuzz test checks such bodies against it.
 */
export function sendJsonText(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json as never)
}

/** Answers 304 Not Modified: no body and no content type (a proxy that parses a 304's body fails). */
export function sendNotModified(reply: FastifyReply) {
  return reply.code(304).send(undefined as never)
}
