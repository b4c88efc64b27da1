import type { Command } from 'commander'
import { experimentsReport } from '../decide/learning/experiment-report.js'
import { reportPeriod } from '../decide/learning/report.js'
import { printResult } from './output.js'
import { withRuntime, type CommonFlags } from './runtime.js'

/** `salestwin experiments report`: champion/challenger arms and the campaigns' holdout uplift (docs/decide.md, "Experiments"). */
export function experimentCommands(program: Command, common: (cmd: Command) => Command): void {
  const experiments = program.command('experiments').description('champion/challenger arms and holdout groups: how each did, and the uplift over the holdout')
  common(experiments.command('report'))
    .option('--from <day>', 'first day of the arms\' decisions, YYYY-MM-DD (default 30 days before --to)')
    .option('--to <day>', 'last day, YYYY-MM-DD (default today)')
    .option('--json', 'print one JSON document')
    .action(async (flags: CommonFlags & { from?: string; to?: string }) => {
      await withRuntime(flags, async (runtime) => {
        const report = await experimentsReport(runtime.store, runtime.decide.catalog, reportPeriod({ from: flags.from, to: flags.to }, new Date()))
        printResult(report, Boolean(flags.json), () => {
          const pct = (x: number) => `${(100 * x).toFixed(2)} %`
          const lines = [`experiments, decisions from ${report.from} to ${report.to}`]
          for (const a of report.arms) lines.push(`  arm ${a.arm.padEnd(12)} share ${a.share ?? '—'}  ${a.showings} finished showings, ${a.responses} responses (${pct(a.observedRate)}; predicted ${pct(a.predictedRate)})`)
          for (const h of report.holdouts) {
            const u = h.uplift.conversionRate
            lines.push(`  ${h.campaign}: ${h.treated.customers} treated, ${h.held.customers} held out (${pct(h.holdout)}); ${h.goal}: ${pct(h.treated.conversionRate)} against ${pct(h.held.conversionRate)}, uplift ${pct(u.difference)} (95 % ${pct(u.low)} to ${pct(u.high)}); revenue per customer ${h.treated.revenuePerCustomer} against ${h.held.revenuePerCustomer}`)
          }
          if (report.holdouts.length === 0) lines.push('  no campaign has a holdout (campaign holdout: 0.05 keeps 5 % of its customers out)')
          return lines.join('\n')
        })
      })
    })
}
