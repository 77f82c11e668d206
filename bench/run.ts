/**
 * `npm run bench`: builds, generates (or reuses) a dataset, starts the built server and a
 * bare-Fastify ceiling as their own processes, drives each with autocannon from a third
 * process, and reports requests/s, p50/p99 latency, the ratio to the ceiling and the
 * server's memory. See bench/README.md for the modes and options.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ensureDataset, removeDatabase, scratchCopy, type Dataset } from './dataset.js'
import { Loader, RESULTS_DIR, build, cpuTimeMs, log, memoryOf, sampleRss, startCeiling, startServer, stop, stopAll, type Service } from './harness.js'
import { checkSample, probe, scenarios, soakMix, type Probe, type Scenario } from './scenarios.js'
import { machine, machineLine, ms, ratioOf, standardTable, writeResults, type Measured } from './report.js'
import { hotTable, monotonicUs, type Window } from './profile.js'
import type { LoadSummary } from './load.js'

const { values: args } = parseArgs({
  options: {
    articles: { type: 'string', default: '100000' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    cache: { type: 'boolean', default: false },
    scale: { type: 'boolean', default: false },
    huge: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    only: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false }
  }
})

const USAGE = `npm run bench -- [options]
  --articles N      dataset size (default 100000)
  --duration S      measured seconds per scenario (default 10; --scale 5; --soak 60)
  --warmup S        warm-up seconds before each (default 2; --soak 10)
  --connections C   concurrent connections (default 32; --soak 64)
  --cache           RESPONSE_CACHE_MB=64 instead of 0
  --scale [--huge]  p50 of every read scenario at 1k, 10k, 100k (and 1M) articles
  --soak            mixed reads and writes; errors, p99 and RSS growth
  --only a,b        only these scenario keys (with the ceilings they are compared to)
  --cpu-prof        run the server under --cpu-prof and report its hottest functions
  --workers N       WORKERS=N server processes (default 1, as npm start); over 1, the
                    table goes to bench/results/workers.md, CPU and RSS are summed
  --skip-build      use dist/ as it is
  --fresh           regenerate the dataset even if cached`

function positive (raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`)
  return value
}

const mode = args.soak ? 'soak' : args.scale ? 'scale' : 'standard'
const settings = {
  mode,
  articles: Math.round(positive(args.articles, 100_000, 'articles')),
  seconds: positive(args.duration, mode === 'soak' ? 60 : mode === 'scale' ? 5 : 10, 'duration'),
  warmupSeconds: args.warmup === '0' ? 0 : positive(args.warmup, mode === 'soak' ? 10 : 2, 'warmup'),
  connections: Math.round(positive(args.connections, mode === 'soak' ? 64 : 32, 'connections')),
  responseCacheMb: args.cache ? 64 : 0,
  cpuProf: args['cpu-prof'],
  workers: Math.round(positive(args.workers, 1, 'workers'))
}
if (settings.workers > 1 && settings.cpuProf) throw new Error('--cpu-prof profiles one server process: use it without --workers')
const token = randomBytes(32).toString('base64url')
const runTag = randomBytes(4).toString('hex')
const scratchFiles: string[] = []
/** When the server was being measured, to keep only those samples of a CPU profile. */
const serverWindows: Window[] = []
let loader: Loader | null = null

async function prepare (articles: number): Promise<Dataset> {
  const [buildSeconds, dataset] = await Promise.all([
    args['skip-build'] ? Promise.resolve(undefined) : build(),
    ensureDataset(articles, args.fresh)
  ])
  reportBuild(buildSeconds)
  return dataset
}

function reportBuild (seconds: number | null | undefined) {
  if (seconds === undefined) log('build skipped (--skip-build)')
  else if (seconds === null) log('dist/ is newer than every file of src/: build skipped')
  else log(`built dist/ in ${seconds.toFixed(1)} s`)
}

