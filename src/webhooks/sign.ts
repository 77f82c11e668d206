import { createHmac } from 'node:crypto'

/** `Broadsheet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (verify in constant time, reject old t). */
export function signature (secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${v1}`
}
