/** The benchmarks' few flags: `--name value`, read from process.argv. */
export const benchArgs = process.argv.slice(2)

export function benchArg(name: string, fallback: string): string {
  const i = benchArgs.indexOf(`--${name}`)
  return i >= 0 && benchArgs[i + 1] ? benchArgs[i + 1]! : fallback
}

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
