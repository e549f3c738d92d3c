// npm run build — compiles src/ to dist/ (tsconfig.build.json), so that `npm start` runs
// JavaScript and pays no TypeScript compilation at start. With --if-stale (npm start's prestart)
// it compiles only when a source file is newer than the last build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'

const STAMP = 'dist/.tsbuildinfo'

function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

if (process.argv.includes('--if-stale') && existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest('src')) process.exit(0)
if (!existsSync('node_modules/typescript/package.json')) {
  console.error(existsSync('dist/server.js') ? 'dist/ is older than src/, and TypeScript is not installed to rebuild it: run npm ci' : 'dist/ is missing: run npm ci (or npm run build)')
  process.exit(existsSync('dist/server.js') ? 0 : 1)
}
const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
// An incremental build that found nothing to emit leaves the stamp as it was: mark it current.
if (result.status === 0 && existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date())
process.exit(result.status ?? 1)
