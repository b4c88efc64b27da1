import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { AppError } from '../core/errors.js'
import { parseCatalogText } from '../decide/catalog.js'
import { lookupKey } from '../identity/lookup-key.js'
import { printResult, progress } from './output.js'
import type { DecideAllReport } from '../decide/decide-all.js'
import { withRuntime, type CommonFlags } from './runtime.js'
import { formatOutbound, outboundRun } from './outbound-command.js'
import { destinationsStatus, requeueDeadLetter } from '../destinations/outbox.js'
import { evaluateOffPolicy, formatEvaluate } from './evaluate-command.js'
import { evaluateFromLog } from '../decide/offpolicy/from-log.js'
import { learningReport, reportPeriod } from '../decide/learning/report.js'

interface RunFlags {
  destination?: string
  export?: string
  format?: string
  limit?: number
  decideOnly?: boolean
}

/** `salestwin catalog apply|show` and `salestwin decide` (docs/decide.md). */
export function decideCommands(program: Command, common: (cmd: Command) => Command): void {
  const catalog = program.command('catalog').description('the decisioning catalog: campaigns, offers, rules, placements and contact policy')
  common(catalog.command('apply'))
    .argument('<file>', 'catalog in YAML or JSON (format: docs/decide.md)')
    .option('--dry-run', 'check and compile only; store nothing')
    .option('--json', 'print one JSON document')
    .action(async (file: string, flags: CommonFlags & { dryRun?: boolean }) => {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        throw new AppError('CATALOG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
      }
      await withRuntime(flags, async (runtime) => {
        const result = await runtime.decide.apply(parseCatalogText(text, file), `cli:${process.env.USER ?? 'unknown'}`, { dryRun: flags.dryRun === true })
        printResult(result, Boolean(flags.json), () =>
          result.dryRun ? `${file}: valid — ${result.campaigns} campaigns, ${result.offers} offers (dry run, nothing stored)` : `catalog version ${result.version} applied: ${result.campaigns} campaigns, ${result.offers} offers`,
        )
      })
    })
  common(catalog.command('show'))
    .option('--json', 'print one JSON document')
    .action(async (flags: CommonFlags) => {
      await withRuntime(flags, async (runtime) => {
        const current = runtime.decide.catalog
        const result = current ? { version: current.version, ...current.spec } : { version: null, campaigns: [] }
        printResult(result, Boolean(flags.json), () =>
          current
            ? [`catalog version ${current.version}: ${current.campaigns.length} campaigns, ${current.offers.size} offers`, ...current.campaigns.map((c) => `  ${c.id.padEnd(28)} ${c.status.padEnd(7)} weight ${String(c.weight).padStart(4)}  ${c.channels.join(', ')}  (${c.offers.length} offers)`)].join('\n')
            : 'no catalog applied yet: salestwin catalog apply FILE',
        )
      })
    })

  common(program.command('decide'))
    .description('the next best offers for one customer on one channel, with the explanation; `decide all`: for every profile; `decide run`: an outbound run; `decide evaluate`: off-policy evaluation')
    .argument('[all|run|evaluate|report]', '"all": every live profile, every campaign and offer, kept as the profiles\' computed.nextBestOffers; "run": decide for every customer reachable on an outbound --channel and deliver the due offers; "evaluate": estimate policies\' values off-policy on a logged bandit dataset (--data); "report": how the offers did, the model\'s calibration and alerts (--from, --to)')
    .option('--profile <id>', 'profile id (else the decision is for an anonymous visitor)')
    .option('--user-id <id>', 'or a userId')
    .option('--email <email>', 'or an email')
    .option('--channel <channel>', 'web, email, call_center, in_store, … (decide all: default every channel)')
    .option('--placement <id>', 'a placement of the channel (default: the channel)')
    .option('-n <n>', 'how many offers (default 1; decide all: 3 per channel)')
    .option('--destination <id>', 'decide run: the webhook to deliver to (default: the one configured for the channel)')
    .option('--export <file>', 'decide run: write the deliveries to a file instead (.csv, else JSON Lines)')
    .option('--format <format>', 'decide run --export: csv or jsonl')
    .option('--limit <n>', 'decide run: at most this many new decisions', (v) => Number(v))
    .option('--decide-only', 'decide run: decide and keep the deliveries pending, send nothing')
    .option('--from <day>', 'decide report: first day, YYYY-MM-DD (default 30 days before --to)')
    .option('--to <day>', 'decide report: last day, YYYY-MM-DD (default today)')
    .option('--from-log', "decide evaluate: on salestwin's own decisions (the last --weeks) instead of --data")
    .option('--policy <name>', 'decide evaluate --from-log: the challenger, greedy (no exploration), prior (no learning) or static (value and weights only)', 'greedy')
    .option('--weeks <n>', 'decide evaluate --from-log: how many weeks of decisions (default 4)', (v) => Number(v))
    .option('--data <dir>', 'decide evaluate: an Open Bandit Dataset campaign directory, e.g. data/obd/random/men')
    .option('--bts <dir>', 'decide evaluate: the Bernoulli-TS log of the campaign (default: beside --data, data/obd/bts/<campaign>)')
    .option('--bootstrap <n>', 'decide evaluate: bootstrap resamples for the intervals (default 1000)', (v) => Number(v))
    .option('--seed <n>', 'decide evaluate: random seed (default 1)', (v) => Number(v))
    .option('--json', 'print one JSON document')
    .action(async (what: string | undefined, flags: CommonFlags & RunFlags & { profile?: string; userId?: string; email?: string; channel?: string; placement?: string; n?: string; data?: string; bts?: string; bootstrap?: number; seed?: number; from?: string; to?: string; fromLog?: boolean; policy?: string; weeks?: number }) => {
      if (what !== undefined && !['all', 'run', 'evaluate', 'report'].includes(what)) throw new AppError('REQUEST_INVALID', `decide takes "all", "run", "evaluate", "report" or no argument, got "${what}"`)
      if (what === 'evaluate' && flags.fromLog) {
        const weeks = flags.weeks ?? 4
        if (!(weeks > 0)) throw new AppError('REQUEST_INVALID', `--weeks must be more than 0, got ${flags.weeks}`)
        await withRuntime(flags, async (runtime) => {
          const since = new Date(Date.now() - weeks * 7 * 86_400_000).toISOString()
          const report = await evaluateFromLog(runtime.store, runtime.decide.catalog, { policy: flags.policy ?? 'greedy', since, ...(flags.bootstrap !== undefined ? { bootstrap: flags.bootstrap } : {}), ...(flags.seed !== undefined ? { seed: flags.seed } : {}) })
          printResult(report, Boolean(flags.json), () => {
            const pct = (x: number) => `${(100 * x).toFixed(2)} %`
            const e = report.challenger.snipw
            return `the last ${weeks} weeks: ${report.rounds} finished showings; the logged policy's response rate ${pct(report.logged.value)}; ${report.policy} would have reached ${pct(e.value)} (SNIPW, 95 % ${pct(e.low)}–${pct(e.high)}; IPW ${pct(report.challenger.ipw.value)}), agreeing with the logged choice ${report.agreements} times`
          })
        })
        return
      }
      if (what === 'evaluate') {
        if (flags.data === undefined) throw new AppError('REQUEST_INVALID', 'decide evaluate needs --data DIR (an Open Bandit Dataset campaign directory, e.g. data/obd/random/men)')
        for (const [name, v] of [['bootstrap', flags.bootstrap], ['seed', flags.seed]] as const) {
          if (v !== undefined && !(Number.isInteger(v) && v >= (name === 'bootstrap' ? 10 : 0))) throw new AppError('REQUEST_INVALID', `--${name} must be a whole number${name === 'bootstrap' ? ' of at least 10' : ''}, got ${v}`)
        }
        const report = await evaluateOffPolicy({ data: flags.data, ...(flags.bts ? { bts: flags.bts } : {}), ...(flags.bootstrap !== undefined ? { bootstrap: flags.bootstrap } : {}), ...(flags.seed !== undefined ? { seed: flags.seed } : {}) })
        printResult(report, Boolean(flags.json), () => formatEvaluate(report))
        return
      }
      await withRuntime(flags, async (runtime) => {
        if (what === 'report') {
          const period = reportPeriod({ from: flags.from, to: flags.to }, new Date())
          const report = await learningReport(runtime.store, runtime.decide.catalog, period, (await runtime.decide.learning()).alerts)
          printResult(report, Boolean(flags.json), () => formatReport(report))
          return
        }
        if (what === 'run') {
          if (flags.channel === undefined) throw new AppError('REQUEST_INVALID', 'decide run needs --channel (email, sms, push, post or phone)')
          const bar = progress('decide run', { totalKnown: false })
          const report = await outboundRun(runtime, { ...flags, channel: flags.channel, onProgress: (phase, done) => bar.update(done, 0, phase === 'decide' ? 'profiles' : 'delivered') })
          bar.stop()
          printResult(report, Boolean(flags.json), () => formatOutbound(report))
          return
        }
        if (what === 'all') {
          const bar = progress('decide all', { totalKnown: false })
          const channels = flags.channel === undefined ? undefined : [flags.channel]
          const report = await runtime.decide.decideAll({ ...(channels ? { channels } : {}), n: Number(flags.n ?? 3), onProgress: (done) => bar.update(done, 0, 'profiles') })
          bar.stop()
          printResult(report, Boolean(flags.json), () => formatDecideAll(report))
          return
        }
        if (flags.channel === undefined) throw new AppError('REQUEST_INVALID', 'decide needs --channel (web, email, call_center, in_store, …)')
        const result = await runtime.decide.decide({
          channel: flags.channel,
          ...(flags.profile ? { profileId: flags.profile } : {}),
          ...(flags.userId || flags.email ? { identifierKey: lookupKey({ ...(flags.userId ? { userId: flags.userId } : {}), ...(flags.email ? { email: flags.email } : {}) }, runtime.config.defaultCountry) } : {}),
          ...(flags.placement ? { placement: flags.placement } : {}),
          n: Number(flags.n ?? 1),
        })
        printResult(result, Boolean(flags.json), () => {
          const lines = [`decision ${result.decisionId} for ${result.profileId ?? 'an anonymous visitor'} on ${result.channel}/${result.placement} (catalog ${result.catalogVersion})${result.continues ? `, continuing ${result.continues}` : ''}`]
          for (const o of result.offers) lines.push(`  ${o.offer} (${o.campaign}): score ${o.score} = propensity ${o.propensity} × value ${o.value} × weights`)
          if (result.offers.length === 0) lines.push('  no offer passed')
          const reasons = new Map<string, number>()
          for (const e of result.explanation.excluded) reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1)
          lines.push(`  excluded: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`)
          return lines.join('\n')
        })
      })
    })
}

