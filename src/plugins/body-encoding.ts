// Request bodies as bytes become text before they are parsed as JSON: UTF-8 unless the
// Content-Type names another charset. County systems built on GBK send `charset=GBK` (or
// GB18030), which is converted (iconv-lite); bytes that are not what the charset says are a 400
// naming where they start, instead of being stored as U+FFFD and shown to the public.
import fp from 'fastify-plugin'
import iconv from 'iconv-lite'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, problems } from '../lib/problems.ts'

const JSON_TYPES = ['application/json', 'application/merge-patch+json']
const CHINESE_CHARSETS = new Set(['gbk', 'gb18030', 'gb2312', 'cp936'])
const REPLACEMENT = '\uFFFD'

/** Byte offset of the first byte that does not belong to a valid UTF-8 sequence, or undefined. */
export function invalidUtf8Offset(bytes: Buffer): number | undefined {
  const text = bytes.toString('utf8')
  for (let i = text.indexOf(REPLACEMENT); i !== -1; i = text.indexOf(REPLACEMENT, i + 1)) {
    // Everything before the first replacement decoded cleanly, so its length in bytes is where it stood.
    const offset = Buffer.byteLength(text.slice(0, i))
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset
  }
  return undefined
}

/** The charset parameter of a Content-Type, lower case; undefined when absent. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')
  return match?.[1]?.toLowerCase()
}

export function decodeBody(request: FastifyRequest, bytes: Buffer): string {
  const charset = charsetOf(request.headers['content-type'])
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') {
    const offset = invalidUtf8Offset(bytes)
    if (offset !== undefined) {
      throw problems.field('body', '', `is not valid UTF-8 (first invalid byte at offset ${offset})`, { offset })
    }
    return bytes.toString('utf8')
  }
  if (CHINESE_CHARSETS.has(charset)) {
    const text = iconv.decode(bytes, charset)
    if (text.includes(REPLACEMENT)) throw problems.field('body', '', `is not valid ${charset.toUpperCase()}`)
    return text
  }
  throw new AppError('unsupported_media_type', `charset=${charset} is not supported: send UTF-8 (or GBK or GB18030, declared as charset=GBK or charset=GB18030)`)
}

export default fp(
  async function bodyEncoding(app: FastifyInstance) {
    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    // JSON Merge Patch (RFC 7396) bodies are JSON documents.
    app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
      let text: string
      try {
        text = decodeBody(request, body as Buffer)
      } catch (error) {
        return done(error as Error, undefined)
      }
      parseJson(request, text, done)
    })
  },
  { name: 'body-encoding', dependencies: ['errors'] },
)
