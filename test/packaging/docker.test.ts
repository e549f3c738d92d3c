// The container packaging, checked without a Docker engine: docker-compose.yml parses and
// wires the API to a healthy PostgreSQL 16, sets only variables that src/config.ts reads
// (and, with the operator's values filled in, a configuration it accepts), and the
// Dockerfile is multi-stage, runs as a non-root user and starts the compiled dist/server.js.
import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.ts'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')

/** Every variable name config.ts reads through its str/int/bool/url helpers. */
function configVariables(): Set<string> {
  const names = [...read('src/config.ts').matchAll(/\b(?:str|int|bool|url)\('([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!)
  return new Set(names)
}

type Service = {
  image?: string
  build?: unknown
  environment?: Record<string, string | number | boolean | null> | string[]
  depends_on?: string[] | Record<string, { condition?: string }>
  healthcheck?: { test?: string | string[]; disable?: boolean }
  ports?: (string | number)[]
  volumes?: (string | Record<string, unknown>)[]
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {}
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]))
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]))
}

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR, $$. */
function interpolate(value: string, vars: Record<string, string>, missing: string[] = []): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name, op, arg, bare) => {
    if (all === '$$') return '$'
    const key = (name ?? bare) as string
    const v = vars[key]
    const unset = v === undefined || (op?.startsWith(':') && v === '')
    if (!unset) return v!
    if (op?.endsWith('-')) return arg as string
    if (op?.endsWith('?')) missing.push(key)
    return ''
  })
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> }
const services = Object.entries(compose.services ?? {})
const [dbName, db] = services.find(([, s]) => /^postgres:/.test(s.image ?? '')) ?? []
const [, api] = services.find(([, s]) => s.build !== undefined) ?? []

t.test('docker-compose.yml runs PostgreSQL 16 with a health check', async (t) => {
  t.ok(db, 'a service uses the postgres image')
  t.match(db?.image, /^postgres:16(\b|$)/, 'PostgreSQL 16')
  const test = db?.healthcheck?.test
  t.ok(test && !db?.healthcheck?.disable, 'the database has a healthcheck')
  t.match(Array.isArray(test) ? test.join(' ') : test, /pg_isready/)
})

t.test('the API is built here and waits for a healthy database', async (t) => {
  t.ok(api, 'a service is built from the Dockerfile')
  const dependsOn = api?.depends_on
  t.ok(dependsOn && !Array.isArray(dependsOn), 'depends_on uses the long form (with a condition)')
  t.equal((dependsOn as Record<string, { condition?: string }> | undefined)?.[dbName!]?.condition, 'service_healthy', `depends on ${dbName} being healthy`)
})

t.test('the API sets only variables that src/config.ts reads', async (t) => {
  const known = configVariables()
  t.ok(known.has('DATABASE_URL') && known.has('SIGNING_KEY'), 'config.ts variables were found')
  const env = environmentOf(api ?? {})
  t.ok(Object.keys(env).length > 0, 'the API has an environment')
  for (const name of Object.keys(env)) t.ok(known.has(name), `${name} is read by src/config.ts`)
  // The README's configuration table is the operator's reference: what compose sets must be in it.
  const documented = new Set([...read('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!))
  t.ok(documented.has('DATABASE_URL'), 'the README has a configuration table')
  for (const name of Object.keys(env)) t.ok(documented.has(name), `${name} is documented in the README`)
})

t.test('production mode, with secrets left for the operator to supply', async (t) => {
  const env = environmentOf(api ?? {})
  t.equal(env.NODE_ENV, 'production')
  t.equal(env.MIGRATE_ON_START ?? 'true', 'true', 'migrations are applied on start')
  const secrets = ['AUTH_JWKS_URL', 'AUTH_JWKS', 'AUTH_JWKS_FILE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'SIGNING_KEY', 'SIGNING_KEY_FILE'].filter((name) => env[name] !== undefined)
  for (const needed of [['AUTH_ISSUER'], ['AUTH_AUDIENCE'], ['AUTH_JWKS_URL', 'AUTH_JWKS', 'AUTH_JWKS_FILE'], ['SIGNING_KEY', 'SIGNING_KEY_FILE']]) {
    t.ok(needed.some((name) => secrets.includes(name)), `compose sets ${needed.join(' or ')}`)
  }
  for (const name of secrets) t.match(env[name], /^\$\{[A-Z0-9_]+:\?[^}]+\}$/, `${name} must be supplied (\${VAR:?...}), never committed`)
  const missing: string[] = []
  for (const value of Object.values(environmentOf(db ?? {})).concat(Object.values(env))) interpolate(value, {}, missing)
  t.ok(missing.length > 0, 'compose refuses to start until the operator fills the placeholders')
})

t.test('with the operator values filled in, config.ts accepts the environment', async (t) => {
  const operator: Record<string, string> = {
    POSTGRES_PASSWORD: 'secret123',
    HAOPIN_OWNER_PASSWORD: 'owner123',
    HAOPIN_APP_PASSWORD: 'app123',
    AUTH_JWKS_URL: 'https://idp.example.gov.cn/.well-known/jwks.json',
    AUTH_ISSUER: 'https://idp.example.gov.cn/',
    AUTH_AUDIENCE: 'haopin-registry',
    SIGNING_KEY: '{"kty":"OKP","crv":"Ed25519","x":"x","d":"d"}',
  }
  const missing: string[] = []
  const env = Object.fromEntries(Object.entries(environmentOf(api ?? {})).map(([k, v]) => [k, interpolate(v, operator, missing)]))
  t.same(missing, [], 'every required placeholder has a test value')
  const config = loadConfig(env)
  t.equal(config.nodeEnv, 'production')
  t.equal(config.migrateOnStart, true)

  // Two roles (docker/initdb/10-roles.sh): the service as haopin_app, migrations as the owner haopin.
  const dbEnv = Object.fromEntries(Object.entries(environmentOf(db ?? {})).map(([k, v]) => [k, interpolate(v, operator)]))
  const roles = read('docker/initdb/10-roles.sh')
  t.ok(db?.volumes?.some((v) => String(v).startsWith('./docker/initdb:/docker-entrypoint-initdb.d')), 'the role script runs when the volume is created')
  for (const [variable, user, password] of [['DATABASE_URL', 'haopin_app', 'HAOPIN_APP_PASSWORD'], ['MIGRATION_DATABASE_URL', 'haopin', 'HAOPIN_OWNER_PASSWORD']] as const) {
    const url = new URL((variable === 'DATABASE_URL' ? config.databaseUrl : config.migrationDatabaseUrl)!)
    t.equal(url.hostname, dbName, `${variable} names the database service`)
    t.equal(decodeURIComponent(url.username), user, `${variable} logs in as ${user}`)
    t.equal(decodeURIComponent(url.password), dbEnv[password], `with ${password}`)
    t.equal(url.pathname.slice(1), 'haopin')
    t.match(roles, new RegExp(`CREATE ROLE ${user} LOGIN NOSUPERUSER`), `${user} is created, no superuser`)
  }
  t.match(roles, /CREATE DATABASE haopin OWNER haopin;/, 'the owner role owns the database')

  // The published port reaches the port the API listens on.
  const target = (api?.ports ?? []).map((p) => String(p).split(':').pop())
  t.ok(target.includes(String(config.port)), `a published port targets ${config.port}`)
})

interface Instruction {
  op: string
  args: string
}

function dockerfile(): Instruction[] {
  const lines = read('Dockerfile')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return lines.map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.split(/\s+/)[0]!.length).trim() }))
}

