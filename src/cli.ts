/**
 * Command line: `npm run --silent cli -- keys create --role ROLE --name NAME [--author ID]`,
 * `keys list`, `keys revoke ID`, `articles repair-links`, `articles rerender`. Honours
 * DATABASE_PATH (and IFRAME_HOSTS for `rerender`); the new
 * token is alone on the last line of stdout.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { DatabaseOpenError, openDatabase } from './db/client.js'
import { allKeys, createKey, revokeKey } from './keys/queries.js'
import { repairLinkCopies, rerenderBodies } from './articles/mutations.js'

const USAGE = `usage:
  cli keys create --role admin|editor|author --name NAME [--author AUTHOR_ID]
  cli keys list
  cli keys revoke KEY_ID
  cli articles repair-links   (after links were edited outside the API: rewrite each article's copy of its category and tag ids)
  cli articles rerender       (after IFRAME_HOSTS changed or the renderer was upgraded: render every stored body again)`

function fail (message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`)
  process.exit(2)
}

/** The database DATABASE_PATH names; a bad setting or a file that is not a database is one line and exit 1, as for the server. */
function open () {
  try {
    return openDatabase(loadConfig().databasePath)
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`broadsheet: invalid configuration: ${err.message}\n`)
    else if (err instanceof DatabaseOpenError) process.stderr.write(`broadsheet: cannot open DATABASE_PATH "${err.path}": ${err.message}\n`)
    else throw err
    process.exit(1)
  }
}

function main (argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, author: { type: 'string' } }
  })
  const [group, command, arg] = positionals
  if (group !== 'keys' && group !== 'articles') fail(`unknown command "${group ?? ''}"`)
  if (group === 'articles' && command !== 'repair-links' && command !== 'rerender') fail(`unknown articles command "${command ?? ''}"`)
  const db = open()
  try {
    switch (group === 'articles' ? `articles ${command}` : command) {
      case 'articles repair-links':
        process.stdout.write(`repaired the link copies of ${repairLinkCopies(db)} articles\n`)
        break
      case 'articles rerender': {
        // The hosts of this shell's IFRAME_HOSTS, which should be the server's.
        const { iframeHosts } = loadConfig()
        process.stdout.write(`IFRAME_HOSTS: ${iframeHosts.length ? iframeHosts.join(', ') : 'none (iframes are dropped)'}\n`)
        const { rerendered, unchanged, refused, skipped } = rerenderBodies(db, { iframeHosts })
        process.stdout.write(`rendered ${rerendered + unchanged + refused.length} article bodies again: ${rerendered} changed, ${unchanged} unchanged\n`)
        for (const { id, reason } of refused) process.stdout.write(`article ${id}: its body ${reason}, so its HTML is now its plain text; edit its body\n`)
        if (skipped.length) process.stdout.write(`articles ${skipped.join(', ')}: changed by other writes on each try, not rendered again; run the command again\n`)
        if (refused.length || skipped.length) process.exitCode = 1
        break
      }
      case 'create': {
        const role = values.role
        if (role !== 'admin' && role !== 'editor' && role !== 'author') fail('--role must be admin, editor or author')
        if (!values.name) fail('--name is required')
        const authorId = values.author === undefined ? undefined : Number(values.author)
        if (authorId !== undefined && !Number.isSafeInteger(authorId)) fail('--author must be an author id')
        const key = createKey(db, { name: values.name, role, authorId })
        process.stdout.write(`created ${key.role} key ${key.id} "${key.name}" (shown once):\n${key.token}\n`)
        break
      }
      case 'list':
        for (const key of allKeys(db)) {
          process.stdout.write(`${key.id}\t${key.role}\t${key.authorId ?? '-'}\t${key.tokenPrefix}…\t${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}\t${key.name}\n`)
        }
        break
      case 'revoke': {
        const id = Number(arg)
        if (!Number.isSafeInteger(id) || id < 1) fail('revoke needs a key id')
        if (!revokeKey(db, id)) fail(`no active key ${id}`)
        process.stdout.write(`revoked key ${id}\n`)
        break
      }
      default:
        fail(`unknown keys command "${command ?? ''}"`)
    }
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err))
  } finally {
    db.$client.close()
  }
}

main(process.argv.slice(2))
