# syntax=docker/dockerfile:1
# The registry API image. Build: docker build -t haopin-registry .
# Run with docker-compose.yml (PostgreSQL 16, production mode), or see src/config.ts for every variable.

# Node 26 is the Active LTS line (from 2026-10-28); build and run on the same image so
# esbuild's platform binary (tsx runs scripts/migrate.ts) matches.
ARG NODE_IMAGE=node:26-trixie-slim

# --- build: install with dev dependencies (the prisma CLI generates the client), then drop them
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Only what `npm ci` and its postinstall (scripts/postinstall.mjs: prisma generate, offline) read,
# so this layer is cached until the dependencies or the data model change.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci
# The generated client is in src/generated (excluded by .dockerignore), so this copy keeps it.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiled here, so the service starts JavaScript. --legacy-peer-deps: otherwise the prisma CLI and
# typescript stay, as optional peers of @prisma/client (about 250 MB the service never uses).
RUN npm run build && npm prune --omit=dev --legacy-peer-deps && npm cache clean --force

# --- runtime: production dependencies, the compiled service and migrations
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Files stay owned by root (read-only for the service); only DATA_DIR is writable by it.
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The sources too, for `node --import tsx scripts/migrate.ts` (migrations without starting the service).
COPY --from=build /app/src ./src
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts/migrate.ts ./scripts/migrate.ts
RUN mkdir -p /data && chown node:node /data
# The official image's unprivileged user (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form so SIGTERM reaches Node, whose close-with-grace handler drains requests.
# Migrations run here first unless MIGRATE_ON_START=false (then: node --import tsx scripts/migrate.ts).
# The node options of package.json's start script (a heap limit makes V8 collect at about 1.4x the live
# heap instead of 4x; a 32 MB semi-space lets streamed rows die young: README, "Operating it");
# test/packaging/docker.test.ts holds the two equal.
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=32", "dist/server.js"]
