// Small TypeBox helpers shared by the route schemas.
import { Type } from 'typebox'

/** The schema, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
