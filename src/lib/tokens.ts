import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A new API token: 32 random bytes, base64url, with a recognisable prefix. */
export function newToken (): string {
  return `bs_${randomBytes(32).toString('base64url')}`
}

/** Tokens are stored only as their SHA-256 (they are random, so no salt or KDF is needed). */
export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function sameHash (a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** What a key list shows instead of the token. */
export function tokenPrefix (token: string): string {
  return token.slice(0, 7)
}
