// Compares a parsed schema.prisma with what the migrations actually built: tables, columns
// (type, nullability, default), primary keys, unique constraints, indexes and foreign keys.
// Objects that only the migration SQL creates (partial indexes, triggers, checks) are allowed.
import { argument, isScalarType, named, stringArg, type Attribute, type Field, type Model, type PrismaSchema, type Value } from './prisma-schema.ts'

export interface ExpectedColumn {
  field: string
  column: string
  type: string
  nullable: boolean
  /** The schema's @default, when the database (not Prisma Client) supplies it. */
  default: Value | undefined
}

export interface ExpectedTable {
  model: string
  table: string
  columns: ExpectedColumn[]
  primaryKey: string[]
  uniques: string[][]
  indexes: { columns: string[]; method: string }[]
  foreignKeys: { field: string; columns: string[]; refTable: string; refColumns: string[]; onDelete: string; onUpdate: string }[]
}

// Prisma's default database type for each scalar on PostgreSQL, as format_type() prints it.
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
}

// @db.* native types; Prisma's default precision for time types is 6.
const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  Char: ([n = '1']) => `character(${n})`,
  VarChar: ([n]) => (n ? `character varying(${n})` : 'character varying'),
  Uuid: () => 'uuid',
  Date: () => 'date',
  Timestamptz: ([p = '6']) => `timestamp(${p}) with time zone`,
  Timestamp: ([p = '6']) => `timestamp(${p}) without time zone`,
  Time: ([p = '6']) => `time(${p}) without time zone`,
  Timetz: ([p = '6']) => `time(${p}) with time zone`,
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: ([p = '65', s = '30']) => `numeric(${p},${s})`,
  Money: () => 'money',
  Boolean: () => 'boolean',
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Xml: () => 'xml',
  Oid: () => 'oid',
  Bit: ([n = '1']) => `bit(${n})`,
  VarBit: ([n]) => (n ? `bit varying(${n})` : 'bit varying'),
}

const INDEX_METHODS: Record<string, string> = { BTree: 'btree', Hash: 'hash', Gist: 'gist', Gin: 'gin', SpGist: 'spgist', Brin: 'brin' }
const ACTIONS: Record<string, string> = { Cascade: 'c', Restrict: 'r', NoAction: 'a', SetNull: 'n', SetDefault: 'd' }
/** Defaults Prisma Client generates itself; the column has no database default. */
const CLIENT_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid'])

const attr = (f: Field | Model, name: string): Attribute | undefined => f.attributes.find((a) => a.name === name)

function fieldList(value: Value | undefined, where: string): string[] {
  if (value?.kind !== 'list') throw new Error(`${where}: expected a field list`)
  return value.items.map((item) => {
    if (item.kind === 'literal') return item.value
    if (item.kind === 'call') return item.name // field(sort: Desc) and similar
    throw new Error(`${where}: unsupported field list item`)
  })
}

