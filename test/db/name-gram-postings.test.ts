// The name-gram postings (enterprise_name_gram) are kept by the enterprise's triggers alone, with no
// foreign key (migration 20261201000000): after registrations, renames, other updates, a USCC
// change and a delete, the postings are exactly the grams of the names, nothing missing and
// nothing left behind, and a short search finds the names as they are now.
import t from 'tap'
import { bearer, build, newUscc } from '../helpers/app.ts'

const app = await build(t)
await app.ready()
const db = app.db
const writer = await bearer(['registry:read', 'registry:write'])

/** Postings missing for, and postings left over beyond, the grams of the given USCCs' names. */
async function drift(usccs: string[]) {
  const [row] = await db.query<{ missing: number; extra: number }>(
    `WITH expected AS (SELECT DISTINCT g AS gram, uscc FROM enterprise, unnest(name_grams) AS g WHERE uscc = ANY($1::bpchar[])),
          actual AS (SELECT gram, uscc FROM enterprise_name_gram WHERE uscc = ANY($1::bpchar[]))
     SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) m)::int AS missing,
            (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) x)::int AS extra`,
    [usccs],
  )
  return row
}
const postings = async (uscc: string) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprise_name_gram WHERE uscc = $1', [uscc]))[0]!.n

t.test('the foreign key and the USCC index are gone; the triggers keep the postings exact', async (t) => {
  const constraints = await db.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'enterprise_name_gram'::regclass AND contype = 'f'`)
  t.same(constraints, [], 'no foreign key: each posting insert no longer checks and locks its enterprise')
  const indexes = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'enterprise_name_gram' ORDER BY 1`)
  t.same(indexes.map((i) => i.indexname), ['enterprise_name_gram_pkey'])

  const usccs = [newUscc('371402'), newUscc('371402'), newUscc('371425')]
  const res = await app.inject({
    method: 'POST', url: '/v1/enterprises/batch', headers: writer,
    payload: { items: usccs.map((uscc, i) => ({ uscc, name: `德州词元测试${'甲乙丙'[i]}有限公司`, countyCode: uscc.slice(2, 8) })) },
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(await drift(usccs), { missing: 0, extra: 0 }, 'registered in one statement')
  t.ok((await postings(usccs[0]!)) > 10, 'each name has its grams')

  const rename = await app.inject({
    method: 'PATCH', url: `/v1/enterprises/${usccs[0]}`, headers: { ...writer, 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ name: '临邑县词元改名丁股份公司' }),
  })
  t.equal(rename.statusCode, 200, rename.body)
  t.same(await drift(usccs), { missing: 0, extra: 0 }, 'renamed: the old grams leave, the new ones come')
  const search = async (q: string) =>
    (await app.inject({ method: 'GET', url: `/v1/enterprises?q=${encodeURIComponent(q)}&limit=200`, headers: writer })).json().items.map((i: { uscc: string }) => i.uscc)
  t.ok((await search('丁股')).includes(usccs[0]), 'found by a gram of the new name')
  t.notOk((await search('元测')).includes(usccs[0]), 'no longer found by a gram only the old name had')

  const status = await app.inject({
    method: 'PATCH', url: `/v1/enterprises/${usccs[1]}`, headers: { ...writer, 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ businessStatus: 'abnormal' }),
  })
  t.equal(status.statusCode, 200, status.body)
  t.same(await drift(usccs), { missing: 0, extra: 0 }, 'an update that keeps the name keeps the postings')

  // A USCC change and a delete are possible only before the registration commits (afterwards the
  // enterprise's versions hold it): both in the transaction that registers.
  const [moved, renamedTo, gone] = [newUscc('371402'), newUscc('371402'), newUscc('371402')]
  await db.withSession(async (s) => {
    await s.query('BEGIN')
    await s.query(
      `INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '德州词元迁移戊有限公司', '371402'), ($2, '德州词元删除己有限公司', '371402')`,
      [moved, gone],
    )
    await s.query('UPDATE enterprise SET uscc = $2, name = name WHERE uscc = $1', [moved, renamedTo])
    await s.query('DELETE FROM enterprise WHERE uscc = $1', [gone])
    await s.query('COMMIT')
  })
  t.equal(await postings(moved), 0, 'the old USCC keeps no posting')
  t.equal(await postings(gone), 0, 'the deleted enterprise keeps no posting')
  t.same(await drift([...usccs, moved, renamedTo, gone]), { missing: 0, extra: 0 }, 'the new USCC has every gram')
})
