// Writes a pristine embedded-database directory (PGlite after initdb) as a gzipped tarball, so
// that a new embedded database starts from it in ~1.5 s instead of running initdb in WASM
// (~6-13 s here). Run by postinstall; src/db/client.ts falls back to initdb when it is missing.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PGlite } from '@electric-sql/pglite'

const { version } = JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'))
const file = new URL(`../node_modules/.cache/haopin-registry/pglite-${version}-template.tgz`, import.meta.url).pathname
const db = new PGlite('memory://')
await db.waitReady
const blob = await db.dumpDataDir('gzip')
await db.close()
mkdirSync(dirname(file), { recursive: true })
writeFileSync(`${file}.tmp`, Buffer.from(await blob.arrayBuffer()))
renameSync(`${file}.tmp`, file)
console.log(`embedded database template written (${file})`)
