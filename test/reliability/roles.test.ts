// The application runs as a role that owns nothing: migrations run as the owner role
// (MIGRATION_DATABASE_URL), and the application role can read and write rows but cannot disable
// the append-only triggers, truncate, or switch triggers off for its session. On a PostgreSQL
// server of the test's own, so no role is left behind in a shared cluster.
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { createDatabase } from '../../src/db/client.ts'
import { migrateAsConfigured, roleCheck } from '../../src/db/roles.ts'
import { bearer, newUscc, testConfig } from '../helpers/app.ts'
import { privatePostgres, privatePostgresUnavailable } from '../helpers/private-postgres.ts'

const why = privatePostgresUnavailable()
if (why) t.pass(`skipped: ${why}`)
else {
  const server = await privatePostgres(t)
  server.psql('CREATE ROLE registry_owner LOGIN; CREATE ROLE registry_app LOGIN')
  server.psql('CREATE DATABASE registry OWNER registry_owner')
  const url = (role: string) => `postgresql://${role}@127.0.0.1:${server.port}/registry`
  const config = await testConfig({ DATABASE_URL: url('registry_app'), MIGRATION_DATABASE_URL: url('registry_owner') })

  const db = await createDatabase({ databaseUrl: config.databaseUrl, poolMax: 2 })
  t.teardown(() => db.close())

  t.test('migrations run as the owner; the application role gets rows, not objects', async (t) => {
    const result = await migrateAsConfigured(config, db)
    t.ok(result.applied.length > 0, `${result.applied.length} migrations applied as registry_owner`)
    t.same(await roleCheck(db), { superuser: false, owned: 0 }, 'the application role owns nothing and is no superuser')
    const again = await migrateAsConfigured(config, db)
    t.equal(again.applied.length, 0, 'a second start finds them applied')
  })

  t.test('the application works under its role', async (t) => {
    const app = await buildApp(config, { db })
    t.teardown(() => app.close())
    const writer = await bearer(['registry:read', 'registry:write', 'audit:read'], { county: '371402' })
    const created = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: '德州角色测试有限公司', countyCode: '371402' } })
    t.equal(created.statusCode, 201, created.body)
    const verify = await app.inject({ url: '/v1/audit-events/verify', headers: writer })
    t.match(verify.json(), { valid: true, entries: 1 })
    t.equal(await app.auditCheckpointer.runOnce(), 1, 'and signs checkpoints')
  })

  t.test('the application role cannot take the audit trail\'s guards away', async (t) => {
    await t.rejects(db.query('ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only'), /must be owner/, 'cannot disable a trigger')
    await t.rejects(db.query('ALTER TABLE audit_pending DISABLE TRIGGER ALL'), /must be owner/, 'nor all of them')
    await t.rejects(db.query('DROP TRIGGER audit_chain_append_only ON audit_chain'), /must be owner/, 'cannot drop one')
    await t.rejects(db.withSession((s) => s.exec('SET session_replication_role = replica')), /permission denied/, 'cannot switch triggers off for its session')
    await t.rejects(db.query('TRUNCATE audit_event CASCADE'), /permission denied/, 'cannot truncate')
    await t.rejects(db.query('DELETE FROM audit_chain'), /append-only/, 'DELETE meets the trigger')
    await db.query(`INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, before, after) VALUES ('x', 'enterprise.create', 'enterprise', 'x', null, '{}')`)
    await t.rejects(db.query('DELETE FROM audit_pending'), /not chained yet/, 'and so does removing a pending marker')
    await t.rejects(db.query('CREATE TABLE intruder (x int)'), /permission denied/, 'cannot create objects')
    await t.rejects(db.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('x', 'x', 'x')`), /permission denied/, 'cannot record migrations')
  })
}
