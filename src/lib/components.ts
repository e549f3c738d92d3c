// Named schemas of the contract. `component(name, schema)` registers a TypeBox schema once and
// returns a `$ref` to it, typed as the schema itself, for use in route schemas: the OpenAPI
// document then lists it under components.schemas (generated clients get a type of that name),
// the serializer and the validators resolve the reference, and handlers keep their static types.
import { Type, type Static, type TSchema } from 'typebox'

const registry = new Map<string, Record<string, unknown>>()

/** Registers `schema` as the component `name` and returns a reference to it. */
export function component<T extends TSchema>(name: string, schema: T, description?: string) {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error(`component name ${name} must be PascalCase`)
  const existing = registry.get(name)
  const named = { ...(schema as Record<string, unknown>), $id: name, ...(description ? { description } : {}) }
  if (existing && JSON.stringify(existing) !== JSON.stringify(named)) throw new Error(`component ${name} is registered twice with different schemas`)
  registry.set(name, named)
  return Type.Unsafe<Static<T>>({ $ref: `${name}#` })
}

/** Every registered component, each with its `$id`. */
export function components(): Record<string, unknown>[] {
  return [...registry.values()]
}

/**
 * Some fields of the component `name`, none required (what an audit entry's before/after holds):
 * its property schemas, shared with the component.
 */
export function changedFieldsOf(name: string, description: string) {
  const schema = registry.get(name) as { properties?: Record<string, unknown> } | undefined
  if (!schema?.properties) throw new Error(`component ${name} is not a registered object schema`)
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', properties: schema.properties, description })
}