/** `salestwin destinations list|failures|retry`: the outbound webhooks, their deliveries and dead letters. */
export function destinationCommands(program: Command, common: (cmd: Command) => Command): void {
  const destinations = program.command('destinations').description('outbound webhooks (config destinations): their deliveries and dead letters')
  common(destinations.command('list'))
    .option('--json', 'print one JSON document')
    .action(async (flags: CommonFlags) => {
      await withRuntime(flags, async (runtime) => {
        const result = await destinationsStatus(runtime.store, runtime.destinations)
        printResult(result, Boolean(flags.json), () =>
          result.destinations.length
            ? result.destinations.map((d) => `${d.id.padEnd(16)} ${d.channels.join(', ').padEnd(16)} ${d.url}  ${JSON.stringify(d.deliveries)}`).join('\n')
            : 'no destination configured (config destinations, docs/decide.md)',
        )
      })
    })
  common(destinations.command('failures'))
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .option('--json', 'print one JSON document')
    .action(async (flags: CommonFlags & { limit?: number }) => {
      await withRuntime(flags, async (runtime) => {
        const items = await runtime.store.deliveries.failures(flags.limit ?? 50)
        printResult({ items }, Boolean(flags.json), () =>
          items.length ? items.map((f) => `${f.decisionId}  ${f.destination}/${f.channel}  ${f.attempts} attempts, ${f.updatedAt}: ${f.lastError}`).join('\n') : 'no dead letters',
        )
      })
    })
  common(destinations.command('retry'))
    .argument('<decisionId>', 'a dead letter to put back into the outbox; the next decide run sends it (consent is checked again)')
    .option('--json', 'print one JSON document')
    .action(async (decisionId: string, flags: CommonFlags) => {
      await withRuntime(flags, async (runtime) => {
        const delivery = await requeueDeadLetter(runtime.store, decisionId)
        printResult({ decisionId, status: 'pending', destination: delivery.destination }, Boolean(flags.json), () => `${decisionId} is pending again for ${delivery.destination}`)
      })
    })
}

