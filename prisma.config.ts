// Prisma CLI configuration. The registry applies migrations with its own runner
// (npm run db:migrate); the URL here only serves Prisma's own CLI commands.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/haopin' },
})
