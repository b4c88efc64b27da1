import type { AttributionReport } from '../journey/attribute.js'

/** A readable table: channels down, models across, credited conversions in the cells. */
export function formatAttribution(report: AttributionReport): string {
  const models = Object.keys(report.models) as (keyof AttributionReport['models'])[]
  const channels = [...new Set(models.flatMap((m) => Object.keys(report.models[m] ?? {})))].sort()
  const header = ['channel'.padEnd(16), ...models.map((m) => m.padStart(16))].join('')
  const rows = channels.map((c) => [c.padEnd(16), ...models.map((m) => (report.models[m]?.[c]?.conversions ?? 0).toFixed(1).padStart(16))].join(''))
  return [`${report.journeys} journeys, ${report.conversions} conversions`, header, ...rows, ...report.notes].join('\n')
}