function formatDecideAll(r: DecideAllReport): string {
  const top = Object.entries(r.bestByCampaign).sort((a, b) => b[1] - a[1]).slice(0, 15)
  return [
    `decide all: ${r.profiles} profiles × ${r.channels.length} channels with catalog ${r.catalogVersion} in ${r.seconds} s; ${r.withoutOffer} without any offer`,
    'best offer by channel and campaign (top 15):',
    ...top.map(([k, n]) => `  ${k.padEnd(40)} ${n}`),
    `left out: ${Object.entries(r.excludedByReason).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing'}`,
  ].join('\n')
}

function formatReport(r: Awaited<ReturnType<typeof learningReport>>): string {
  const lines = [`decisions from ${r.from} to ${r.to}: ${r.offers.length} offers shown`]
  for (const c of r.campaigns) lines.push(`  ${c.campaign.padEnd(24)} ${String(c.showings).padStart(7)} shown  ${String(c.accepts + c.conversions).padStart(6)} responses  revenue ${c.revenue}  cost ${c.cost}  profit ${c.profit}  observed ${(100 * c.observedRate).toFixed(2)} % / predicted ${(100 * c.predictedRate).toFixed(2)} %`)
  const days = r.calibration.days
  if (days.length > 0) lines.push(`  calibration: Brier ${days.at(-1)!.brier}, log loss ${days.at(-1)!.logLoss} on ${days.at(-1)!.day}`)
  lines.push(r.alerts.length === 0 ? '  no alerts' : `  alerts:\n${r.alerts.map((a) => `    ${a.offer}: ${a.detail}`).join('\n')}`)
  return lines.join('\n')
}
