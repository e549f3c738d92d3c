// Writes embedded-database templates as gzipped tarballs: a pristine one (PGlite after initdb),
// from which a new embedded database starts in ~1.5 s instead of running initdb in WASM (~6-13 s
// here), and, once src/ is compiled, a migrated one (every migration of this checkout applied), so
// that the first `npm start` in a new DATA_DIR need not apply them all (also written as a data
// directory, which that start copies instead of unpacking the tarball). Run by postinstall;
// src/db/client.ts falls back to the pristine template, then to initdb, when one is missing.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PGlite } from '@electric-sql/pglite'

const { version } = JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'))
const fileOf = (kind) => new URL(`../node_modules/.cache/haopin-registry/pglite-${version}-${kind}.tgz`, import.meta.url).pathname

async function write(kind, blob) {
  const file = fileOf(kind)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, Buffer.from(await blob.arrayBuffer()))
  renameSync(`${file}.tmp`, file)
  console.log(`embedded database ${kind} written (${file})`)
}

const db = new PGlite('memory://')
await db.waitReady
await write('template', await db.dumpDataDir('gzip'))
await db.close()

const compiled = new URL('../dist/db/client.js', import.meta.url)
if (existsSync(compiled)) {
  const { createDatabase } = await import(compiled)
  const { migrate } = await import(new URL('../dist/db/migrate.js', import.meta.url))
  const migrated = await createDatabase({ dataDir: 'memory://' })
  const { applied } = await migrate(migrated)
  const dump = await migrated.dump()
  await write('migrated', dump)
  await migrated.close()
  console.log(`  with ${applied.length} migrations applied`)
  // The same as a data directory: the service's first start in a new DATA_DIR copies it natively
  // (src/db/client.ts) instead of unpacking the tarball through PGlite's WebAssembly file system.
  // Written beside, opened and closed once by PGlite (a clean shutdown), then renamed into place.
  const dir = fileOf('migrated').replace(/\.tgz$/, '')
  rmSync(`${dir}.tmp`, { recursive: true, force: true })
  const unpacked = new PGlite(`${dir}.tmp`, { loadDataDir: dump })
  await unpacked.waitReady
  await unpacked.close()
  rmSync(dir, { recursive: true, force: true })
  renameSync(`${dir}.tmp`, dir)
  console.log(`embedded database migrated written as a data directory (${dir})`)
}
