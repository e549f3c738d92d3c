// npm run build — compiles src/ to dist/ (tsconfig.build.json), so that `npm start` runs
// JavaScript and pays no TypeScript compilation at start, and bundles the service into one file
// (bundle() below). With --if-stale (npm start's prestart)
// it compiles only when a source file is newer than the last build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
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
if (result.status !== 0) process.exit(result.status ?? 1)
await bundle()
// An incremental build that found nothing to emit leaves the stamp as it was: mark it current.
if (existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date())

/**
 * The service itself as one file, dist/bundle/server.js (esbuild, which tsx brings), with
 * dist/server.js only importing it: Node then reads, resolves and compiles one module instead of
 * some six hundred (ours and the packages'), which was most of a start's module loading. Kept
 * outside the bundle: what finds its own files next to it at run time (PGlite's WebAssembly,
 * the Swagger UI's pages, pino's transports, Prisma's query compiler) and exceljs, which is
 * loaded on first use. The bundle sits one directory down, as dist/db/*.js do, so that the paths
 * the sources resolve from their own location (migrations, templates) hold in both.
 * Without esbuild, dist/server.js stays tsc's output, which runs the same way, only slower to load.
 */
async function bundle() {
  let esbuild
  try {
    esbuild = await import('esbuild')
  } catch {
    console.warn('esbuild is not installed: dist/server.js is left unbundled')
    // A bundle from an earlier build would be stale: tsc (incremental) re-emits server.js only
    // when its source changed, so rebuild it in full without the bundle.
    if (existsSync('dist/bundle')) {
      rmSync('dist', { recursive: true, force: true })
      const again = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
      if (again.status !== 0) process.exit(again.status ?? 1)
    }
    return
  }
  await esbuild.build({
    entryPoints: { server: 'src/server.ts' },
    outdir: 'dist/bundle',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    external: [
      '@electric-sql/pglite',
      'pglite-prisma-adapter',
      '@fastify/swagger-ui',
      'pino',
      'exceljs',
      '@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs',
    ],
    // The CommonJS packages inside require Node's built-ins.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  })
  writeFileSync('dist/server.js', "// The service, bundled by scripts/build.mjs (the modules compiled one by one are beside it).\nimport './bundle/server.js'\n")
}
process.exit(0)
