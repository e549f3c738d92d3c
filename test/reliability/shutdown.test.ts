// Shutdown with a client that aborted mid-upload completes promptly (the aborted request used to
// keep the in-flight count up until SHUTDOWN_TIMEOUT_MS, skipping the final seal and the database
// close), and SIGTERM to `npm start` stops the server instead of orphaning it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, startServer, userEnv } from '../helpers/server-process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'haopin-shutdown-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

t.test('SIGTERM with an aborted upload in flight: the server stops in under 2 s, cleanly', async (t) => {
  const server = await startServer(t, { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' })
  // An upload that announces 1 MB, sends a few bytes, and is cut off.
  const socket = connect(server.port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(
    `POST /v1/imports?kind=enterprises HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.token}\r\n` +
      'Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n统一社会信用代码,企业名称\r\n',
  )
  // The server has the request when its log line for it appears.
  for (let i = 0; !/"url":"\/v1\/imports\?kind=enterprises"/.test(server.output()); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  socket.destroy()
  await new Promise((resolve) => socket.once('close', resolve))
  const stop = await server.stop()
  t.equal(stop.code, 0, 'exits 0')
  t.ok(stop.ms < 2000, `stopped in ${stop.ms} ms (SHUTDOWN_TIMEOUT_MS is 10,000)`)
})

t.test('SIGTERM to `npm start` stops the server', async (t) => {
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: userEnv({ DATA_DIR: dataDir, PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (c) => (output += c))
  child.stderr!.on('data', (c) => (output += c))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => child.kill('SIGKILL'))
  let port: string | undefined
  for (;;) {
    port = /Server listening at http:\/\/[^\s"]+:(\d+)/.exec(output)?.[1]
    if (port) break
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'the server answers')
  const pid = Number(/"pid":(\d+)/.exec(output)?.[1])
  t.ok(pid > 0, `the server logs its pid (${pid}); npm is ${child.pid}`)
  child.kill('SIGTERM')
  await exited
  // The server itself is gone, not just npm.
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0)
    } catch {
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  t.throws(() => process.kill(pid, 0), 'the node server has exited too')
  t.equal(await fetch(`http://127.0.0.1:${port}/readyz`).then(() => 'answered', () => 'refused'), 'refused', 'and no longer answers')
})
