// The benchmark's own database: created next to (never instead of) the development one,
// migrated with the registry's runner, then filled with set-based INSERT ... SELECT over
// generate_series. Enterprise i is a pure function of i (hash-based), so a load is repeatable.
import pg from 'pg'
import { createDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { refreshStale } from '../src/modules/enterprises/document-cache/index.ts'
import {
  CERTIFICATE_PREFIX, COUNTIES, GIVEN, INDUSTRIES, QUALIFICATION_MIX, ROADS, SUFFIXES, SURNAMES, TRADE_FIRST, TRADE_SECOND,
} from './words.ts'

/** Bump when the generated data changes shape, so an older bench database is reloaded. */
const GENERATOR_VERSION = 4
const CHUNK = 50_000
/** Actor recorded on the loaded history. */
export const LOADER_SUB = 'bench-loader'

export interface DatasetInfo {
  database: string
  enterprises: number
  qualifications: number
  events: number
  listed: number
  reused: boolean
  loadSeconds: number | null
  /** Size of the database on disk after the load, in MB. */
  sizeMb: number
}

interface Meta {
  generator: number
  enterprises: number
  loadSeconds: number
  loadedAt: string
}

type Log = (line: string) => void

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''))
}

function adminUrl(url: string): string {
  const u = new URL(url)
  u.pathname = '/postgres'
  return u.toString()
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`
const textArray = (items: readonly string[]) => `ARRAY[${items.map(lit).join(',')}]::text[]`
const intArray = (items: readonly number[]) => `ARRAY[${items.join(',')}]::int[]`
/** 1-based indexes into `items`, each repeated by its weight: picking uniformly from it picks by weight. */
const weighted = (weights: readonly number[]) => intArray(weights.flatMap((w, i) => Array<number>(w).fill(i + 1)))

export async function prepareDataset(url: string, enterprises: number, opts: { reload: boolean; log: Log }): Promise<DatasetInfo> {
  const name = databaseName(url)
  // The guard that keeps the benchmark away from development and test data.
  if (!/bench/i.test(name)) throw new Error(`refusing to use database "${name}": the benchmark only loads databases whose name contains "bench"`)
  const admin = new pg.Client({ connectionString: adminUrl(url) })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${adminUrl(url).replace(/\/\/[^@]*@/, '//')} (${(error as Error).message}): the benchmark needs a PostgreSQL server ` +
        'where it may create its own database; point --database-url or BENCH_DATABASE_URL at one',
    )
  }
  let meta: Meta | null = null
  try {
    const [row] = (await admin.query(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name])).rows
    const exists = row !== undefined
    if (exists && row.comment) {
      try {
        meta = JSON.parse(row.comment) as Meta
      } catch {
        meta = null
      }
    }
    const reusable = exists && !opts.reload && meta?.generator === GENERATOR_VERSION && meta.enterprises === enterprises
    if (!reusable) {
      if (exists) {
        opts.log(`dropping ${name} (${opts.reload ? '--reload' : meta ? `holds ${meta.enterprises} enterprises, generator ${meta.generator}` : 'not a finished bench load'})`)
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`)
      }
      await admin.query(`CREATE DATABASE "${name}"`)
      meta = null
    }
  } finally {
    await admin.end()
  }

  // New registry migrations apply to a reused database as they would in production.
  const db = await createDatabase({ databaseUrl: url, poolMax: 2 })
  try {
    const result = await migrate(db)
    if (result.applied.length > 0) opts.log(`migrations applied: ${result.applied.join(', ')}`)
  } catch (error) {
    await db.close()
    if (meta) {
      opts.log(`migrating the reused database failed (${(error as Error).message}); reloading`)
      return prepareDataset(url, enterprises, { ...opts, reload: true })
    }
    throw error
  }
  await db.close()

  const client = new pg.Client({ connectionString: url, application_name: 'haopin-bench-loader' })
  await client.connect()
  let drifted: number | null = null
  try {
    if (meta) {
      // The write mix of an earlier run adds enterprises and qualifications; a dataset that has
      // drifted from what was loaded is loaded again, so every run measures the same shape.
      const [{ n }] = (await client.query(`SELECT count(*)::int AS n FROM enterprise`)).rows
      if (n !== enterprises) drifted = n
    }
    if (drifted === null) {
      let loadSeconds: number | null = meta?.loadSeconds ?? null
      const reused = meta !== null
      if (!meta) {
        const started = performance.now()
        await load(client, enterprises, opts.log)
        loadSeconds = (performance.now() - started) / 1000
        const m: Meta = { generator: GENERATOR_VERSION, enterprises, loadSeconds, loadedAt: new Date().toISOString() }
        await client.query(`COMMENT ON DATABASE "${name}" IS ${lit(JSON.stringify(m))}`)
        opts.log(`loaded ${enterprises} enterprises in ${loadSeconds.toFixed(1)} s`)
      } else {
        opts.log(`reusing ${name}: ${enterprises} enterprises loaded ${meta.loadedAt} in ${meta.loadSeconds.toFixed(1)} s (--reload for a fresh load)`)
      }
      await refreshAllDocuments(url, opts.log)
      const [counts] = (
        await client.query(`SELECT (SELECT count(*) FROM enterprise)::int AS e, (SELECT count(*) FROM qualification)::int AS q,
          (SELECT count(*) FROM qualification_event)::int AS ev,
          (SELECT count(DISTINCT uscc) FROM qualification WHERE type_code = 'HAOPIN_SHANDONG_BRAND' AND status = 'active'
             AND (valid_until IS NULL OR valid_until > now()))::int AS listed,
          (pg_database_size(current_database()) / 1048576)::int AS size_mb`)
      ).rows
      return {
        database: name,
        enterprises: counts.e,
        qualifications: counts.q,
        events: counts.ev,
        listed: counts.listed,
        reused,
        loadSeconds,
        sizeMb: counts.size_mb,
      }
    }
  } finally {
    await client.end()
  }
  opts.log(`${name} holds ${drifted} enterprises after earlier write runs (loaded ${enterprises}); reloading`)
  return prepareDataset(url, enterprises, { ...opts, reload: true })
}

/**
 * Builds every stale stored enterprise document (all of them after a load or a migration that
 * adds them), with the registry's own refresh in large batches, so that runs measure the registry
 * in its steady state, which its background refresher keeps in production.
 */
async function refreshAllDocuments(url: string, log: Log) {
  const db = await createDatabase({ databaseUrl: url, poolMax: 2 })
  try {
    const started = performance.now()
    let total = 0
    for (let n = await refreshStale(db, 5000, new Date()); n > 0; n = await refreshStale(db, 5000, new Date())) total += n
    if (total > 0) {
      log(`built ${total} stored enterprise documents in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      // Building left a dead version of every row: vacuum now rather than under the measured load.
      await db.query('VACUUM (ANALYZE) enterprise_document')
    }
  } finally {
    await db.close()
  }
}

