/**
 * For the tests, scripts and benchmarks that run the real server as its own process:
 * a free port to give it, and a wait until it answers.
 */
import { createServer } from 'node:net'

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Called before every try; throws when the process being waited for has died. */
  alive?: () => void
}

/** Polls `url` until it answers 200; the error names the last answer or failure. */
export async function waitForOk (url: string, { timeoutMs = 60_000, intervalMs = 100, alive }: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    alive?.()
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (response.status === 200) return
      last = `status ${response.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (${last})`)
}
