// Eligibility rules as data (design §4.3): a tree of allOf / anyOf / not / atLeast over a closed
// vocabulary of predicates, checked with JSON pointers into the tree, and the ids every node gets.
// Pure: no database; the semantic checks get the catalog's codes from the caller.
import type { FieldError } from '../../lib/problems.ts'
import { PREDICATE_KINDS, checkParams, type Catalog, type LeafNode, type PredicateKind } from './predicates.ts'

export interface AllOfNode { id: string; allOf: RuleNode[] }
export interface AnyOfNode { id: string; anyOf: RuleNode[] }
export interface NotNode { id: string; not: RuleNode }
export interface AtLeastNode { id: string; atLeast: number; of: RuleNode[] }
export type RuleNode = AllOfNode | AnyOfNode | NotNode | AtLeastNode | LeafNode

export const MAX_DEPTH = 6
export const MAX_NODES = 100
const ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const COMPOSITE_KEYS = ['allOf', 'anyOf', 'not', 'atLeast'] as const

export type Checked = { rules: RuleNode } | { errors: FieldError[] }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Checks a rule tree sent by a caller and returns it with every node's id (given, or `root` for an
 * unnamed top node and c1, c2… in document order for the others). Every error carries a pointer
 * under `base` (e.g. `/rules/allOf/0/params/types/0`).
 */
export function checkRules(input: unknown, base: string, catalog: Catalog, where: FieldError['in'] = 'body'): Checked {
  const errors: FieldError[] = []
  const err = (pointer: string, message: string) => errors.push({ in: where, pointer, message })
  const ids = new Map<string, string>()
  let count = 0
  let auto = 0

  function node(v: unknown, ptr: string, depth: number): RuleNode | null {
    count++
    if (count > MAX_NODES) {
      if (count === MAX_NODES + 1) err(base, `has more than ${MAX_NODES} nodes`)
      return null
    }
    if (depth > MAX_DEPTH) {
      err(ptr, `is nested deeper than ${MAX_DEPTH} levels`)
      return null
    }
    if (!isObject(v)) {
      err(ptr, 'must be an object: a condition ({"kind": …, "params": {…}}) or allOf / anyOf / not / atLeast')
      return null
    }
    const present = COMPOSITE_KEYS.filter((k) => k in v)
    const hasKind = 'kind' in v
    if (present.length + (hasKind ? 1 : 0) !== 1) {
      err(ptr, present.length + (hasKind ? 1 : 0) === 0
        ? 'needs one of kind, allOf, anyOf, not, atLeast'
        : `has ${[...present, ...(hasKind ? ['kind'] : [])].join(' and ')}; a node is one of kind, allOf, anyOf, not, atLeast`)
      return null
    }
    let id: string | null = null
    if ('id' in v) {
      if (typeof v.id !== 'string' || !ID.test(v.id)) err(`${ptr}/id`, 'must be 1–64 letters, digits, _ or -, starting with a letter')
      else if (ids.has(v.id)) err(`${ptr}/id`, `"${v.id}" is also the id of ${ids.get(v.id)}; ids must be unique`)
      else {
        id = v.id
        ids.set(v.id, ptr || '/')
      }
    }
    const allowed = hasKind ? ['id', 'kind', 'params', 'label'] : present[0] === 'atLeast' ? ['id', 'atLeast', 'of'] : ['id', present[0]!]
    for (const k of Object.keys(v).sort()) if (!allowed.includes(k)) err(`${ptr}/${k}`, `is not allowed here; allowed: ${allowed.join(', ')}`)
    const children = (arr: unknown, p: string): RuleNode[] | null => {
      if (!Array.isArray(arr) || arr.length < 1 || arr.length > 50) {
        err(p, 'must be a list of 1 to 50 conditions')
        return null
      }
      const out = arr.map((c, i) => node(c, `${p}/${i}`, depth + 1))
      return out.every((c) => c !== null) ? (out as RuleNode[]) : null
    }
    const nodeId = () => id ?? ''
    if (hasKind) {
      if (typeof v.kind !== 'string' || !(PREDICATE_KINDS as readonly string[]).includes(v.kind)) {
        err(`${ptr}/kind`, `unknown predicate ${JSON.stringify(v.kind)}; allowed: ${PREDICATE_KINDS.join(', ')}`)
        return null
      }
      if ('label' in v && (typeof v.label !== 'string' || v.label.length < 1 || v.label.length > 200)) err(`${ptr}/label`, 'must be a text of 1–200 characters')
      const params = v.params === undefined ? {} : v.params
      if (!isObject(params)) {
        err(`${ptr}/params`, 'must be an object')
        return null
      }
      const checked = checkParams(v.kind as PredicateKind, params, `${ptr}/params`, catalog)
      if ('errors' in checked) {
        for (const e of checked.errors) err(e.pointer, e.message)
        return null
      }
      const leaf = { id: nodeId(), kind: v.kind, params: checked.params } as LeafNode
      if (typeof v.label === 'string') leaf.label = v.label
      return leaf
    }
    const op = present[0]!
    if (op === 'not') {
      const child = node(v.not, `${ptr}/not`, depth + 1)
      return child ? { id: nodeId(), not: child } : null
    }
    if (op === 'atLeast') {
      const of = children(v.of, `${ptr}/of`)
      if (!Number.isInteger(v.atLeast) || (v.atLeast as number) < 1) {
        err(`${ptr}/atLeast`, 'must be a whole number of at least 1')
        return null
      }
      if (of && (v.atLeast as number) > of.length) {
        err(`${ptr}/atLeast`, `asks for ${v.atLeast as number} of ${of.length} conditions`)
        return null
      }
      return of ? { id: nodeId(), atLeast: v.atLeast as number, of } : null
    }
    const list = children(v[op], `${ptr}/${op}`)
    if (!list) return null
    return op === 'allOf' ? { id: nodeId(), allOf: list } : { id: nodeId(), anyOf: list }
  }

  const tree = node(input, base, 1)
  if (errors.length || !tree) return { errors: errors.length ? errors : [{ in: where, pointer: base, message: 'is not a rule tree' }] }
  // Ids for unnamed nodes, in document order, skipping names already taken.
  const taken = new Set(ids.keys())
  const name = (n: RuleNode, top: boolean) => {
    if (n.id === '') {
      if (top && !taken.has('root')) n.id = 'root'
      else {
        do auto++
        while (taken.has(`c${auto}`))
        n.id = `c${auto}`
      }
      taken.add(n.id)
    }
    for (const c of childrenOf(n)) name(c, false)
  }
  name(tree, true)
  return { rules: tree }
}