async function load(client: pg.Client, enterprises: number, log: Log) {
  // Temp tables of a 50,000-enterprise chunk stay in memory; the window sort too.
  await client.query(`SET synchronous_commit = off; SET temp_buffers = '512MB'; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'`)
  await client.query(helpers())
  // Secondary indexes and foreign keys of these tables are built once after the load instead of
  // row by row: the same definitions, read from the catalog, so the schema ends up exactly as
  // migrated (primary keys stay: ON CONFLICT and lookups need them). qualification_event keeps its
  // own: its triggers look up earlier events. Every trigger stays on, so the loaded rows pass the
  // same database rules, and fill the same derived tables, as the registry's own writes. Indexes
  // those triggers look up by stay too: the first version of an enterprise, written at COMMIT, asks
  // whether it holds a qualification (without its index a scan of the table per enterprise: a
  // 50,000-enterprise chunk took 7 minutes at COMMIT instead of seconds).
  const tables = ['enterprise', 'qualification', 'enterprise_name_gram']
  const keep = ['qualification_uscc_type_code_idx']
  const indexes = (
    await client.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes i WHERE schemaname = 'public' AND tablename = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) AND i.indexname <> ALL ($2)`,
      [tables, keep],
    )
  ).rows
  const foreignKeys = (
    await client.query<{ tbl: string; name: string; def: string }>(
      `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE contype = 'f' AND conrelid::regclass::text = ANY($1)`,
      [tables],
    )
  ).rows
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.name}"`)
  for (const ix of indexes) await client.query(`DROP INDEX "${ix.name}"`)
  for (let lo = 1; lo <= enterprises; lo += CHUNK) {
    const hi = Math.min(enterprises, lo + CHUNK - 1)
    const started = performance.now()
    await client.query('BEGIN')
    const steps: string[] = []
    for (const [step, sql] of chunkSteps(lo, hi)) {
      const t = performance.now()
      await client.query(sql)
      steps.push(`${step} ${((performance.now() - t) / 1000).toFixed(1)}`)
    }
    await client.query('COMMIT')
    log(`  enterprises ${lo}-${hi} with qualifications and history: ${((performance.now() - started) / 1000).toFixed(1)} s (${steps.join(', ')})`)
  }
  let started = performance.now()
  for (const ix of indexes) await client.query(ix.def)
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.tbl} ADD CONSTRAINT "${fk.name}" ${fk.def}`)
  log(`  ${indexes.length} indexes and ${foreignKeys.length} foreign keys rebuilt: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  started = performance.now()
  const present = (await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)`, [[...tables, 'qualification_event']])).rows
  for (const { t } of present) await client.query(`VACUUM (ANALYZE) "${t}"`)
  log(`  vacuum analyze: ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

