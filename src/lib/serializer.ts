// Response serializers compiled on first use rather than when the app starts: fast-json-stringify
// builds one per route, status and media type, which was the largest part of start-up after
// module loading, for routes many of which send text the database already built.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Build = ReturnType<typeof SerializerSelector>
type Compile = ReturnType<Build>

/** Fastify's `schemaController.compilersFactory.buildSerializer`, deferring each compilation to its first response. */
export const buildLazySerializer: Build = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options)
  return ((route: Parameters<Compile>[0]) => {
    let serialize: ((data: unknown) => string) | undefined
    return (data: unknown) => (serialize ??= compile(route))(data)
  }) as Compile
}
