/** `npm run openapi`: writes the OpenAPI document generated from the routes to openapi/openapi.json. */
import { writeFileSync } from 'node:fs'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'

export async function generateOpenApi (): Promise<string> {
  const app = await buildApp(testConfig())
  try {
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL('../openapi/openapi.json', import.meta.url)
  writeFileSync(target, await generateOpenApi())
  process.stdout.write(`wrote ${target.pathname}\n`)
}
