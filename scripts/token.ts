// npm run token -- --scope "registry:read registry:write" [--county 371402] [--dept MARKET_REGULATION] [--sub name] [--ttl 12h]
// Mints a development token signed with the key in DATA_DIR (the one `npm start` created). Never for production.
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.ts'
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey } from '../src/lib/keys.ts'
import { mintToken, SCOPES } from '../src/plugins/auth.ts'

const { values } = parseArgs({
  options: {
    scope: { type: 'string', default: SCOPES.join(' ') },
    county: { type: 'string' },
    dept: { type: 'string' },
    sub: { type: 'string', default: 'dev' },
    ttl: { type: 'string', default: '12h' },
  },
})
const config = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' })
if (config.nodeEnv === 'production' || config.auth.jwks || config.auth.jwksUrl || config.auth.jwksFile) {
  console.error('npm run token mints development tokens only; with real keys configured, ask your identity provider for a token.')
  process.exit(1)
}
const unknown = values.scope!.split(' ').filter((s) => s && !(SCOPES as readonly string[]).includes(s))
if (unknown.length > 0) {
  console.error(`unknown scope(s): ${unknown.join(', ')}; known: ${SCOPES.join(' ')}`)
  process.exit(1)
}
if (values.county && !/^\d{6}$/.test(values.county)) {
  console.error('--county must be a 6-digit division code, e.g. 371402')
  process.exit(1)
}
const key = await loadOrCreateDevKey(config.dataDir, 'dev-auth-key')
console.log(
  await mintToken(key, {
    sub: values.sub!,
    scopes: values.scope!.split(' ').filter(Boolean),
    county: values.county,
    dept: values.dept,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    expiresIn: values.ttl,
  }),
)