export function childrenOf(n: RuleNode): RuleNode[] {
  if ('allOf' in n) return n.allOf
  if ('anyOf' in n) return n.anyOf
  if ('not' in n) return [n.not]
  if ('atLeast' in n) return n.of
  return []
}

export function isLeaf(n: RuleNode): n is LeafNode {
  return 'kind' in n
}

/** Every leaf of the tree in document order. */
export function leavesOf(n: RuleNode): LeafNode[] {
  return isLeaf(n) ? [n] : childrenOf(n).flatMap(leavesOf)
}

/** Three-valued results (Kleene): unknown fails closed. */
export type Result = 'met' | 'not_met' | 'unknown'

export function allOf(rs: Result[]): Result {
  return rs.includes('not_met') ? 'not_met' : rs.includes('unknown') ? 'unknown' : 'met'
}
export function anyOf(rs: Result[]): Result {
  return rs.includes('met') ? 'met' : rs.includes('unknown') ? 'unknown' : 'not_met'
}
export function not(r: Result): Result {
  return r === 'met' ? 'not_met' : r === 'not_met' ? 'met' : 'unknown'
}
export function atLeast(n: number, rs: Result[]): Result {
  const met = rs.filter((r) => r === 'met').length
  const unknown = rs.filter((r) => r === 'unknown').length
  return met >= n ? 'met' : met + unknown < n ? 'not_met' : 'unknown'
}