/** Session-local helper functions (pg_temp), so nothing is added to the registry's schema. */
function helpers(): string {
  return `
CREATE FUNCTION pg_temp.h(i BIGINT, salt INT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS
  $$ SELECT hashint8(i * 97 + salt)::BIGINT & 2147483647 $$;
CREATE FUNCTION pg_temp.b31(n BIGINT, width INT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substr('0123456789ABCDEFGHJKLMNPQRTUWXY', ((n / (31::float8 ^ (width - k))::BIGINT) % 31)::INT + 1, 1), '' ORDER BY k)
  FROM generate_series(1, width) AS k $$;
-- GB 32100-2015 check character, as in src/lib/uscc.ts.
CREATE FUNCTION pg_temp.uscc(f TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT f || substr(a, ((31 - (SELECT sum((strpos(a, substr(f, k, 1)) - 1) * (ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28])[k])
                                 FROM generate_series(1, 17) AS k) % 31) % 31)::INT + 1, 1)
  FROM (SELECT '0123456789ABCDEFGHJKLMNPQRTUWXY'::TEXT AS a) AS alphabet $$;
CREATE FUNCTION pg_temp.person(i BIGINT, salt INT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT s[1 + pg_temp.h(i, salt) % cardinality(s)] || g[1 + pg_temp.h(i, salt + 1) % cardinality(g)]
      || CASE WHEN pg_temp.h(i, salt + 2) % 3 > 0 THEN g[1 + pg_temp.h(i, salt + 2) % cardinality(g)] ELSE '' END
  FROM (SELECT ${textArray(SURNAMES)} AS s, ${textArray(GIVEN)} AS g) AS words $$;
`
}

// One chunk: enterprises lo..hi, their qualifications (about three each) and the full event
// history of every qualification. "Now" is the load time; nothing is dated after it.
function chunkSteps(lo: number, hi: number): [string, string][] {
  return chunkSql(lo, hi)
    .split(/\n(?=-- step: )/)
    .filter((part) => part.startsWith('-- step: '))
    .map((part) => [part.slice('-- step: '.length, part.indexOf('\n')), part])
}

