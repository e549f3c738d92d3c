// Two processes on one embedded data directory lost acknowledged writes; now the second refuses to
// start and names the holder, and a holder killed with SIGKILL does not leave the directory stuck.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { run, startServer } from '../helpers/server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'haopin-lock-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const env = { DATA_DIR: dataDir, PORT: '0' }

t.test('a second process on a data directory in use refuses to start, naming the holder', async (t) => {
  const first = await startServer(t, env)
  const second = run(process.execPath, ['--import', 'tsx', 'src/server.ts'], env, 120_000)
  t.equal(second.code, 1, 'exits with 1')
  t.match(second.output, new RegExp(`Refusing to start: DATA_DIR .* is in use by another registry process \\(pid ${first.child.pid} `), 'names the holder\'s pid')
  t.equal((await fetch(first.url('/readyz'))).status, 200, 'the first goes on serving')
  const stop = await first.stop()
  t.equal(stop.code, 0)
  t.notOk(existsSync(join(dataDir, 'registry.lock')), 'a clean stop releases the lock')
})

t.test('after a SIGKILL of the holder, the next process starts', async (t) => {
  const first = await startServer(t, env)
  first.child.kill('SIGKILL')
  t.equal((await first.exited).signal, 'SIGKILL')
  t.ok(existsSync(join(dataDir, 'registry.lock')), 'the killed process left its lock behind')
  const next = await startServer(t, env)
  t.equal((await fetch(next.url('/readyz'))).status, 200, 'and the next one takes it over')
  t.equal((await next.stop()).code, 0)
})
