// A small parser for the subset of the Prisma schema language that prisma/schema.prisma uses
// (models, enums, field and block attributes), because getDMMF is not available offline.
// Anything outside that subset throws, so the schema-agreement test cannot pass by skipping it.

export type Value =
  | { kind: 'string'; value: string }
  | { kind: 'literal'; value: string }
  | { kind: 'list'; items: Value[] }
  | { kind: 'call'; name: string; args: Arg[] }

export interface Arg {
  name: string | undefined
  value: Value
}

export interface Attribute {
  name: string
  args: Arg[]
}

export interface Field {
  name: string
  type: string
  list: boolean
  optional: boolean
  attributes: Attribute[]
}

export interface Model {
  name: string
  fields: Field[]
  attributes: Attribute[]
}

export interface Enum {
  name: string
  dbName: string
  values: { name: string; dbName: string }[]
}

export interface PrismaSchema {
  models: Model[]
  enums: Enum[]
}

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes'])
const IGNORED_BLOCKS = new Set(['generator', 'datasource'])

/** Removes `//` and `///` comments, leaving string literals intact. */
function stripComment(line: string): string {
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\' && quoted) i++
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === '/' && line[i + 1] === '/') return line.slice(0, i)
  }
  return line
}

/** Splits on `separator` at nesting depth 0, outside string literals. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if ('([{'.includes(c)) depth++
    else if (')]}'.includes(c)) depth--
    else if (depth === 0 && c === separator) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  if (depth !== 0 || quoted) throw new Error(`unbalanced brackets or quotes in: ${text}`)
  parts.push(text.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p !== '')
}

/** Index of the bracket closing the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0
  let quoted = false
  for (let i = open; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if ('([{'.includes(c)) depth++
    else if (')]}'.includes(c) && --depth === 0) return i
  }
  throw new Error(`no closing bracket in: ${text}`)
}

export function parseValue(text: string): Value {
  const t = text.trim()
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new Error(`bad string literal: ${t}`)
    return { kind: 'string', value: JSON.parse(t) as string }
  }
  if (t.startsWith('[')) {
    if (closing(t, 0) !== t.length - 1) throw new Error(`bad list: ${t}`)
    return { kind: 'list', items: splitTopLevel(t.slice(1, -1), ',').map(parseValue) }
  }
  const call = /^([A-Za-z_][\w.]*)\(/.exec(t)
  if (call) {
    const open = call[1]!.length
    if (closing(t, open) !== t.length - 1) throw new Error(`bad call: ${t}`)
    return { kind: 'call', name: call[1]!, args: parseArgs(t.slice(open + 1, -1)) }
  }
  if (/^-?[\w.]+$/.test(t)) return { kind: 'literal', value: t }
  throw new Error(`unsupported value: ${t}`)
}

function parseArgs(text: string): Arg[] {
  return splitTopLevel(text, ',').map((part) => {
    const named = /^([A-Za-z_]\w*)\s*:(?!:)([\s\S]*)$/.exec(part)
    return named ? { name: named[1], value: parseValue(named[2]!) } : { name: undefined, value: parseValue(part) }
  })
}

/** Reads `@name(args) @other ...` (or `@@name(...)`) attributes from the text after a field type. */
function parseAttributes(text: string, prefix: '@' | '@@'): Attribute[] {
  const attributes: Attribute[] = []
  let rest = text.trim()
  while (rest !== '') {
    const m = new RegExp(`^${prefix}([A-Za-z_][\\w.]*)`).exec(rest)
    if (!m || (prefix === '@' && rest.startsWith('@@'))) throw new Error(`unexpected text "${rest}"`)
    let end = m[0].length
    let args: Arg[] = []
    if (rest[end] === '(') {
      const close = closing(rest, end)
      args = parseArgs(rest.slice(end + 1, close))
      end = close + 1
    }
    attributes.push({ name: m[1]!, args })
    rest = rest.slice(end).trim()
  }
  return attributes
}

export function parsePrismaSchema(source: string): PrismaSchema {
  const models: Model[] = []
  const enums: Enum[] = []
  const lines = source.split(/\r?\n/).map(stripComment)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    const head = /^(\w+)\s+(\w+)\s*\{$/.exec(line)
    if (!head) throw new Error(`schema.prisma line ${i + 1}: expected a block, got "${line}"`)
    const [, keyword, name] = head as unknown as [string, string, string]
    const body: { text: string; line: number }[] = []
    for (i++; i < lines.length && lines[i]!.trim() !== '}'; i++) {
      if (lines[i]!.trim() !== '') body.push({ text: lines[i]!.trim(), line: i + 1 })
    }
    if (i >= lines.length) throw new Error(`schema.prisma: block ${keyword} ${name} is not closed`)
    if (IGNORED_BLOCKS.has(keyword)) continue
    if (keyword === 'enum') enums.push(parseEnum(name, body))
    else if (keyword === 'model') models.push(parseModel(name, body))
    else throw new Error(`schema.prisma line ${i + 1}: "${keyword}" blocks are not supported by this parser`)
  }
  return { models, enums }
}

function parseEnum(name: string, body: { text: string; line: number }[]): Enum {
  const result: Enum = { name, dbName: name, values: [] }
  for (const { text, line } of body) {
    try {
      if (text.startsWith('@@')) {
        for (const a of parseAttributes(text, '@@')) {
          if (a.name === 'map') result.dbName = stringArg(a, 'name')
          else throw new Error(`unsupported enum attribute @@${a.name}`)
        }
        continue
      }
      const m = /^(\w+)(.*)$/.exec(text)!
      const attributes = parseAttributes(m[2]!, '@')
      const map = attributes.find((a) => a.name === 'map')
      result.values.push({ name: m[1]!, dbName: map ? stringArg(map, 'name') : m[1]! })
    } catch (error) {
      throw new Error(`schema.prisma line ${line}: ${(error as Error).message}`)
    }
  }
  return result
}

function parseModel(name: string, body: { text: string; line: number }[]): Model {
  const model: Model = { name, fields: [], attributes: [] }
  for (const { text, line } of body) {
    try {
      if (text.startsWith('@@')) {
        model.attributes.push(...parseAttributes(text, '@@'))
        continue
      }
      const m = /^(\w+)\s+([A-Za-z_]\w*(?:\([^)]*\))?)(\[\])?(\?)?(\s.*)?$/.exec(text)
      if (!m) throw new Error(`cannot read field "${text}"`)
      if (m[2]!.includes('(')) throw new Error(`field type ${m[2]} (Unsupported) is not handled by this parser`)
      model.fields.push({ name: m[1]!, type: m[2]!, list: Boolean(m[3]), optional: Boolean(m[4]), attributes: parseAttributes(m[5] ?? '', '@') })
    } catch (error) {
      throw new Error(`schema.prisma line ${line} (model ${name}): ${(error as Error).message}`)
    }
  }
  return model
}

/** The first positional argument of an attribute, or the one with the given name. */
export function argument(attribute: Attribute, name?: string): Value | undefined {
  return (name === undefined ? undefined : attribute.args.find((a) => a.name === name)?.value) ?? attribute.args.find((a) => a.name === undefined)?.value
}

/** The argument with the given name only. */
export function named(attribute: Attribute, name: string): Value | undefined {
  return attribute.args.find((a) => a.name === name)?.value
}

export function stringArg(attribute: Attribute, name?: string): string {
  const value = argument(attribute, name)
  if (value?.kind !== 'string') throw new Error(`@${attribute.name} needs a string argument`)
  return value.value
}

export function isScalarType(type: string): boolean {
  return SCALARS.has(type)
}
