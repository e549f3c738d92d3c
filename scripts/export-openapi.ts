// npm run openapi — writes the OpenAPI document generated from the routes to openapi/openapi.json.
// test/contract/openapi.test.ts fails when the committed file differs from what the routes generate.
import { mkdirSync, writeFileSync } from 'node:fs'
import { generateOpenApi } from '../test/helpers/openapi.ts'

const document = await generateOpenApi()
mkdirSync('openapi', { recursive: true })
writeFileSync('openapi/openapi.json', `${JSON.stringify(document, null, 2)}\n`)
console.log(`openapi/openapi.json written (${Object.keys((document as { paths: object }).paths).length} paths)`)