export function expectedTables(schema: PrismaSchema): ExpectedTable[] {
  const models = new Map(schema.models.map((m) => [m.name, m]))
  const enums = new Map(schema.enums.map((e) => [e.name, e]))
  const tableOf = (m: Model) => (attr(m, 'map') ? stringArg(attr(m, 'map')!, 'name') : m.name)
  const columnOf = (m: Model, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName)
    if (!f) throw new Error(`model ${m.name} has no field ${fieldName}`)
    return attr(f, 'map') ? stringArg(attr(f, 'map')!, 'name') : f.name
  }

  return schema.models.map((model) => {
    const table: ExpectedTable = { model: model.name, table: tableOf(model), columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [] }
    for (const field of model.fields) {
      const where = `${model.name}.${field.name}`
      const target = models.get(field.type)
      if (target) {
        const relation = attr(field, 'relation')
        const fields = relation && named(relation, 'fields')
        if (!fields) {
          const other = target.fields.find((f) => f.type === model.name && f !== field)
          if (field.list && other?.list) throw new Error(`${where}: implicit many-to-many relations are not handled by this parser`)
          continue
        }
        const local = fieldList(fields, where)
        const refs = fieldList(named(relation!, 'references'), where)
        const action = (name: string, fallback: string) => {
          const v = named(relation!, name)
          const key = v?.kind === 'literal' ? v.value : fallback
          if (v && !(v.kind === 'literal' && key in ACTIONS)) throw new Error(`${where}: unknown ${name}`)
          return ACTIONS[key]!
        }
        const allOptional = local.every((n) => model.fields.find((f) => f.name === n)?.optional)
        table.foreignKeys.push({
          field: field.name,
          columns: local.map((n) => columnOf(model, n)),
          refTable: tableOf(target),
          refColumns: refs.map((n) => columnOf(target, n)),
          onDelete: action('onDelete', allOptional ? 'SetNull' : 'Restrict'),
          onUpdate: action('onUpdate', 'Cascade'),
        })
        continue
      }

      let type: string
      const native = field.attributes.find((a) => a.name.startsWith('db.'))
      const enumType = enums.get(field.type)
      if (enumType) type = `enum:${enumType.dbName}`
      else if (!isScalarType(field.type)) throw new Error(`${where}: unknown type ${field.type}`)
      else if (native) {
        const make = NATIVE_TYPES[native.name.slice(3)]
        if (!make) throw new Error(`${where}: native type @${native.name} is not handled by this parser`)
        type = make(native.args.map((a) => (a.value.kind === 'literal' ? a.value.value : '')))
      } else type = SCALAR_TYPES[field.type]!
      if (field.list) type += '[]'

      const def = attr(field, 'default')
      const defValue = def && argument(def, 'value')
      if (def && !defValue) throw new Error(`${where}: @default without a value`)
      const column = columnOf(model, field.name)
      table.columns.push({
        field: field.name,
        column,
        type,
        // Prisma creates scalar lists as nullable columns.
        nullable: field.optional || field.list,
        default: defValue && !(defValue.kind === 'call' && CLIENT_DEFAULTS.has(defValue.name)) ? defValue : undefined,
      })
      if (attr(field, 'id')) table.primaryKey = [column]
      if (attr(field, 'unique')) table.uniques.push([column])
    }
    for (const a of model.attributes) {
      const where = `${model.name} @@${a.name}`
      const columns = () => fieldList(argument(a, 'fields'), where).map((n) => columnOf(model, n))
      if (a.name === 'map') continue
      else if (a.name === 'id') table.primaryKey = columns()
      else if (a.name === 'unique') table.uniques.push(columns())
      else if (a.name === 'index') {
        const t = named(a, 'type')
        const method = t?.kind === 'literal' ? INDEX_METHODS[t.value] : t === undefined ? 'btree' : undefined
        if (!method) throw new Error(`${where}: unknown index type`)
        table.indexes.push({ columns: columns(), method })
      } else throw new Error(`${where} is not handled by this parser`)
    }
    if (table.primaryKey.length === 0) throw new Error(`model ${model.name} has no @id or @@id`)
    return table
  })
}

// ---------------------------------------------------------------------------------------------

export interface DbColumn {
  table: string
  column: string
  type: string
  not_null: boolean
  default: string | null
}

export interface DbIndex {
  table: string
  name: string
  method: string
  unique: boolean
  primary: boolean
  partial: boolean
  expression: boolean
  columns: string[]
}

export interface DbForeignKey {
  table: string
  name: string
  columns: string[]
  ref_table: string
  ref_columns: string[]
  on_delete: string
  on_update: string
}

export interface DbShape {
  tables: string[]
  columns: DbColumn[]
  indexes: DbIndex[]
  foreignKeys: DbForeignKey[]
  enums: { name: string; labels: string[] }[]
}

type Query = <T>(text: string) => Promise<T[]>

/** Reads the current schema's tables, columns, indexes, foreign keys and enums from pg_catalog. */
export async function introspect(query: Query): Promise<DbShape> {
  const tables = await query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`,
  )
  const columns = await query<DbColumn>(
    `SELECT c.relname AS "table", a.attname AS "column", a.attnotnull AS not_null,
       CASE WHEN t.typtype = 'e' THEN 'enum:' || t.typname
            WHEN et.typtype = 'e' THEN 'enum:' || et.typname || '[]'
            ELSE format_type(a.atttypid, a.atttypmod) END AS type,
       pg_get_expr(d.adbin, d.adrelid) AS "default"
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY 1, a.attnum`,
  )
  const indexes = await query<DbIndex>(
    `SELECT t.relname AS "table", i.relname AS name, am.amname AS method, ix.indisunique AS "unique",
       ix.indisprimary AS "primary", ix.indpred IS NOT NULL AS partial, ix.indexprs IS NOT NULL AS expression,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
     FROM pg_index ix
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_am am ON am.oid = i.relam
     WHERE n.nspname = current_schema() ORDER BY 1, 2`,
  )
  const foreignKeys = await query<DbForeignKey>(
    `SELECT t.relname AS "table", con.conname AS name, r.relname AS ref_table,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
     FROM pg_constraint con
     JOIN pg_class t ON t.oid = con.conrelid
     JOIN pg_class r ON r.oid = con.confrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE con.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2`,
  )
  const enums = await query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, json_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = current_schema() GROUP BY t.typname ORDER BY 1`,
  )
  return { tables: tables.map((t) => t.name), columns, indexes, foreignKeys, enums }
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])
const cols = (c: string[]) => `(${c.join(', ')})`

