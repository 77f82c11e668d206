import fp from 'fastify-plugin'
import { openDatabase, type Db } from '../db/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

/** The data layer as a named decorator; the database closes with the app. */
export default fp(async function dbPlugin (fastify) {
  const db = openDatabase(fastify.config.databasePath)
  fastify.decorate('db', db)
  fastify.addHook('onClose', async () => {
    db.$client.close()
  })
}, { name: 'db', dependencies: ['config'] })
