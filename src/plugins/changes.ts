/**
 * One place where every content write is announced after it commits, so that caches
 * and notifications follow without each route knowing about them.
 */
import fp from 'fastify-plugin'
import type { Touched } from '../articles/mutations.js'
import { invalidateCounts } from '../db/count-cache.js'

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
  fastify.decorate('onContentChange', (listener: Listener) => { listeners.push(listener) })
  fastify.decorate('contentChanged', (change: Change) => {
    invalidateCounts(fastify.db)
    for (const listener of listeners) listener(change)
  })
}, { name: 'changes', dependencies: ['db'] })