function chunkSql(lo: number, hi: number): string {
  const codes = textArray(COUNTIES.map((c) => c.code))
  const shorts = textArray(COUNTIES.map((c) => c.short))
  const fulls = textArray(COUNTIES.map((c) => c.full))
  const types = textArray(QUALIFICATION_MIX.map((q) => q.type))
  const issuers = textArray(QUALIFICATION_MIX.map((q) => q.issuer))
  const issuerLevels = textArray(QUALIFICATION_MIX.map((q) => q.issuerLevel))
  const certTypes = Object.keys(CERTIFICATE_PREFIX)
  const certCase = `CASE p.type_code ${certTypes.map((t) => `WHEN ${lit(t)} THEN ${lit(CERTIFICATE_PREFIX[t]!)}`).join(' ')} END`
  return `
-- step: keys
CREATE TEMP TABLE chunk ON COMMIT DROP AS
SELECT i, c, pg_temp.uscc('91' || CASE WHEN (${codes})[c] = '371471' THEN '371400' ELSE (${codes})[c] END || 'MA' || pg_temp.b31(i, 7)) AS uscc
FROM (SELECT i, (${weighted(COUNTIES.map((c) => c.weight))})[1 + pg_temp.h(i, 1) % 100] AS c FROM generate_series(${lo}::BIGINT, ${hi}::BIGINT) AS i) AS s;

-- step: enterprise
INSERT INTO enterprise (uscc, name, county_code, industry_code, address, legal_representative, contact_name, contact_phone,
  contact_email, cultivation_stage, business_status, created_at, updated_at)
SELECT uscc,
  CASE WHEN p < 30 THEN '德州' || trade || ind || suffix
       WHEN p < 60 THEN (${shorts})[c] || trade || ind || suffix
       WHEN p < 75 THEN '山东' || trade || ind || suffix
       WHEN p < 85 THEN '鲁' || trade || ind || suffix
       WHEN p < 90 THEN '齐' || trade || ind || suffix
       ELSE trade || '（德州）' || ind || suffix END,
  (${codes})[c], ind_code,
  '山东省德州市' || (${fulls})[c] || (${textArray(ROADS)})[1 + pg_temp.h(i, 7) % ${ROADS.length}] || (1 + pg_temp.h(i, 8) % 300) || '号',
  pg_temp.person(i, 10), pg_temp.person(i, 20),
  '1' || (ARRAY['3','5','7','8','9'])[1 + pg_temp.h(i, 30) % 5] || lpad((pg_temp.h(i, 31) % 1000000000)::TEXT, 9, '0'),
  CASE WHEN pg_temp.h(i, 32) % 4 = 0 THEN NULL ELSE 'office' || i || '@dz-enterprise.cn' END,
  (ARRAY[NULL, NULL, NULL, NULL, NULL, 'planned', 'planned', 'cultivating', 'cultivating', 'established'])[1 + pg_temp.h(i, 33) % 10]::"CultivationStage",
  CASE WHEN b < 94 THEN 'operating' WHEN b < 97 THEN 'abnormal' WHEN b < 99 THEN 'revoked' ELSE 'deregistered' END::"BusinessStatus",
  created, least(now(), created + (pg_temp.h(i, 35) % 400) * INTERVAL '1 day')
FROM (
  SELECT i, c, uscc, pg_temp.h(i, 2) % 100 AS p, pg_temp.h(i, 34) % 100 AS b,
    (${textArray(TRADE_FIRST)})[1 + pg_temp.h(i, 3) % ${TRADE_FIRST.length}] || (${textArray(TRADE_SECOND)})[1 + pg_temp.h(i, 4) % ${TRADE_SECOND.length}] AS trade,
    (${textArray(INDUSTRIES.map((x) => x[0]))})[1 + pg_temp.h(i, 5) % ${INDUSTRIES.length}] AS ind,
    (${textArray(INDUSTRIES.map((x) => x[1]))})[1 + pg_temp.h(i, 5) % ${INDUSTRIES.length}] AS ind_code,
    (${textArray(SUFFIXES)})[1 + pg_temp.h(i, 6) % ${SUFFIXES.length}] AS suffix,
    TIMESTAMPTZ '2015-01-01 09:00:00+08' + (pg_temp.h(i, 36) % 315360000) * INTERVAL '1 second' AS created
  FROM chunk
) AS e;

-- step: plan
-- Plan per qualification: type by weight, grant date skewed to recent years, and a status story.
CREATE TEMP TABLE qplan ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, k.uscc, k.key, k.type_code, k.t, qt.certificate_based, qt.default_validity_months,
  k.granted_at, k.plan
FROM (
  SELECT ch.uscc, ch.i * 8 + j AS key, (${types})[t] AS type_code, t,
    date_trunc('day', now() - INTERVAL '1 day' - (now() - TIMESTAMPTZ '2019-01-01 00:00:00Z') * power(pg_temp.h(ch.i * 8 + j, 22) / 2147483648.0, 2)) + INTERVAL '1 hour' AS granted_at,
    pg_temp.h(ch.i * 8 + j, 23) % 1000 AS plan,
    row_number() OVER (PARTITION BY ch.uscc, t ORDER BY j) AS nth
  FROM chunk AS ch
  CROSS JOIN LATERAL generate_series(1, (ARRAY[0,1,1,1,2,2,2,2,3,3,3,3,4,4,4,4,5,5,6,6])[1 + pg_temp.h(ch.i, 20) % 20]) AS j
  CROSS JOIN LATERAL (SELECT (${weighted(QUALIFICATION_MIX.map((q) => q.weight))})[1 + pg_temp.h(ch.i * 8 + j, 21) % 1000] AS t) AS pick
) AS k
JOIN qualification_type qt ON qt.code = k.type_code
-- At most one qualification per non-certificate type; certificates and standards may repeat.
WHERE k.nth = 1 OR qt.certificate_based;

-- step: stories
CREATE TEMP TABLE qfull ON COMMIT DROP AS
SELECT p.*, p.granted_at AS valid_from,
  CASE WHEN p.default_validity_months IS NULL THEN NULL ELSE p.granted_at + make_interval(months => p.default_validity_months) END AS valid_until,
  least(now(), p.granted_at + INTERVAL '2 days') AS recorded_at,
  -- Later changes happen between the grant and the earlier of now and expiry.
  greatest(INTERVAL '0', least(now(), coalesce(p.granted_at + make_interval(months => p.default_validity_months), now()) - INTERVAL '1 day') - p.granted_at) AS span,
  CASE WHEN p.plan < 60 THEN 'suspended' WHEN p.plan < 80 THEN 'revoked_direct' WHEN p.plan < 100 THEN 'suspended_revoked'
       WHEN p.plan < 115 THEN 'withdrawn' WHEN p.plan < 120 THEN 'annulled' WHEN p.plan < 150 THEN 'reinstated' ELSE 'active' END AS story
FROM qplan p;

-- step: qualification
INSERT INTO qualification (id, uscc, type_code, certificate_no, title, scope, issuer, issuer_level, granted_at, valid_from,
  valid_until, batch, status, version, recorded_at, updated_at)
SELECT p.id, p.uscc, p.type_code,
  CASE WHEN p.certificate_based THEN ${certCase} || extract(year FROM p.granted_at) || lpad(p.key::TEXT, 9, '0') END,
  CASE p.type_code WHEN 'TAISHAN_QUALITY_CERT' THEN '泰山品质认证产品（' || p.key || '）'
                   WHEN 'ENTERPRISE_STANDARD' THEN '企业产品标准（' || p.key || '）'
                   WHEN 'GROUP_STANDARD' THEN '团体标准（' || p.key || '）' END,
  CASE WHEN p.type_code = 'TAISHAN_QUALITY_CERT' THEN '产品的设计、生产和服务' END,
  (${issuers})[p.t], (${issuerLevels})[p.t]::"AuthorityLevel",
  p.granted_at, p.valid_from, p.valid_until,
  CASE WHEN p.type_code = 'HAOPIN_SHANDONG_BRAND' THEN extract(year FROM p.granted_at) || '年第' || (1 + p.key % 2) || '批' END,
  (CASE p.story WHEN 'suspended' THEN 'suspended' WHEN 'revoked_direct' THEN 'revoked' WHEN 'suspended_revoked' THEN 'revoked'
               WHEN 'withdrawn' THEN 'withdrawn' WHEN 'annulled' THEN 'annulled' ELSE 'active' END)::"QualificationStatus",
  CASE WHEN p.story = 'active' THEN 1 WHEN p.story IN ('suspended_revoked', 'reinstated') THEN 3 ELSE 2 END,
  p.recorded_at, p.recorded_at
FROM qfull p;

-- step: qualification_event
INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, reason_code, reason, occurred_at, effective_at,
  recorded_at, decision_authority, decision_level, decision_document_no, decided_at, actor_sub)
SELECT p.id, 1, NULL, 'active', 'grant', NULL, NULL, p.valid_from, p.recorded_at,
  (${issuers})[p.t], (${issuerLevels})[p.t]::"AuthorityLevel", NULL, p.granted_at, '${LOADER_SUB}'
FROM qfull p
UNION ALL
SELECT p.id, ev.seq, ev.from_s::"QualificationStatus", ev.to_s::"QualificationStatus", ev.code, ev.reason,
  greatest(p.granted_at, p.granted_at + p.span * ev.at - INTERVAL '10 days'), p.granted_at + p.span * ev.at,
  greatest(p.recorded_at, least(now(), p.granted_at + p.span * ev.at + INTERVAL '3 days')),
  CASE WHEN ev.to_s = 'revoked' THEN '山东省市场监督管理局' ELSE '德州市市场监督管理局' END,
  (CASE WHEN ev.to_s = 'revoked' THEN 'province' ELSE 'city' END)::"AuthorityLevel",
  CASE WHEN ev.to_s = 'revoked' THEN '鲁市监撤〔' ELSE '德市监〔' END || extract(year FROM p.granted_at + p.span * ev.at) || '〕' || (1 + p.key % 200) || '号',
  p.granted_at + p.span * ev.at, '${LOADER_SUB}'
FROM qfull p
JOIN (VALUES
  ('suspended', 2, 'active', 'suspended', 'inspection_failed', '监督抽查不合格', 0.5),
  ('revoked_direct', 2, 'active', 'revoked', 'quality_below_standard', '技术质量达不到标准，报省撤销', 0.6),
  ('suspended_revoked', 2, 'active', 'suspended', 'inspection_failed', '监督抽查不合格', 0.4),
  ('suspended_revoked', 3, 'suspended', 'revoked', 'rectification_failed', '整改不到位，报省撤销', 0.8),
  ('withdrawn', 2, 'active', 'withdrawn', 'enterprise_request', '企业申请放弃', 0.6),
  ('annulled', 2, 'active', 'annulled', 'granted_in_error', '误授予，予以注销', 0.3),
  ('reinstated', 2, 'active', 'suspended', 'complaint_verified', '投诉核实，暂停使用', 0.3),
  ('reinstated', 3, 'suspended', 'active', 'rectified', '整改验收合格，恢复', 0.6)
) AS ev(story, seq, from_s, to_s, code, reason, at) ON ev.story = p.story;
`
}

