import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { invalidateCounts } from '../src/db/count-cache.js'
const app = await buildApp(testConfig({ databasePath: '/tmp/s.db', responseCacheBytes: 0 }))
for (const url of ['/v1/articles?q=harbour', '/v1/articles?q=harbour%20counc', '/v1/articles?q=1234', '/v1/articles?q=harbour%20c', '/v1/articles?q=h']) {
  const cold: number[] = []; const warm: number[] = []
  for (let i = 0; i < 10; i++) {
    invalidateCounts(app.db)
    let s = performance.now(); const r = await app.inject({ url }); cold.push(performance.now() - s)
    s = performance.now(); await app.inject({ url }); warm.push(performance.now() - s)
    if (r.statusCode !== 200) console.log(r.statusCode, r.body)
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2)
  console.log(url, 'cold', med(cold), 'warm', med(warm))
}
await app.close()
