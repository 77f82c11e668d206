/**
 * The part of autocannon's programmatic API the bench uses (the package ships no types).
 * https://github.com/mcollina/autocannon#api
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | null
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
  }

  interface AutocannonOptions {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    pipelining?: number
    requests?: AutocannonRequest[]
    headers?: Record<string, string>
  }

  interface AutocannonResult {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
    start: Date
    finish: Date
  }

  interface AutocannonInstance extends EventEmitter, PromiseLike<AutocannonResult> {
    stop (): void
  }

  function autocannon (opts: AutocannonOptions): AutocannonInstance
  export default autocannon
}
