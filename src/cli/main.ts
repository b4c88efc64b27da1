import { Command, Option } from 'commander'
import { AppError } from '../core/errors.js'
import { createSource, listSourcesWithKeys } from '../collect/sources.js'
import { demoCommand } from './demo-command.js'
import { importCommand, importSpendCommand } from './import-command.js'
import { printResult, progress } from './output.js'
import { describeRefresh, refreshAll } from '../refresh/refresh-all.js'
import { runAttribution } from '../journey/run-attribution.js'
import { channelRulesWith } from '../journey/channel.js'
import { formatAttribution } from './format-attribution.js'
import { configFrom, withRuntime } from './runtime.js'
import { serveCommand } from './serve-command.js'
import { accessCommands } from './access-commands.js'
import { decideCommands, destinationCommands } from './decide-commands.js'
import { experimentCommands } from './experiments-command.js'
import { valueFitCommand, valueFitFromStore, valuePredictCommand, valueReportCommand } from './value-command.js'
import { MODELS } from '../value/predict.js'
import { timeParam } from '../core/time.js'

export const common = (cmd: Command) =>
  cmd
    .option('--db <path-or-url>', 'SQLite file or postgres:// URL (env SALESTWIN_DB)')
    .option('--config <file>', 'JSON config file (default ./salestwin.config.json when present)')

/**
 * The options the user gave on the command line, leaving out commander's defaults: a default
 * (such as `--no-demo`'s implied demo=true) must not override the environment or the config file.
 */
export function givenOptions(cmd: Command): Record<string, unknown> {
  const options = cmd.opts()
  return Object.fromEntries(Object.keys(options).filter((k) => cmd.getOptionValueSource(k) === 'cli').map((k) => [k, options[k]]))
}

