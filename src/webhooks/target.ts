/**
 * Webhook targets must not reach into our own network (SSRF): URLs whose host resolves
 * to a private, loopback, link-local or otherwise internal address are refused, at
 * subscription and at every delivery, unless WEBHOOK_ALLOW_PRIVATE=true.
 *
 * A delivery checks the address its socket connects to (`guardedLookup`), not one looked
 * up beforehand: a DNS answer can change between a check and the connection (DNS
 * rebinding), so a second, separate look-up would prove nothing.
 */
import dns, { type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP } from 'node:net'
import { StringDecoder } from 'node:string_decoder'

const internal = new BlockList()
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) internal.addSubnet(net, prefix, 'ipv4')
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked by BlockList against the IPv4
// rules. The other ways IPv6 embeds an IPv4 address (IPv4-compatible ::a.b.c.d, SIIT's
// ::ffff:0:a.b.c.d, NAT64, 6to4, Teredo) are refused whole, as are site-local, unique-local,
// link-local, multicast, discard and documentation addresses.
for (const [net, prefix] of [['::', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16],
  ['2001::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) internal.addSubnet(net, prefix, 'ipv6')

export class TargetRefused extends Error {}

function refuseInternal (address: string, family: number): void {
  if (internal.check(address, family === 6 ? 'ipv6' : 'ipv4')) {
    throw new TargetRefused(`resolves to an internal address (${address}); set WEBHOOK_ALLOW_PRIVATE=true to allow`)
  }
}

/** The URL, if it is one a webhook may have (http(s), no credentials). */
function targetUrl (raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new TargetRefused('is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('must be an http(s) URL')
  if (url.username || url.password) throw new TargetRefused('must not carry credentials')
  return url
}

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '')

/** Resolves the URL's host and refuses internal addresses unless allowed (at subscription). */
export async function checkTarget (raw: string, allowPrivate: boolean): Promise<void> {
  const url = targetUrl(raw)
  if (allowPrivate) return
  const host = bareHost(url)
  let addresses: { address: string, family: number }[]
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dns.promises.lookup(host, { all: true, verbatim: true })
  } catch {
    throw new TargetRefused(`host ${host} does not resolve`)
  }
  for (const { address, family } of addresses) refuseInternal(address, family)
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** The socket's own DNS look-up, refusing the connection if any answer is internal. */
function guardedLookup (hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, [])
    try {
      for (const { address, family } of addresses) refuseInternal(address, family)
    } catch (refused) {
      return callback(refused as Error, [])
    }
    if (options.all) callback(null, addresses)
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}

export interface Answer { status: number, response: string }

/**
 * POSTs `body` to a webhook's URL and reads at most `keep` bytes of the answer (the
 * connection is dropped after them: a receiver cannot make us hold a large answer).
 * Redirects are not followed. `signal` bounds the whole exchange.
 */
export function postTo (raw: string, body: string, headers: Record<string, string>, options: { allowPrivate: boolean, signal: AbortSignal, keep: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = targetUrl(raw)
    const host = bareHost(url)
    // An IP literal is connected to without a look-up; check it here.
    if (!options.allowPrivate && isIP(host)) refuseInternal(host, isIP(host))
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    let answered = false
    let status = 0
    const request = send(url, {
      method: 'POST',
      agent: false,
      signal: options.signal,
      lookup: options.allowPrivate ? undefined : guardedLookup,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }
    }, (res: IncomingMessage) => {
      answered = true
      status = res.statusCode ?? 0
      const decoder = new StringDecoder('utf8')
      let response = ''
      let kept = 0
      const done = () => {
        res.destroy()
        resolve({ status: res.statusCode ?? 0, response })
      }
      res.on('data', (chunk: Buffer) => {
        const part = chunk.subarray(0, options.keep - kept)
        kept += part.length
        // The decoder holds back a character cut at the end, so the text stays whole.
        response += decoder.write(part)
        if (kept >= options.keep) done()
      })
      res.on('end', done)
      // Cut off mid-answer: its status and what came of its body stand.
      res.on('close', done)
      res.on('error', done)
    })
    // A 101 answers on `upgrade`, never `response`: take its status and drop the socket.
    request.on('upgrade', (res: IncomingMessage, socket) => {
      answered = true
      socket.destroy()
      resolve({ status: res.statusCode ?? 0, response: '' })
    })
    // Anything else that ends the exchange without an answer or an error.
    request.on('close', () => { if (!answered) reject(new Error('the connection closed without an answer')) })
    // Stopped (a timeout, the server closing) after the status line: that was the answer.
    request.on('error', (err) => answered ? resolve({ status, response: '' }) : reject(err))
    request.end(body)
  })
}