/** Random enterprise keys from the loaded dataset (not the ones written by benchmark runs). */
export async function sampleUsccs(url: string, n: number): Promise<string[]> {
  return withClient(url, async (c) =>
    (await c.query(`SELECT uscc FROM enterprise WHERE substr(uscc, 9, 2) = 'MA' ORDER BY random() LIMIT $1`, [n])).rows.map((r) => r.uscc as string),
  )
}

/** Qualifications that may be suspended now: active, in force, granted by the loader or an earlier run. */
export async function sampleSuspendable(url: string, n: number): Promise<string[]> {
  return withClient(url, async (c) =>
    (
      await c.query(
        `SELECT id FROM qualification WHERE status = 'active' AND valid_from <= now() AND (valid_until IS NULL OR valid_until > now() + INTERVAL '1 day')
         ORDER BY random() LIMIT $1`,
        [n],
      )
    ).rows.map((r) => r.id as string),
  )
}

/** Next free serial for enterprises created by write runs (USCC organisation part 'W' + 8 base-31 digits). */
export async function nextWriteSerial(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const [row] = (await c.query(`SELECT max(substr(uscc, 10, 8)) AS top FROM enterprise WHERE substr(uscc, 1, 9) = '91371400W'`)).rows
    if (!row?.top) return 0
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
    return [...(row.top as string)].reduce((n, ch) => n * 31 + alphabet.indexOf(ch), 0) + 1
  })
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'haopin-bench' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
