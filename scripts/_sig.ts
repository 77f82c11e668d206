import { spawn } from 'node:child_process'
import { once } from 'node:events'
const child = spawn(process.execPath, ['--import', '/tmp/dump.mjs', 'dist/server.js'], { env: { ...process.env, HOST: '127.0.0.1', PORT: '34595', DATABASE_PATH: '/tmp/st6/x.db', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] })
const base = 'http://127.0.0.1:34595'
for (let i = 0; i < 100; i++) { try { if ((await fetch(base + '/health/ready')).ok) break } catch {} await new Promise(r => setTimeout(r, 100)) }
const inFlight = Array.from({ length: 20 }, () => fetch(`${base}/v1/articles?perPage=50&fields=body`).then((r) => r.status, (e) => 'err ' + e.message))
await new Promise((r) => setTimeout(r, 5))
const t0 = Date.now()
child.kill('SIGTERM')
console.log((await Promise.all(inFlight)).join(' '))
const [code, sig] = await once(child, 'exit')
console.log('exit', code, sig, Date.now() - t0, 'ms')
