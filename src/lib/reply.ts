import type { FastifyReply, FastifyRequest } from 'fastify'
import { notModified } from './http.ts'

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

/**
 * Answers a read with its ETag: 304 when the caller's If-None-Match already holds it, otherwise the
 * document (JSON text built in SQL is sent as it is; an object goes through the route's serializer).
 */
export function sendTagged(request: FastifyRequest, reply: FastifyReply, answer: { doc: unknown; etag: string }) {
  reply.header('etag', answer.etag)
  if (notModified(request.headers['if-none-match'], answer.etag)) return sendNotModified(reply)
  return typeof answer.doc === 'string' ? sendJsonText(reply, answer.doc) : reply.send(answer.doc)
}
