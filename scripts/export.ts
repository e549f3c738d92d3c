// npm run export -- URL-or-path [--format csv|ndjson] [--token TOKEN] [--url BASE] [--out FILE] [--header en|zh] [--time-zone UTC|Asia/Shanghai]
// Saves any list's export (every matching row, streamed) from a running registry to a file, with a
// progress line (rows, MB, rows/s), then prints the provenance an auditor keeps with the file: the
// knownAt used, the audit chain head, the URL that reproduces it and the file's SHA-256.
// A path (/v1/revocations?countyCode=371402) is resolved against --url (or REGISTRY_URL, default
// http://127.0.0.1:3000); the token comes from --token or REGISTRY_TOKEN.
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'

class Usage extends Error {}

const USAGE = 'usage: npm run export -- URL-or-path [--format csv|ndjson] [--token TOKEN] [--url BASE] [--out FILE] [--header en|zh] [--time-zone UTC|Asia/Shanghai]'

/** The file name from Content-Disposition: the UTF-8 `filename*` when present, else `filename`. */
export function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star) return decodeURIComponent(star[1]!)
  return /filename="([^"]+)"/i.exec(disposition)?.[1]
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'csv' },
      token: { type: 'string' },
      url: { type: 'string' },
      out: { type: 'string' },
      header: { type: 'string' },
      'time-zone': { type: 'string' },
    },
  })
  const target = positionals[0]
  if (!target) throw new Usage(USAGE)
  const format = values.format!
  if (format !== 'csv' && format !== 'ndjson') throw new Usage('--format must be csv or ndjson')
  const token = values.token ?? process.env.REGISTRY_TOKEN
  if (!token) throw new Usage('--token (or REGISTRY_TOKEN) is needed: a token with registry:read')
  const url = new URL(target, values.url ?? process.env.REGISTRY_URL ?? 'http://127.0.0.1:3000')
  url.searchParams.set('format', format)
  if (values.header) url.searchParams.set('header', values.header)
  if (values['time-zone']) url.searchParams.set('timeZone', values['time-zone'])

  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' } })
  if (!res.ok || !res.body) {
    const text = await res.text()
    let detail = text
    try {
      detail = JSON.parse(text).detail ?? text
    } catch {}
    throw new Error(`${res.status} ${res.statusText}: ${detail}`)
  }
  const out = values.out ?? fileNameOf(res.headers.get('content-disposition')) ?? `export.${format}`
  const file = createWriteStream(out)
  const hash = createHash('sha256')
  const bar = new cliProgress.SingleBar(
    { format: '{rows} rows | {mb} MB | {speed} rows/s | {duration_formatted}', hideCursor: true, noTTYOutput: false, fps: 5 },
    cliProgress.Presets.shades_classic,
  )
  const started = Date.now()
  let rows = 0
  let bytes = 0
  bar.start(0, 0, { rows: 0, mb: '0.0', speed: 0 })
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (const b of chunk) if (b === 10) rows++
    bytes += chunk.length
    hash.update(chunk)
    if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()))
    const seconds = (Date.now() - started) / 1000
    bar.update(0, { rows, mb: (bytes / 1e6).toFixed(1), speed: seconds > 0 ? Math.round(rows / seconds) : 0 })
  }
  await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())))
  bar.stop()
  // CSV: the header row is not a data row.
  const dataRows = format === 'csv' ? Math.max(0, rows - 1) : rows
  const location = res.headers.get('content-location')
  console.log(`saved ${out}: ${dataRows} rows, ${bytes} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  console.log(`sha256            ${hash.digest('hex')}`)
  console.log(`known at          ${res.headers.get('registry-known-at') ?? '-'}`)
  console.log(`audit chain head  ${res.headers.get('registry-audit-head') ?? '-'}`)
  if (location) console.log(`reproduce with    ${new URL(location, url).toString()}`)
  if (res.headers.get('registry-snapshot') === 'provisional') console.log('note: provisional snapshot (knownAt within the settle window, or a list without knownAt)')
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(e instanceof Usage ? 2 : 1)
})
