// Runs the CLI from source, as bin/salestwin.js runs it from dist/.
import { main } from '../../src/cli/main.js'

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
})