t.test('Dockerfile: multi-stage on a current Node LTS, non-root, starts the compiled dist/server.js', async (t) => {
  const instructions = dockerfile()
  const args = Object.fromEntries(
    instructions.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => [i.args.split('=')[0]!, i.args.slice(i.args.indexOf('=') + 1)]),
  )
  const froms = instructions.filter((i) => i.op === 'FROM').map((i) => interpolate(i.args, args))
  t.ok(froms.length >= 2, `multi-stage (${froms.length} FROM)`)
  for (const from of froms) {
    const major = /^node:(\d+)/.exec(from)?.[1]
    t.ok(major && Number(major) >= 24 && Number(major) % 2 === 0, `${from} is an LTS Node image`)
  }

  const lastStage = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'))
  const user = lastStage.filter((i) => i.op === 'USER').pop()?.args
  t.ok(user, 'the runtime stage sets USER')
  t.notMatch(user ?? 'root', /^(root|0)(:|$)/, 'USER is not root')

  const start = lastStage.filter((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT').map((i) => i.args).join(' ')
  t.match(start, /dist\/server\.js/, 'CMD/ENTRYPOINT starts dist/server.js (compiled in the build stage)')
  t.ok(instructions.some((i) => i.op === 'RUN' && /npm run build/.test(i.args)), 'the build stage compiles src/')
  t.ok(lastStage.some((i) => i.op === 'COPY' && /\/app\/dist/.test(i.args)), 'the runtime stage takes dist/')
  t.match(start, /^\[/, 'exec form, so SIGTERM reaches Node')
  // The image runs the service with the node options npm start gives it (the heap limit, the young generation's size).
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts
  const npmStart = scripts.start!.trim().split(/\s+/)
  const cmd = JSON.parse(lastStage.filter((i) => i.op === 'CMD').pop()?.args ?? '[]') as string[]
  t.same(cmd.slice(cmd.indexOf('node') + 1), npmStart.slice(npmStart.indexOf('node') + 1), 'CMD passes node the options and script of the start script')
  t.ok(npmStart.some((w) => /^--max-old-space-size=\d+$/.test(w)), 'npm start sets a heap limit')
  t.ok(npmStart.some((w) => /^--max-semi-space-size=\d+$/.test(w)), 'npm start sizes the young generation (fewer collections while exports and imports stream)')
  const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> }
  t.ok(!/tsx/.test(start) || pkg.dependencies?.tsx, 'a start that loads TypeScript through tsx has tsx as a production dependency (dev dependencies are pruned from the image)')
  t.ok(lastStage.some((i) => i.op === 'COPY' && /prisma/.test(i.args)), 'the migrations are in the runtime image')
  t.ok(existsSync(new URL('prisma/migrations/migration_lock.toml', root)), 'prisma/migrations exists')
})

t.test('.dockerignore keeps machine state and secrets out of the build context', async (t) => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  for (const entry of ['node_modules', '.git', '.env', '.data', 'src/generated']) t.ok(ignored.includes(entry), `${entry} is ignored`)
})
