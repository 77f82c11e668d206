/**
 * Starts Broadsheet: validates the configuration, builds the app, loads the demo content
 * into an empty database, listens. On SIGTERM/SIGINT it stops accepting connections,
 * lets requests in flight finish, closes the database and exits 0.
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { loadDemoContent } from './demo/load.js'

let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`broadsheet: invalid configuration: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}

const app = await buildApp(config)

if (config.demoContent) {
  const loaded = loadDemoContent(app.db, config)
  if (loaded) app.log.info(loaded, 'loaded demo content')
}

closeWithGrace({ delay: config.shutdownGraceMs }, async function shutdown ({ signal, err }) {
  if (err) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

try {
  await app.listen({ host: config.host, port: config.port })
} catch (err) {
  app.log.error({ err }, 'could not listen')
  process.exit(1)
}
