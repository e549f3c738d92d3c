// fast-check arbitraries for fuzzing the API from its OpenAPI document: values that fit a
// JSON schema ("valid-ish"), and hostile values (wrong types, huge numbers, empty and very
// long strings, unicode, injection-looking text, deep nesting) to mutate them with.
import fc from 'fast-check'

export type JsonSchema = Record<string, any>
/** Resolves `{ $ref: '#/…' }` against the OpenAPI document; other schemas come back unchanged. */
export type Resolve = (schema: JsonSchema) => JsonSchema

const LONG = [100, 256, 1_001, 10_000]
const INJECTION = [
  "' OR 1=1 --",
  "'; DROP TABLE enterprise; --",
  '" OR ""="',
  '1; SELECT pg_sleep(0)',
  '%',
  '_',
  '\\',
  "'",
  '$1',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '99999999999999999999',
  '-9223372036854775809',
  '2147483648',
  'true',
  '[]',
  '{}',
]
const UNICODE = ['好品山东', '德州市德城区', '𝕳𝖆𝖔𝖕𝖎𝖓', '👍🏽🇨🇳', '\u202eRTL', 'e\u0301', '\ufeffBOM', '\u0000', 'a\u0000b', '\ud800', 'bad\ud800name', '\udc00x', '\uffff', '\t\n\r', ' ']

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** USCC-shaped strings: valid ones (mostly unregistered), wrong check characters, lower case, wrong alphabet. */
export function usccLike(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.constantFrom(...USCC_ALPHABET), { minLength: 17, maxLength: 17 }), fc.constantFrom('valid', 'valid', 'valid', 'bad-check', 'lower', 'letter-O', 'short'))
    .map(([chars, kind]) => {
      const body = `91${chars.slice(2).join('')}`
      let sum = 0
      for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(body[i]!) * USCC_WEIGHTS[i]!
      const check = USCC_ALPHABET[(31 - (sum % 31)) % 31]!
      const valid = body + check
      if (kind === 'bad-check') return body + USCC_ALPHABET[(USCC_ALPHABET.indexOf(check) + 1) % 31]
      if (kind === 'lower') return valid.toLowerCase()
      if (kind === 'letter-O') return `${valid.slice(0, 10)}O${valid.slice(11)}`
      if (kind === 'short') return valid.slice(0, 17)
      return valid
    })
}

/** Strings a handler should never trip over. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('', ' ', ...INJECTION, ...UNICODE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...LONG), fc.constantFrom('x', '好', '9', "'")).map(([n, c]) => c.repeat(n)) },
  { weight: 1, arbitrary: usccLike() },
  { weight: 1, arbitrary: fc.uuid() },
)

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 63, 1e21, 1e308, -1e308, 5e-324, 1990, 2200, 99999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

function nested(depth: number, leaf: unknown): unknown {
  let v = leaf
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

/** Any JSON value, biased towards the ones that break code that trusts its input. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(20, 200, 2_000).map((d) => nested(d, 'deep')) },
)

/** Values of the right type that are still edge cases: boundaries, huge magnitudes, odd dates and text. */
const EDGE_INTEGERS = [0, -1, 1, 2 ** 15, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 1e15]
const EDGE_NUMBERS = [...EDGE_INTEGERS, 0.1, -0.000001, 1e21, 1e300, -1e300, 5e-324]
const EDGE_DATE_TIMES = ['0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2016-12-31T23:59:60Z', '2024-02-29T12:00:00+14:00', '2024-06-30T23:59:59.999999999-12:00', '2025-01-01t00:00:00z', '0001-01-01T00:00:00+23:59', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00Z']
const EDGE_DATES = ['0001-01-01', '0001-01-02', '1970-01-01', '2024-02-29', '9999-12-31']
const EDGE_STRINGS = ['', ' ', '  padded  ', ...INJECTION.slice(0, 13), ...UNICODE, 'x'.repeat(255), 'x'.repeat(256), '好'.repeat(1000), 'x'.repeat(10_000)]

function edges<T>(values: T[], fits: (v: T) => boolean, plain: fc.Arbitrary<T>, plainWeight = 3): fc.Arbitrary<T> {
  const fitting = values.filter(fits)
  return fitting.length > 0 ? fc.oneof({ weight: plainWeight, arbitrary: plain }, { weight: 1, arbitrary: fc.constantFrom(...fitting) }) : plain
}

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0
  const maxLength = Math.min(schema.maxLength ?? 40, minLength + 60)
  const fitsLength = (v: string) => v.length >= minLength && v.length <= (schema.maxLength ?? Infinity)
  switch (schema.format) {
    case 'date':
      return edges(EDGE_DATES, () => true, dateArb().map((d) => d.toISOString().slice(0, 10)))
    case 'date-time':
      return edges(EDGE_DATE_TIMES, () => true, dateArb().map((d) => d.toISOString()))
    case 'uuid':
      return edges(['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'], () => true, fc.uuid())
    case 'email':
      return fc.emailAddress()
    case 'uri':
    case 'url':
      return fc.webUrl()
  }
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter(fitsLength)
    } catch {
      // a pattern fast-check cannot generate from: fall back to plain strings
    }
  }
  const examples = Array.isArray(schema.examples) ? schema.examples.filter((e: unknown) => typeof e === 'string') : []
  const plain = fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    ...(examples.length > 0 ? [fc.constantFrom<string>(...examples)] : []),
  )
  return edges(EDGE_STRINGS, fitsLength, plain)
}

