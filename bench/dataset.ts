/**
 * Datasets for the bench: generated once per size by bench/generate.ts into
 * bench/results/data-<N>.db (git-ignored), reused while the generator and the migrations
 * are unchanged, and copied to a scratch file for each server so that writes made by a
 * run never reach the cached file.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultSizes, type Sizes } from './generate.js'
import { BENCH_DIR, RESULTS_DIR, ROOT, log, track } from './harness.js'

export interface Dataset { path: string, articles: number, sizes: Sizes, megabytes: number, generatedIn: number | null }

/** What the generated file depends on: the generator, the migrations, the sizes. */
function fingerprint (sizes: Sizes): string {
  const hash = createHash('sha1').update(readFileSync(join(BENCH_DIR, 'generate.ts'))).update(JSON.stringify(sizes))
  const migrations = join(ROOT, 'migrations')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else hash.update(entry.name).update(readFileSync(path))
    }
  }
  walk(migrations)
  return hash.digest('hex')
}

export function removeDatabase (path: string) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

function runGenerator (path: string, articles: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process: generating a million articles must not freeze this one's signals.
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'generate.ts'), path, String(articles)], {
      cwd: ROOT,
      stdio: ['ignore', 2, 2]
    })
    track(child, 'generate')
    child.on('error', reject)
    child.on('exit', (code, signal) => code === 0 ? resolve() : reject(new Error(`generate.ts failed (${signal ?? `exit ${code}`})`)))
  })
}

/** The cached dataset of this size, generated first when missing or stale. */
export async function ensureDataset (articles: number, fresh = false): Promise<Dataset> {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const sizes = defaultSizes(articles)
  const path = join(RESULTS_DIR, `data-${articles}.db`)
  const metaPath = `${path}.json`
  const print = fingerprint(sizes)
  const meta = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) as { fingerprint?: string } : {}
  let generatedIn: number | null = null
  if (fresh || !existsSync(path) || meta.fingerprint !== print) {
    log(`dataset: generating ${articles.toLocaleString('en')} articles into ${path} …`)
    const started = performance.now()
    const partial = `${path}.partial`
    removeDatabase(partial)
    await runGenerator(partial, articles)
    removeDatabase(path)
    renameSync(partial, path)
    removeDatabase(partial)
    generatedIn = (performance.now() - started) / 1000
    writeFileSync(metaPath, JSON.stringify({ fingerprint: print, sizes, generatedAt: new Date().toISOString(), seconds: generatedIn }, null, 2) + '\n')
    log(`dataset: generated in ${generatedIn.toFixed(1)} s`)
  } else {
    log(`dataset: reusing ${path}`)
  }
  return { path, articles, sizes, megabytes: statSync(path).size / 2 ** 20, generatedIn }
}

/** A private copy for one server (a reflink where the file system can, else a copy). */
export function scratchCopy (dataset: Dataset, tag: string): string {
  const path = join(RESULTS_DIR, `scratch-${tag}-${process.pid}.db`)
  removeDatabase(path)
  copyFileSync(dataset.path, path, constants.COPYFILE_FICLONE)
  return path
}
