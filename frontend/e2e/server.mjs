// Starts the real Tongban binary for the end-to-end tests.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const frontendDir = resolve(fileURLToPath(new URL('..', import.meta.url)))

/** freePort asks the kernel for a free loopback port. */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => ok(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * startServer runs `$TONGBAN_BIN serve --demo` on a free port with a fresh
 * data directory and waits until GET /readyz answers 200 (60 s at most).
 */
export async function startServer() {
  const bin = resolve(frontendDir, process.env.TONGBAN_BIN ?? '../bin/tongban')
  if (!existsSync(bin)) {
    throw new Error(`Tongban binary not found at ${bin}: build it (go build -o bin/tongban ./cmd/tongban) or set TONGBAN_BIN`)
  }
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'tongban-e2e-'))
  const baseURL = `http://127.0.0.1:${port}`
  const log = []
  const child = spawn(bin, ['serve', '--demo', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TONGBAN_LOG_LEVEL: 'warn' },
  })
  const keep = (chunk) => {
    log.push(chunk.toString())
    if (log.length > 400) log.shift()
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = null
  child.on('exit', (code, signal) => {
    exited = { code, signal }
  })

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM')
      for (let i = 0; i < 100 && !exited; i++) await sleep(100)
      if (!exited) child.kill('SIGKILL')
      for (let i = 0; i < 50 && !exited; i++) await sleep(100)
    }
    rmSync(dataDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 60_000
  let ready = false
  while (Date.now() < deadline) {
    if (exited) break
    try {
      const res = await fetch(`${baseURL}/readyz`)
      if (res.status === 200) {
        ready = true
        break
      }
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  if (!ready) {
    await stop()
    throw new Error(`tongban did not become ready within 60 s (${JSON.stringify(exited)}):\n${log.join('')}`)
  }

  // The binary embeds the frontend at build time: make sure it serves this build.
  const served = await (await fetch(`${baseURL}/`)).text()
  const built = readFileSync(join(frontendDir, 'dist', 'index.html'), 'utf8')
  if (served.trim() !== built.trim()) {
    await stop()
    throw new Error(
      `${bin} serves a different index.html than frontend/dist: run \`npm run build\` and then rebuild the binary ` +
        '(go build -o bin/tongban ./cmd/tongban) so that it embeds this build.',
    )
  }
  return { baseURL, stop, log }
}