function dateArb() {
  return fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true })
}

function numberArb(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min: number | undefined = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON) : undefined)
  const max: number | undefined = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON) : undefined)
  const fits = (v: number) => (min === undefined || v >= min) && (max === undefined || v <= max)
  const bounds = [min, max].filter((v): v is number => v !== undefined)
  if (integer) {
    const lo = Math.max(Math.ceil(min ?? -1_000_000), Number.MIN_SAFE_INTEGER)
    const hi = Math.min(Math.floor(max ?? 1_000_000), Number.MAX_SAFE_INTEGER)
    return edges([...bounds, ...EDGE_INTEGERS], fits, fc.integer({ min: lo, max: Math.max(lo, hi) }), 1)
  }
  return edges([...bounds, ...EDGE_NUMBERS], fits, fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true }), 1)
}

/** Marks a place for a value seen in an earlier response (a real code, id or USCC), filled in when the request is sent. */
export const KNOWN = '\u0000known'
export interface KnownMarker {
  [KNOWN]: string
  index: number
  fallback: unknown
}

/**
 * Values that fit the schema (approximately: enough to get past validation most of the time).
 * `name` is the property or parameter name: USCC fields get USCC-shaped strings, and string
 * fields sometimes take a value seen in earlier responses under the same name.
 */
export function fromSchema(input: JsonSchema | boolean | undefined, resolve: Resolve, depth = 0, name = ''): fc.Arbitrary<unknown> {
  const plain = fromSchemaByType(input, resolve, depth, name)
  const schema = typeof input === 'object' ? resolve(input) : {}
  if (!name || schema.type !== 'string' || schema.enum || schema.format) return plain
  const own = /uscc$/i.test(name) ? fc.oneof(usccLike(), plain) : plain
  return fc.oneof(own, fc.tuple(fc.nat(), own).map(([index, fallback]): KnownMarker => ({ [KNOWN]: name, index, fallback })))
}

function fromSchemaByType(input: JsonSchema | boolean | undefined, resolve: Resolve, depth: number, name: string): fc.Arbitrary<unknown> {
  if (input === undefined || input === true || (typeof input === 'object' && Object.keys(input).length === 0)) return fc.jsonValue({ maxDepth: 2 })
  if (input === false) return fc.constant(null)
  const schema = resolve(input)
  if (depth > 8) return fc.constant(null)
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum)
  const branches = schema.anyOf ?? schema.oneOf
  if (Array.isArray(branches) && branches.length > 0) return fc.oneof(...branches.map((b: JsonSchema) => fromSchema(b, resolve, depth + 1, name)))
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return fromSchema(mergeAllOf(schema, resolve), resolve, depth + 1)
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => fromSchema({ ...schema, type }, resolve, depth + 1, name)))
  switch (schema.type) {
    case 'string':
      return stringArb(schema)
    case 'integer':
      return numberArb(schema, true)
    case 'number':
      return numberArb(schema, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      const minLength = Math.min(schema.minItems ?? 0, 5)
      return fc.array(fromSchema(schema.items, resolve, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)) })
    }
  }
  if (schema.type === 'object' || schema.properties) {
    const properties: Record<string, JsonSchema> = schema.properties ?? {}
    const model = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, fromSchema(s, resolve, depth + 1, k)]))
    const required = (schema.required ?? []).filter((k: string) => k in model)
    const record = fc.record(model, { requiredKeys: required })
    if (Object.keys(properties).length === 0 && schema.additionalProperties !== false) {
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fromSchema(schema.additionalProperties, resolve, depth + 1), { maxKeys: 4 })
    }
    return record
  }
  return fc.jsonValue({ maxDepth: 2 })
}

