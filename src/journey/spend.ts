import { CHANNELS } from './channel.js'

export interface SpendRow {
  /** The day, YYYY-MM-DD. */
  date: string
  channel: string
  /** '-' when the spend is not tied to a campaign. */
  campaign: string
  cost: number
}

/**
 * Validates spend rows (`date, channel, campaign, cost`): a known channel, an ISO date, a
 * non-negative cost, and no period counted twice (the same channel, campaign and day on two
 * lines). Every problem is listed with its line; a file with any problem is refused whole, as half
 * a cost table would mislead every CPA and ROAS.
 */
export function parseSpend(rows: { line: number; values: Record<string, unknown> }[]): { rows: SpendRow[]; errors: string[] } {
  const errors: string[] = []
  const out: SpendRow[] = []
  const seen = new Map<string, number>()
  for (const { line, values } of rows) {
    const date = String(values.date ?? '').trim()
    const channel = String(values.channel ?? '').trim().toLowerCase()
    const campaign = String(values.campaign ?? '').trim() || '-'
    const rawCost = String(values.cost ?? '').trim()
    const cost = Number(rawCost)
    const problems: string[] = []
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) problems.push(`date must be YYYY-MM-DD, got "${date}"`)
    if (!(CHANNELS as readonly string[]).includes(channel)) problems.push(`channel must be one of ${CHANNELS.join(', ')}, got "${channel}"`)
    if (rawCost === '' || !Number.isFinite(cost)) problems.push(`cost must be a number, got "${rawCost}"`)
    else if (cost < 0) problems.push(`cost must not be negative, got ${cost}`)
    const key = `${channel}\u0000${campaign}\u0000${date}`
    const earlier = seen.get(key)
    if (earlier !== undefined) problems.push(`${channel}/${campaign} on ${date} is already on line ${earlier}: periods must not overlap`)
    seen.set(key, earlier ?? line)
    if (problems.length > 0) errors.push(...problems.map((p) => `line ${line}: ${p}`))
    else out.push({ date, channel, campaign, cost })
  }
  return { rows: errors.length > 0 ? [] : out, errors }
}

/** Spend summed by channel and by "channel/campaign" for days in [from, to). */
export function spendInPeriod(rows: SpendRow[], from?: string, to?: string): { byChannel: Record<string, number>; byCampaign: Record<string, number> } {
  const byChannel: Record<string, number> = {}
  const byCampaign: Record<string, number> = {}
  for (const r of rows) {
    const at = `${r.date}T00:00:00.000Z`
    if ((from && at < from) || (to && at >= to)) continue
    byChannel[r.channel] = (byChannel[r.channel] ?? 0) + r.cost
    byCampaign[`${r.channel}/${r.campaign}`] = (byCampaign[`${r.channel}/${r.campaign}`] ?? 0) + r.cost
  }
  return { byChannel, byCampaign }
}
