/**
 * Webhook targets must not reach into our own network (SSRF): URLs whose host resolves
 * to a private, loopback, link-local or otherwise internal address are refused, at
 * subscription and again before every delivery (a DNS answer can change), unless
 * WEBHOOK_ALLOW_PRIVATE=true.
 */
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

const internal = new BlockList()
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) internal.addSubnet(net, prefix, 'ipv4')
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked by BlockList against the IPv4 rules.
for (const [net, prefix] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) internal.addSubnet(net, prefix, 'ipv6')

export class TargetRefused extends Error {}

/** Resolves the URL's host and refuses internal addresses unless allowed. */
export async function checkTarget (raw: string, allowPrivate: boolean): Promise<void> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new TargetRefused('is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('must be an http(s) URL')
  if (url.username || url.password) throw new TargetRefused('must not carry credentials')
  if (allowPrivate) return
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: { address: string, family: number }[]
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true })
  } catch {
    throw new TargetRefused(`host ${host} does not resolve`)
  }
  for (const { address, family } of addresses) {
    if (internal.check(address, family === 6 ? 'ipv6' : 'ipv4')) {
      throw new TargetRefused(`resolves to an internal address (${address}); set WEBHOOK_ALLOW_PRIVATE=true to allow`)
    }
  }
}