function mergeAllOf(schema: JsonSchema, resolve: Resolve): JsonSchema {
  const { allOf, ...rest } = schema
  return (allOf as JsonSchema[]).map(resolve).reduce<JsonSchema>(
    (acc, part) => ({
      ...acc,
      ...part,
      properties: { ...acc.properties, ...part.properties },
      required: [...(acc.required ?? []), ...(part.required ?? [])],
    }),
    rest,
  )
}

/** A change to a generated value: replace, delete or add a field somewhere in it, or replace it whole. */
export interface Mutation {
  op: 'set' | 'delete' | 'add' | 'root'
  at: number
  key: string
  value: unknown
}

/** Mutations; `names` are the schema's property names, so optional fields get hostile values too. */
export function mutation(names: string[]): fc.Arbitrary<Mutation> {
  const generic = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'version', 'createdAt', 'uscc', 'county', 'extra', '', '好', '$where'), fc.string({ maxLength: 12 }))
  return fc.record({
    op: fc.constantFrom('set', 'set', 'set', 'delete', 'add', 'root'),
    at: fc.nat(),
    key: names.length > 0 ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: generic }) : generic,
    value: hostileValue,
  })
}

/** Property names anywhere in a schema (a few levels deep). */
export function propertyNames(input: JsonSchema | undefined, resolve: Resolve, depth = 0, out = new Set<string>()): string[] {
  if (!input || typeof input !== 'object' || depth > 4) return [...out]
  const schema = resolve(input)
  for (const [k, v] of Object.entries<JsonSchema>(schema.properties ?? {})) {
    out.add(k)
    propertyNames(v, resolve, depth + 1, out)
  }
  for (const key of ['items', 'additionalProperties']) if (schema[key] && typeof schema[key] === 'object') propertyNames(schema[key], resolve, depth + 1, out)
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const b of schema[key] ?? []) propertyNames(b, resolve, depth + 1, out)
  return [...out]
}

function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (value !== null && typeof value === 'object' && out.length < 200) {
    out.push(value as Record<string, unknown>)
    for (const child of Object.values(value)) containers(child, out)
  }
  return out
}

/** Applies mutations to a copy (own `__proto__` keys included, as JSON would carry them). */
export function mutate(value: unknown, mutations: Mutation[]): unknown {
  let root = value === undefined ? undefined : structuredClone(value)
  for (const m of mutations) {
    const nodes = containers(root)
    if (m.op === 'root' || nodes.length === 0) {
      root = m.value
      continue
    }
    const node = nodes[m.at % nodes.length]!
    if (Array.isArray(node)) {
      const i = m.at % Math.max(node.length, 1)
      if (m.op === 'delete') node.splice(i, 1)
      else if (m.op === 'add' || node.length === 0) node.push(m.value)
      else node[i] = m.value
      continue
    }
    const keys = Object.keys(node)
    const key = m.op === 'add' || keys.length === 0 || (m.op === 'set' && m.at % 3 === 0) ? m.key : keys[m.at % keys.length]!
    if (m.op === 'delete') delete node[key]
    else Object.defineProperty(node, key, { value: m.value, enumerable: true, writable: true, configurable: true })
  }
  return root
}

/** Header values must stay within what HTTP can carry (no CR, LF or NUL; Latin-1 only). */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')
}