/**
 * The salestwin command line.
 *
 * @example
 * await main(['node', 'salestwin', 'sources', 'list', '--json'])
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('salestwin')
    .description('The customer\'s digital twin for data-driven sales')
    .version('0.1.0')
    .showHelpAfterError()

  common(program.command('serve'))
    .description('run the server (collection API, profiles); loads the demo company into an empty store')
    .option('--port <n>', 'HTTP port (env SALESTWIN_PORT, default 4000)')
    .option('--host <addr>', 'bind address (env SALESTWIN_HOST, default 127.0.0.1)')
    .option('--no-demo', 'do not load the demo company into an empty store')
    .action(async (_flags, cmd: Command) => serveCommand(configFrom(givenOptions(cmd))))

  common(program.command('demo'))
    .description('generate the deterministic demo company and load it through the collection path')
    .option('--customers <n>', 'number of customers', '20000')
    .option('--seed <n>', 'random seed', '42')
    .option('--json', 'print one JSON document')
    .action(async (flags) => demoCommand(configFrom({ db: flags.db, config: flags.config }), { customers: Number(flags.customers), seed: Number(flags.seed), json: Boolean(flags.json) }))

  common(program.command('import'))
    .description('import contacts, orders, touchpoints or consent decisions from .csv, .jsonl or .txt (optionally .gz), or marketing spend (CSV: date, channel, campaign, cost)')
    .addArgument(new Command().createArgument('<kind>', 'contacts | orders | touchpoints | consent | spend').choices(['contacts', 'orders', 'touchpoints', 'consent', 'spend']))
    .argument('<file>', 'the file to import')
    .option('--source <name>', 'the source the rows come from (an existing source; see --create-source); required except for spend')
    .option('--create-source', 'create the source when it does not exist yet')
    .option('--map <column=field...>', 'rename columns, e.g. --map id=userId date=timestamp')
    .option('--columns <names>', 'comma-separated column names for files without a header row')
    .addOption(new Option('--format <format>', 'file format (default from the extension)').choices(['csv', 'jsonl', 'whitespace']))
    .option('--delimiter <char>', 'CSV delimiter')
    .option('--date-format <pattern>', 'date-fns pattern of non-ISO timestamps, e.g. yyyyMMdd')
    .option('--currency <code>', 'currency of orders without a currency column')
    .option('--event <name>', 'event name of touchpoints without an event column')
    .option('--json', 'print one JSON document')
    .action(async (kind, file, flags) =>
      kind === 'spend'
        ? importSpendCommand(configFrom({ db: flags.db, config: flags.config }), file, Boolean(flags.json))
        : importCommand(configFrom({ db: flags.db, config: flags.config }), kind, file, flags),
    )

  const sources = program.command('sources').description('sources and their write keys')
  common(sources.command('create'))
    .argument('<name>', 'e.g. web, app, shop, call_center, crm')
    .option('--json', 'print one JSON document')
    .action(async (name: string, flags) => {
      await withRuntime(flags, async (runtime) => {
        const source = await createSource(runtime.store, name)
        printResult(source, Boolean(flags.json), () => `source ${source.name} created; write key (shown this once, keep it secret): ${source.writeKey}`)
      })
    })
  common(sources.command('list'))
    .option('--json', 'print one JSON document')
    .action(async (flags) => {
      await withRuntime(flags, async (runtime) => {
        const list = await listSourcesWithKeys(runtime.store)
        printResult(list, Boolean(flags.json), () =>
          list.map((s) => `${s.name.padEnd(16)} keys ${s.keys.map((k) => `${k.id} (${k.hint})`).join(', ') || 'none'}  (since ${s.createdAt})`).join('\n') || 'no sources yet',
        )
      })
    })

  accessCommands(program, common)
  decideCommands(program, common)
  destinationCommands(program, common)
  experimentCommands(program, common)

  common(program.command('refresh'))
    .description('refit the value models, recompute attribution, the consent figures and every profile\'s next best offers, and keep them for the API (what the server does every valueRefreshMinutes)')
    .option('--json', 'print one JSON document')
    .action(async (flags) => {
      await withRuntime(flags, async (runtime) => {
        const outcome = await refreshAll(runtime.store, runtime.config)
        printResult(outcome, Boolean(flags.json), () => describeRefresh(outcome))
      })
    })

  const value = program.command('value').description('customer value: fit BTYD models, predict purchases, P(alive) and value')
  common(value.command('fit'))
    .description('fit a model by maximum likelihood; prints params, standard errors and log-likelihood. Without --summary: fits on the store\'s orders and rescores every profile')
    .addOption(new Option('--model <model>', 'the model').choices(MODELS).default('bgnbd'))
    .option('--summary <file.csv>', 'summary CSV: ID,frequency,recency,T[,monetary_value] | ID,x,t_x,T,zbar | frequency,recency,periods,weights')
    .option('--currency <code>', 'from the store: the currency of the orders to use, when there are several')
    .option('--as-of <date>', 'from the store: the end of the calibration period (default now); orders after it are left out')
    .option('--json', 'print one JSON document')
    .action(async (flags) => {
      if (flags.summary) return valueFitCommand({ model: flags.model, summary: flags.summary, json: Boolean(flags.json) })
      await withRuntime(flags, async (runtime) => {
        await valueFitFromStore(runtime, {
          model: flags.model,
          json: Boolean(flags.json),
          ...(flags.currency ? { currency: flags.currency } : {}),
          ...(flags.asOf ? { asOf: new Date(timeParam('--as-of', flags.asOf)) } : {}),
        })
      })
    })
  common(value.command('report'))
    .description('the latest value refresh: fits, clusters with potential, and the calibration/holdout check (data for charts)')
    .option('--json', 'print one JSON document')
    .action(async (flags) => {
      await withRuntime(flags, async (runtime) => {
        await valueReportCommand(runtime, Boolean(flags.json))
      })
    })
  value
    .command('predict')
    .description('per customer: P(alive), expected purchases in the next t periods, expected spend and value')
    .requiredOption('--summary <file.csv>', 'summary CSV as for value fit')
    .requiredOption('--t <periods>', 'horizon in the summary\'s time unit')
    .option('--json', 'print one JSON document')
    .action((flags) => valuePredictCommand({ summary: flags.summary, t: Number(flags.t), json: Boolean(flags.json) }))

  common(program.command('attribution'))
    .description('which touchpoints lead to conversions: credits per channel by model, side by side, and the top paths')
    .option('--model <model>', 'all, or one of first_touch, last_touch, last_non_direct, linear, time_decay, position_based, markov, shapley', 'all')
    .option('--from <date>', 'first event time (ISO-8601)')
    .option('--to <date>', 'end of the period (ISO-8601, exclusive)')
    .option('--conversion <event>', 'the conversion event', 'Order Completed')
    .option('--lookback-days <n>', 'touchpoints this many days before a conversion count', '30')
    .option('--markov-order <n>', 'Markov chain order, 1 to 3', '1')
    .option('--json', 'print one JSON document')
    .action(async (flags) => {
      await withRuntime(flags, async (runtime) => {
        const total = (await runtime.store.events.counts()).events
        const bar = progress('attribution')
        const report = await runAttribution(runtime.store.journeys, {
          onProgress: (read) => bar.update(read, total, 'events read'),
          model: flags.model,
          rules: channelRulesWith(runtime.config.channelRules),
          conversion: flags.conversion,
          lookbackDays: Number(flags.lookbackDays),
          markovOrder: Number(flags.markovOrder),
          ...(flags.from ? { from: flags.from } : {}),
          ...(flags.to ? { to: flags.to } : {}),
        })
        bar.stop()
        printResult(report, Boolean(flags.json), () => formatAttribution(report))
      })
    })

  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`error ${err.code}: ${err.message}\n`)
      process.exitCode = 1
      return
    }
    throw err
  }
}
