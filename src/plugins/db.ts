import fp from 'fastify-plugin'
import { openDatabase, statisticsSamples, type Db } from '../db/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

/** The data layer as a named decorator; the database closes with the app. */
export default fp(async function dbPlugin (fastify) {
  const db = openDatabase(fastify.config.databasePath)
  const samples = statisticsSamples(db)
  if (samples > 0) {
    fastify.log.warn({ samples }, 'sqlite_stat4 holds ANALYZE samples: SQLite then prepares list statements again on every request (README, Performance). Run DELETE FROM sqlite_stat4 to remove them.')
  }
  fastify.decorate('db', db)
  fastify.addHook('onClose', async () => {
    db.$client.close()
  })
}, { name: 'db', dependencies: ['config'] })
