/**
 * Starts Broadsheet: validates the configuration, builds the app, loads the demo content
 * into an empty database, listens. On SIGTERM/SIGINT it stops accepting connections,
 * lets requests in flight finish, closes the database and exits 0.
 *
 * With WORKERS above 1 this process becomes the primary of that many such servers
 * (cluster.ts), and each worker runs the code below.
 */
import cluster from 'node:cluster'
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { runPrimary, SHUTDOWN, workerConfig, workerSlot } from './cluster.js'
import { DatabaseOpenError } from './db/client.js'

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

try {
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config)
  } else {
    await serve(workerSlot())
  }
} catch (err) {
  // A folder in the way, no permission, not a database: one line, not a stack.
  if (!(err instanceof DatabaseOpenError)) throw err
  process.stderr.write(`broadsheet: cannot open DATABASE_PATH "${config.databasePath}": ${err.message}\n`)
  process.exit(1)
}

async function serve (slot: number) {
  // A worker may be told to stop while it is still starting: remember it until it listens.
  let listening = false
  let stopAsked = false
  if (slot) {
    process.on('message', (message) => {
      if (message !== SHUTDOWN) return
      stopAsked = true
      if (listening) void closer.close()
    })
  }

  // Loaded here, not at the top: a primary never serves, and without the app, its plugins
  // and the Markdown renderer its resident memory at start is ~26 MB smaller (94 → 68 MB
  // with WORKERS=2 on the bench dataset).
  const { buildApp } = await import('./app.js')
  const app = await buildApp(slot ? workerConfig(config, slot) : config)

  if (config.demoContent && !slot) {
    const { loadDemoContent } = await import('./demo/load.js')
    const loaded = loadDemoContent(app.db, config)
    if (loaded) app.log.info(loaded, 'loaded demo content')
  }

  let closing: Promise<void> | undefined
  const closer = closeWithGrace({ delay: config.shutdownGraceMs }, function shutdown ({ signal, err }) {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    // A worker may hear both the terminal's Ctrl-C and its primary's message: close once.
    closing ??= app.close()
    return closing
  })

  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    app.log.error({ err }, 'could not listen')
    process.exit(1)
  }
  listening = true
  if (stopAsked) void closer.close()
}
