// After install: generate the Prisma client (offline-safe), compile src/ to dist/ (npm start
// runs JavaScript), write the embedded-database template, and, when the dev tools are installed,
// build tap's runner for the plugin set in package.json (TypeScript via tsx).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const run = (cmd, args, env = process.env) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

run(process.execPath, ['scripts/prisma-generate.mjs'])
if (existsSync('node_modules/typescript/package.json')) run(process.execPath, ['scripts/build.mjs'])
run(process.execPath, ['scripts/pglite-template.mjs'])
if (existsSync('node_modules/tap/package.json')) run('npx', ['tap', 'build'])
