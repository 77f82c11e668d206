/**
 * One place where every content write is announced after it commits, so that caches
 * and notifications follow without each route knowing about them.
 *
 * Writes this process did not make are noticed too: before anything else, each request
 * asks SQLite whether another connection (another worker, the CLI, a shell) has
 * committed since the last request, and if so announces an unknown change, which
 * forgets every cached count, summary and response.
 */
import fp from 'fastify-plugin'
import type { Touched } from '../articles/mutations.js'
import { otherWrites } from '../db/client.js'
import { invalidateCounts } from '../db/count-cache.js'
import { forgetSummaries } from '../db/summaries.js'

export type Change = Partial<Touched> & { commentIds?: number[], keyIds?: number[] }
type Listener = (change: Change) => void

declare module 'fastify' {
  interface FastifyInstance {
    contentChanged: (change: Change) => void
    onContentChange: (listener: Listener) => void
  }
}

export default fp(async function changesPlugin (fastify) {
  const listeners: Listener[] = []
  function announce (change: Change) {
    invalidateCounts(fastify.db)
    for (const listener of listeners) listener(change)
  }
  fastify.decorate('onContentChange', (listener: Listener) => { listeners.push(listener) })
  fastify.decorate('contentChanged', announce)

  const writtenElsewhere = otherWrites(fastify.db)
  fastify.addHook('onRequest', function followOtherWrites (_request, _reply, done) {
    if (writtenElsewhere()) {
      // What changed is unknown: summaries too (this process forgets them only after its own writes).
      forgetSummaries(fastify.db)
      announce({})
    }
    done()
  })
}, { name: 'changes', dependencies: ['db'] })