/** Whether a column default as PostgreSQL prints it is the schema's @default value. */
export function defaultMatches(expected: Value, actual: string): boolean {
  const literal = actual.replace(/::[\w ."[\]()]+$/, '').replace(/^\((.*)\)$/, '$1')
  switch (expected.kind) {
    case 'call':
      if (expected.name === 'now') return /^(CURRENT_TIMESTAMP|now\(\))$/i.test(literal)
      if (expected.name === 'autoincrement') return /^nextval\(/.test(actual)
      return true // dbgenerated(...) and friends: any database default will do
    case 'string':
      return literal === `'${expected.value.replace(/'/g, "''")}'`
    case 'literal':
      return literal === expected.value || literal === `'${expected.value}'`
    case 'list':
      return expected.items.length === 0 ? /^(ARRAY\[\]|'\{\}')$/.test(literal) : actual !== ''
  }
}

/** Every way the database differs from the schema; empty when they agree. */
export function compareSchema(expected: ExpectedTable[], db: DbShape, schema: PrismaSchema): string[] {
  const problems: string[] = []
  const known = new Set(expected.map((t) => t.table))
  for (const t of db.tables) {
    if (!known.has(t) && t !== '_prisma_migrations') problems.push(`table ${t} exists in the database but no model maps to it`)
  }
  for (const e of schema.enums) {
    const found = db.enums.find((x) => x.name === e.dbName)
    const labels = e.values.map((v) => v.dbName)
    if (!found) problems.push(`enum ${e.dbName} is missing`)
    else if (!same(found.labels, labels)) problems.push(`enum ${e.dbName} has values ${found.labels.join(', ')}; the schema has ${labels.join(', ')}`)
  }
  for (const t of expected) {
    const where = `${t.model} (table ${t.table})`
    if (!db.tables.includes(t.table)) {
      problems.push(`${where}: table is missing`)
      continue
    }
    const columns = db.columns.filter((c) => c.table === t.table)
    for (const c of columns) {
      if (!t.columns.some((e) => e.column === c.column)) problems.push(`${where}: column ${c.column} exists in the database but not in the schema`)
    }
    for (const e of t.columns) {
      const c = columns.find((x) => x.column === e.column)
      const at = `${where}: column ${e.column} (field ${e.field})`
      if (!c) {
        problems.push(`${at} is missing`)
        continue
      }
      if (c.type !== e.type) problems.push(`${at} has type ${c.type}; the schema says ${e.type}`)
      if (c.not_null === e.nullable) problems.push(`${at} is ${c.not_null ? 'NOT NULL' : 'nullable'}; the schema says ${e.nullable ? 'optional' : 'required'}`)
      if (e.default && c.default === null) problems.push(`${at} has no default; the schema has @default`)
      else if (e.default && c.default !== null && !defaultMatches(e.default, c.default)) {
        problems.push(`${at} has default ${c.default}, which is not the schema's @default`)
      }
    }
    const indexes = db.indexes.filter((i) => i.table === t.table && !i.partial && !i.expression)
    if (!indexes.some((i) => i.primary && same(i.columns, t.primaryKey))) problems.push(`${where}: no primary key on ${cols(t.primaryKey)}`)
    for (const u of t.uniques) {
      if (!indexes.some((i) => i.unique && !i.primary && same(i.columns, u))) problems.push(`${where}: no unique index on ${cols(u)}`)
    }
    for (const x of t.indexes) {
      const found = indexes.filter((i) => !i.unique && same(i.columns, x.columns))
      if (found.length === 0) problems.push(`${where}: no index on ${cols(x.columns)}`)
      else if (!found.some((i) => i.method === x.method)) {
        problems.push(`${where}: the index on ${cols(x.columns)} uses ${found.map((i) => i.method).join('/')}; the schema says ${x.method}`)
      }
    }
    for (const fk of t.foreignKeys) {
      const at = `${where}: relation ${fk.field}`
      const found = db.foreignKeys.find(
        (f) => f.table === t.table && same(f.columns, fk.columns) && f.ref_table === fk.refTable && same(f.ref_columns, fk.refColumns),
      )
      if (!found) problems.push(`${at} has no foreign key ${cols(fk.columns)} → ${fk.refTable}${cols(fk.refColumns)}`)
      else {
        if (found.on_delete !== fk.onDelete) problems.push(`${at}: foreign key ON DELETE is '${found.on_delete}'; the schema implies '${fk.onDelete}'`)
        if (found.on_update !== fk.onUpdate) problems.push(`${at}: foreign key ON UPDATE is '${found.on_update}'; the schema implies '${fk.onUpdate}'`)
      }
    }
  }
  return problems
}