async function serve (dataset: Dataset, logName: string): Promise<Service> {
  const copyStarted = performance.now()
  const scratch = scratchCopy(dataset, logName)
  scratchFiles.push(scratch)
  log(`copied the dataset to ${scratch} in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s`)
  const server = await startServer({ databasePath: scratch, token, cacheMb: settings.responseCacheMb, cpuProf: settings.cpuProf, workers: settings.workers, logName })
  log(`server ready at ${server.origin} (pid ${server.pid}, ${dataset.articles.toLocaleString('en')} articles, RESPONSE_CACHE_MB=${settings.responseCacheMb}, WORKERS=${settings.workers})`)
  return server
}

async function measure (scenario: Scenario, service: Service, seconds = settings.seconds): Promise<Measured> {
  const sample = await checkSample(service, scenario.requests)
  const problemsBefore = service.problems.length
  const rss = sampleRss(service.pid)
  let measuredFrom = 0
  let cpuFrom: number | null = null
  let loaderFrom: number | null = null
  const load = loader ??= new Loader()
  const loaderCpu = () => load.pid === undefined ? null : cpuTimeMs(load.pid)
  const summary = await load.run({
    origin: service.origin,
    connections: args.connections === undefined ? (scenario.connections ?? settings.connections) : settings.connections,
    warmupSeconds: settings.warmupSeconds,
    seconds,
    requests: scenario.requests
  }, (phase) => {
    if (phase !== 'measure') return
    measuredFrom = monotonicUs()
    cpuFrom = cpuTimeMs(service.pid)
    loaderFrom = loaderCpu()
  })
  const cpuTo = cpuTimeMs(service.pid)
  const loaderTo = loaderCpu()
  const measuredUs = monotonicUs() - measuredFrom
  const { peak } = rss.stop()
  if (scenario.target === 'server') serverWindows.push([measuredFrom, measuredFrom + measuredUs])
  const cpuMs = cpuFrom === null || cpuTo === null ? null : cpuTo - cpuFrom
  const row: Measured = {
    scenario,
    summary,
    sample,
    peakRssMb: peak,
    serverProblems: service.problems.length - problemsBefore,
    cpu: cpuMs === null ? null : { msPerRequest: summary.requests ? cpuMs / summary.requests : 0, share: cpuMs / (measuredUs / 1000) },
    loaderCpuShare: loaderFrom === null || loaderTo === null ? null : (loaderTo - loaderFrom) / (measuredUs / 1000)
  }
  log(`${scenario.name}: ${Math.round(summary.rps)} req/s, p50 ${ms(summary.latencyMs.p50)} ms, p99 ${ms(summary.latencyMs.p99)} ms` +
    `${row.cpu ? `, ${ms(row.cpu.msPerRequest)} CPU ms/req at ${(row.cpu.share * 100).toFixed(0)}% of a core` : ''}` +
    `${row.loaderCpuShare === null ? '' : ` (load generator ${(row.loaderCpuShare * 100).toFixed(0)}%)`}` +
    `${summary.unexpected ? `, ${summary.unexpected} unexpected statuses ${JSON.stringify(summary.statuses)}` : ''}` +
    `${summary.errors ? `, ${summary.errors} socket errors` : ''}${sample.startsWith('ok') ? '' : `, sample ${sample}`}`)
  return row
}

