#!/usr/bin/env node
import { main } from '../dist/cli/main.js'

main(process.argv).catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`)
  process.exit(1)
})
