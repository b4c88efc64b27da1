import { execFileSync, spawn } from 'node:child_process'
import { httpLoad } from '../bench/http-load.js'
const DB = '/tmp/d20.db'
const env = { ...process.env, SALESTWIN_LOG_LEVEL: 'warn' }
const { timedFetch, openLoop, fromStore } = httpLoad({ port: 4960, db: DB, env })
const agent = JSON.parse(execFileSync(process.execPath, ['bin/salestwin.js', 'keys', 'create', '--role', 'agent', '--name', 'p', '--json', '--db', DB], { encoding: 'utf8', env })).secret
const profiles = await fromStore(async (s) => s.profiles.liveIds(null, 5000))
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof-http', 'bin/salestwin.js', 'serve', '--no-demo', '--port', '4960', '--db', DB], { env: { ...env, SALESTWIN_VALUE_REFRESH_MINUTES: '0' }, stdio: 'inherit' })
for (;;) { try { await fetch('http://127.0.0.1:4960/health'); break } catch { await new Promise((r) => setTimeout(r, 200)) } }
const headers = { authorization: `Bearer ${agent}`, 'content-type': 'application/json' }
const decide = (i: number) => timedFetch('/v1/decide', { method: 'POST', headers, body: JSON.stringify({ profileId: profiles[(i * 7919) % profiles.length], channel: 'call_center' }) })
console.log(JSON.stringify(await openLoop(200, 8, decide)))
child.kill('SIGINT')
await new Promise((r) => child.on('exit', r))