/** Stops the server gracefully (a --cpu-prof profile is written on exit) and returns its profile table, if any. */
async function finish (server: Service): Promise<string | null> {
  const profiles = join(RESULTS_DIR, 'profiles')
  const before = new Set(existsSync(profiles) ? readdirSync(profiles) : [])
  await stop(server.entry, 30_000)
  if (!settings.cpuProf || !existsSync(profiles)) return null
  const fresh = readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(profiles, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  return fresh.length ? hotTable(fresh[0], 25, serverWindows.splice(0)) : null
}

function problemsSection (server: Service, found: Probe | null, more: string[] = []): string {
  const lines = [...(found?.findings ?? []).map((f) => `- probe: ${f}`), ...more.map((m) => `- ${m}`)]
  if (server.problems.length) {
    lines.push(`- the server logged ${server.problems.length} warnings/errors; the first:`)
    for (const line of server.problems.slice(0, 5)) lines.push(`  - \`${line.replaceAll('`', "'")}\``)
  }
  return lines.length ? `\n**Problems seen**\n\n${lines.join('\n')}\n` : '\nNo problems seen: every sample check passed, every response had the expected status, the server logged no warnings or errors.\n'
}

/** Seconds of the measured run in which not one response arrived: the server was stuck. */
function stalls (perSecond: number[]): string[] {
  const idle = perSecond.flatMap((n, second) => n === 0 ? [second + 1] : [])
  return idle.length ? [`no response at all in ${idle.length} of ${perSecond.length} seconds (second ${idle.join(', ')} of the measured run): the server's event loop was blocked or starved`] : []
}

/** Lines for the problems section: failed samples, wrong statuses, requests that got no answer. */
function loadProblems (name: string, summary: LoadSummary, sample = 'ok'): string[] {
  const out: string[] = []
  if (!sample.startsWith('ok')) out.push(`${name}: sample check ${sample}`)
  if (summary.unexpected) out.push(`${name}: ${summary.unexpected} responses with an unexpected status (${JSON.stringify(summary.statuses)})`)
  if (summary.errors) {
    const slow = summary.slowest.slice(0, 3).map((r) => `${ms(r.ms)} ms ${r.method} ${r.path.slice(0, 50)} → ${r.status}`).join(', ')
    out.push(`${name}: ${summary.errors} requests got no response (${summary.timeouts} of them timed out after 10 s); slowest answered: ${slow}`)
  }
  return out
}

async function standard () {
  loader = new Loader()
  const dataset = await prepare(settings.articles)
  const server = await serve(dataset, 'server')
  const found = await probe(server, dataset, token)
  const fixtureDir = mkdtempSync(join(tmpdir(), 'broadsheet-bench-'))
  let ceiling: Service
  try {
    const fixturePath = join(fixtureDir, 'ceiling.json')
    writeFileSync(fixturePath, JSON.stringify(found.fixture))
    ceiling = await startCeiling(fixturePath)
  } finally {
    // The ceiling has read its fixture by the time it answers /health/ready.
    rmSync(fixtureDir, { recursive: true, force: true })
  }
  log(`ceiling ready at ${ceiling.origin} (pid ${ceiling.pid})`)

  let list = scenarios(dataset, found, runTag)
  if (args.only) {
    const wanted = new Set(args.only.split(','))
    const ceilings = new Set(list.filter((s) => wanted.has(s.key)).map((s) => s.ceiling?.kind))
    const keep = (s: Scenario) => wanted.has(s.key) ||
      (s.key === 'ceiling-latest' && ceilings.has('latest')) || (s.key === 'ceiling-article' && ceilings.has('article')) ||
      (s.key === 'ceiling-304' && ceilings.has('notModified'))
    list = list.filter(keep)
  }
  const started = performance.now()
  const rows: Measured[] = []
  for (const scenario of list) rows.push(await measure(scenario, scenario.target === 'server' ? server : ceiling))
  const serverMemory = memoryOf(server.pid)
  const ceilingMemory = memoryOf(ceiling.pid)
  const profile = await finish(server)

  const m = machine()
  const table = standardTable(rows)
  const markdown = [
    `# Broadsheet bench, ${dataset.articles.toLocaleString('en')} articles${settings.responseCacheMb ? ', response cache on' : ''}${settings.workers > 1 ? `, ${settings.workers} workers` : ''}`,
    '',
    machineLine(m),
    `Dataset: ${dataset.articles.toLocaleString('en')} articles, ${dataset.sizes.authors} authors, ${dataset.sizes.categories} categories, ${dataset.sizes.tags} tags, ${(dataset.articles * dataset.sizes.commentsPerArticle).toLocaleString('en')} comments (${dataset.megabytes.toFixed(0)} MB file).`,
    `Load: autocannon in its own process, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up then ${settings.seconds} s per scenario; RESPONSE_CACHE_MB=${settings.responseCacheMb}; WORKERS=${settings.workers}${settings.workers > 1 ? ' (CPU and RSS are summed over the primary and its workers)' : ''}; server and ceiling on 127.0.0.1.`,
    '',
    table,
    '',
    `Server peak RSS over the run (VmHWM): ${serverMemory?.hwm.toFixed(0) ?? '?'} MB; ceiling: ${ceilingMemory?.hwm.toFixed(0) ?? '?'} MB. ` +
      '"same bytes": the ceiling replays this exact response; "vs latest-20 ceiling": another page of 20 list items, as large as the latest list the ceiling replays; "vs article ceiling": the nearest bare-Fastify figure, for scale only. ' +
      'CPU ms/req: the process\'s own CPU time (user + system) per request during the measured run; CPU used: that time as a share of one core (the server is one thread plus libuv and GC helpers: under 100% while saturated means it waited for a CPU others held). ' +
      'Load generator CPU: autocannon\'s share of one core; near 100% it, not the process measured, set the rate (the ceilings). ' +
      'Unexpected status: responses whose status differs from what a correct server answers (200, 201 for creates, 304 for revalidation). ' +
      'Sample: three requests of the scenario checked one by one before the load.',
    problemsSection(server, found, rows.flatMap((row) => loadProblems(row.scenario.name, row.summary, row.sample))),
    ...(profile ? ['', '## Server CPU profile under load', '', profile] : [])
  ].join('\n')
  process.stdout.write(markdown + '\n')
  // A profiled server is slower: its figures go to profile.md, never over latest.md.
  const written = writeResults(settings.cpuProf ? 'profile' : settings.workers > 1 ? 'workers' : 'latest', markdown, {
    machine: m,
    settings: { ...settings, editorRole: found.editorRole },
    dataset: { articles: dataset.articles, sizes: dataset.sizes, megabytes: dataset.megabytes },
    server: { peakRssMb: serverMemory?.hwm ?? null, loggedProblems: server.problems.slice(0, 50) },
    ceiling: { peakRssMb: ceilingMemory?.hwm ?? null },
    findings: found.findings,
    measuredSeconds: (performance.now() - started) / 1000,
    scenarios: rows.map((row) => ({
      key: row.scenario.key,
      name: row.scenario.name,
      target: row.scenario.target,
      examplePath: row.scenario.requests[0].path,
      distinctRequests: row.scenario.requests.length,
      ratioToCeiling: ratioOf(row, rows),
      sample: row.sample,
      peakRssMb: row.peakRssMb,
      serverProblems: row.serverProblems,
      cpu: row.cpu,
      loaderCpuShare: row.loaderCpuShare,
      ...row.summary
    }))
  })
  log(`JSON: ${written.json}`)
}

async function scale () {
  const sizes = [1_000, 10_000, 100_000, ...(args.huge ? [1_000_000] : [])]
  const datasets: Dataset[] = []
  // One build; datasets one after another (each uses a whole core).
  const built = args['skip-build'] ? Promise.resolve(undefined) : build()
  for (const size of sizes) datasets.push(await ensureDataset(size, args.fresh))
  reportBuild(await built)
  const results: Array<{ articles: number, rows: Measured[] }> = []
  for (const dataset of datasets) {
    const server = await serve(dataset, `server-${dataset.articles}`)
    const found = await probe(server, dataset, token)
    for (const f of found.findings) log(`probe finding at ${dataset.articles}: ${f}`)
    const rows: Measured[] = []
    const wanted = args.only ? new Set(args.only.split(',')) : null
    for (const scenario of scenarios(dataset, found, runTag).filter((s) => s.read && (!wanted || wanted.has(s.key)))) {
      rows.push(await measure(scenario, server))
    }
    await finish(server)
    results.push({ articles: dataset.articles, rows })
  }
  const m = machine()
  const keys = results[0].rows.map((r) => r.scenario)
  const cell = (articles: number, key: string) => results.find((r) => r.articles === articles)?.rows.find((r) => r.scenario.key === key)
  const header = `| scenario | ${sizes.map((n) => `p50 ms @ ${n.toLocaleString('en')}`).join(' | ')} | ${sizes[sizes.length - 1].toLocaleString('en')} ÷ ${sizes[0].toLocaleString('en')} |`
  const lines = [header, `|---|${sizes.map(() => '---:').join('|')}|---:|`]
  for (const scenario of keys) {
    const p50s = sizes.map((n) => cell(n, scenario.key)?.summary.latencyMs.p50 ?? NaN)
    const bad = sizes.some((n) => (cell(n, scenario.key)?.summary.unexpected ?? 0) > 0)
    lines.push(`| ${scenario.name}${bad ? ' ⚠ unexpected statuses' : ''} | ${p50s.map(ms).join(' | ')} | ${(p50s[p50s.length - 1] / p50s[0]).toFixed(1)}× |`)
  }
  const cpuLines = [`| scenario | ${sizes.map((n) => `CPU ms/req @ ${n.toLocaleString('en')}`).join(' | ')} |`, `|---|${sizes.map(() => '---:').join('|')}|`]
  for (const scenario of keys) {
    cpuLines.push(`| ${scenario.name} | ${sizes.map((n) => { const c = cell(n, scenario.key)?.cpu; return c ? ms(c.msPerRequest) : '?' }).join(' | ')} |`)
  }
  const markdown = [
    '# Broadsheet bench: latency against dataset size',
    '',
    machineLine(m),
    `Median latency (p50) under load: ${settings.connections} connections, ${settings.warmupSeconds} s warm-up then ${settings.seconds} s per scenario, RESPONSE_CACHE_MB=${settings.responseCacheMb}. At 1,000 articles page 500 is past the end (an empty page).`,
    '',
    lines.join('\n'),
    '',
    'The server\'s own CPU time per request in the same runs (independent of queueing and, mostly, of other work on the machine):',
    '',
    cpuLines.join('\n'),
    ''
  ].join('\n')
  process.stdout.write(markdown + '\n')
  writeResults('scale', markdown, {
    machine: m,
    settings,
    sizes: results.map((r) => ({
      articles: r.articles,
      scenarios: r.rows.map((row) => ({ key: row.scenario.key, name: row.scenario.name, sample: row.sample, peakRssMb: row.peakRssMb, cpu: row.cpu, ...row.summary }))
    }))
  })
}

async function soak () {
  const dataset = await prepare(settings.articles)
  const server = await serve(dataset, 'server-soak')
  const found = await probe(server, dataset, token)
  const mix = soakMix(dataset, found, runTag)
  const rss: Array<{ second: number, mb: number }> = []
  let timer: NodeJS.Timeout | undefined
  let startedAt = 0
  const take = () => {
    const memory = memoryOf(server.pid)
    if (memory) rss.push({ second: Math.round((performance.now() - startedAt) / 1000), mb: memory.rss })
  }
  log(`soak: ${settings.warmupSeconds} s warm-up, then ${settings.seconds} s of ${mix.length} mixed requests in a loop at ${settings.connections} connections`)
  const summary = await (loader ??= new Loader()).run({
    origin: server.origin,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    seconds: settings.seconds,
    requests: mix
  }, (phase) => {
    if (phase !== 'measure') return
    startedAt = performance.now()
    take()
    timer = setInterval(take, 1000)
  })
  clearInterval(timer)
  take()
  serverWindows.push([monotonicUs() - Math.round((performance.now() - startedAt) * 1000), monotonicUs()])
  const hwm = memoryOf(server.pid)?.hwm ?? null
  const profile = await finish(server)

  const failures = Object.entries(summary.statuses).filter(([s]) => !/^[23]/.test(s)).reduce((n, [, c]) => n + c, 0) + summary.errors
  const first = rss[0]?.mb ?? NaN
  const last = rss[rss.length - 1]?.mb ?? NaN
  const growth = (last - first) / first
  const grew = growth > 0.2
  const m = machine()
  const labelRows = Object.entries(summary.byLabel).map(([label, t]) =>
    `| ${label} | ${t.requests.toLocaleString('en')} | ${JSON.stringify(t.statuses)} | ${t.unexpected} |`)
  const markdown = [
    `# Broadsheet soak, ${dataset.articles.toLocaleString('en')} articles`,
    '',
    machineLine(m),
    `${settings.seconds} s of mixed reads and writes (one request in ten creates an article) at ${settings.connections} connections after a ${settings.warmupSeconds} s warm-up; RESPONSE_CACHE_MB=${settings.responseCacheMb}.`,
    '',
    '| requests | req/s | errors (non-2xx/3xx + socket) | p50 ms | p99 ms | max ms | RSS after warm-up MB | RSS at end MB | RSS max MB | growth | grew > 20%? |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    `| ${summary.requests.toLocaleString('en')} | ${Math.round(summary.rps).toLocaleString('en')} | ${failures}${summary.timeouts ? ` (${summary.timeouts} timeouts)` : ''} | ${ms(summary.latencyMs.p50)} | ${ms(summary.latencyMs.p99)} | ${ms(summary.latencyMs.max)} | ${first.toFixed(0)} | ${last.toFixed(0)} | ${Math.max(...rss.map((r) => r.mb)).toFixed(0)} | ${(growth * 100).toFixed(1)}% | ${grew ? '**yes**' : 'no'} |`,
    '',
    '| kind | requests | statuses | unexpected |',
    '|---|---:|---|---:|',
    ...labelRows,
    '',
    `Responses per second: ${summary.perSecond.join(' ')}.`,
    '',
    `Slowest answered requests: ${summary.slowest.map((r) => `${ms(r.ms)} ms ${r.method} ${r.path.slice(0, 60)} → ${r.status} (answered in second ${r.second})`).join('; ')}.`,
    '',
    `RSS every second after the warm-up (MB): ${rss.map((r) => r.mb.toFixed(0)).join(' ')}`,
    `Server peak RSS (VmHWM): ${hwm?.toFixed(0) ?? '?'} MB.`,
    problemsSection(server, found, [
      ...loadProblems('soak', summary),
      ...stalls(summary.perSecond),
      ...(grew ? [`RSS grew ${(growth * 100).toFixed(1)}% from the first sample after the warm-up to the last`] : [])
    ]),
    ...(profile ? ['', '## Server CPU profile under load', '', profile] : [])
  ].join('\n')
  process.stdout.write(markdown + '\n')
  writeResults('soak', markdown, { machine: m, settings, dataset: { articles: dataset.articles, sizes: dataset.sizes }, summary, failures, rss, rssGrowth: growth, rssGrewOver20Percent: grew, peakRssMb: hwm, loggedProblems: server.problems.slice(0, 50) })
  if (failures > 0) process.exitCode = 1
}

async function main () {
  if (args.help) {
    process.stdout.write(USAGE + '\n')
    return
  }
  mkdirSync(RESULTS_DIR, { recursive: true })
  const started = performance.now()
  try {
    if (mode === 'soak') await soak()
    else if (mode === 'scale') await scale()
    else await standard()
  } finally {
    await loader?.close()
    await stopAll()
    for (const file of scratchFiles) removeDatabase(file)
    log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  }
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`)
  process.exitCode = 1
})
