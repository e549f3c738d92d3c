// The committed contract (openapi/openapi.json) is exactly what the routes generate, and it
// passes the repository's lint rules.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { generateOpenApi } from '../helpers/openapi.ts'

const ROOT = new URL('../../', import.meta.url).pathname
const committed = JSON.parse(readFileSync(new URL('openapi/openapi.json', `file://${ROOT}`), 'utf8'))

interface Operation {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[]
  requestBody?: { content: Record<string, { schema?: { $ref?: string } }> }
  responses: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: { $ref?: string } }> }>
}

const operations = Object.entries(committed.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, method, path, op })),
)

/** JSON pointers where two documents differ, so the failure says where to look. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return []
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`))
  }
  return [at || '/']
}

t.test('openapi/openapi.json equals what the routes generate', async (t) => {
  const generated = JSON.parse(JSON.stringify(await generateOpenApi()))
  const diff = differences(committed, generated)
  t.same(diff, [], 'openapi/openapi.json is out of date: run `npm run openapi` and commit openapi/openapi.json')
  t.strictSame(committed, generated, 'deep equal')
})

t.test('every operation is complete', async (t) => {
  const declaredTags = new Set((committed.tags as { name: string }[]).map((tag) => tag.name))
  const ids = new Set<string>()
  for (const [path, ops] of Object.entries(committed.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`
      t.ok(op.operationId && !ids.has(op.operationId), `${where}: unique operationId`)
      ids.add(op.operationId!)
      t.ok(op.summary, `${where}: summary`)
      t.ok(op.tags?.length && op.tags.every((tag) => declaredTags.has(tag)), `${where}: declared tags`)
      t.ok(Array.isArray(op.security), `${where}: explicit security requirement`)
      t.ok(op.responses['500'], `${where}: documents 500`)
      if (op.security?.length) t.ok(op.responses['401'] && op.responses['403'], `${where}: authenticated, so documents 401 and 403`)
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        t.equal(response.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/Problem', `${where} ${status}: a Problem document`)
      }
    }
  }
})

t.test('what generators and proxies rely on', async (t) => {
  const scopes = Object.keys(committed.components.securitySchemes.oauth2.flows.clientCredentials.scopes)
  for (const { where, method, op } of operations) {
    t.ok(op.description, `${where}: described`)
    for (const p of op.parameters ?? []) {
      t.notOk(p.required && p.schema?.default !== undefined, `${where}: ${p.in} parameter ${p.name} is not both required and defaulted`)
    }
    for (const [status, response] of Object.entries(op.responses)) {
      t.not(response.description, 'Default Response', `${where} ${status}: described`)
      t.ok(response.headers?.['X-Request-Id'], `${where} ${status}: declares X-Request-Id`)
      if (status === '304') t.notOk(response.content, `${where} 304: no body`)
    }
    if (method === 'patch') {
      t.same(Object.keys(op.requestBody!.content), ['application/merge-patch+json', 'application/json'], `${where}: merge patch preferred, JSON accepted`)
    }
    for (const requirement of op.security ?? []) {
      for (const scope of requirement.oauth2 ?? []) t.ok(scopes.includes(scope), `${where}: scope ${scope} is declared`)
    }
    if (op.security?.length && !op.security.some((r) => r.oauth2?.includes('admin'))) t.fail(`${where}: admin is an alternative`)
  }
  const named = Object.keys(committed.components.schemas)
  for (const name of ['Enterprise', 'EnterpriseSummary', 'EnterpriseCreate', 'EnterprisePatch', 'Qualification', 'QualificationGrant', 'StatusChange', 'VerificationStatement', 'EnterpriseListPage', 'QualificationPage', 'Problem']) {
    t.ok(named.includes(name), `components.schemas.${name}`)
  }
  for (const { where, op } of operations) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      t.match(media.schema?.$ref, /^#\/components\/schemas\//, `${where} ${type}: the body is a named component`)
    }
  }
})

t.test('Spectral (spectral:oas) reports nothing', async (t) => {
  const result = spawnSync(process.execPath, ['node_modules/@stoplight/spectral-cli/dist/index.js', 'lint', 'openapi/openapi.json', '--ruleset', '.spectral.yaml', '--fail-severity=hint', '--format', 'text'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  })
  t.equal(result.status, 0, `spectral lint reports nothing:\n${result.stdout}\n${result.stderr}`)
})

t.test('npm run lint:openapi passes (redocly lint with .redocly.yaml)', async (t) => {
  const result = spawnSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'openapi/openapi.json', '--config', '.redocly.yaml', '--format', 'summary'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 180_000,
  })
  const output = `${result.stdout}\n${result.stderr}`
  t.equal(result.status, 0, `redocly lint reports no errors:\n${output.replace(/^.*[║╔╚].*$\n?/gm, '')}`)
  t.notMatch(output, /^error\s/m, 'no error lines')
})
