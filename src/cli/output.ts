import cliProgress from 'cli-progress'

/** Prints a command's result: exactly one JSON document with --json, else readable lines. Logs go to stderr. */
export function printResult(result: unknown, json: boolean, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`)
}

/**
 * A progress bar on a TTY; elsewhere, or when the total is not known (0), a line to stderr every
 * few seconds. Never on stdout.
 */
export function progress(label: string, opts: { totalKnown?: boolean } = {}): { update(done: number, total: number, extra?: string): void; stop(): void } {
  if (process.stderr.isTTY && opts.totalKnown !== false) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {extra}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update(done, total, extra = '') {
        if (!started) {
          bar.start(total, 0, { extra })
          started = true
        }
        bar.update(done, { extra })
      },
      stop: () => bar.stop(),
    }
  }
  let last = 0
  let latest = ''
  return {
    update(done, total, extra = '') {
      latest = opts.totalKnown === false ? `${label}: ${done} ${extra}` : `${label}: ${done}/${total} ${extra}`
      const now = Date.now()
      if (now - last < 2000) return
      last = now
      process.stderr.write(`${latest}\n`)
    },
    stop: () => {
      if (latest) process.stderr.write(`${latest} (done)\n`)
    },
  }
}
