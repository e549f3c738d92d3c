// Generates the Prisma client offline. `prisma generate` first looks for the native
// schema-engine binary and tries to download it, though generation never uses it;
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable skips that download.
import { spawnSync } from 'node:child_process'

const env = { ...process.env }
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath
env.PRISMA_HIDE_UPDATE_MESSAGE = '1'
const result = spawnSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env })
process.exit(result.status ?? 1)
