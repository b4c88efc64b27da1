import type { Journey } from './journeys.js'

export const HEURISTIC_MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] as const
export type HeuristicModel = (typeof HEURISTIC_MODELS)[number]

/**
 * Credits of one converting journey's touchpoints, by position; they add up to 1.
 * time_decay halves a touchpoint's weight every `halfLifeDays` before the conversion;
 * position_based gives 40 % to the first, 40 % to the last and splits 20 % over the middle.
 */
export function touchpointCredits(journey: Journey, model: HeuristicModel, halfLifeDays = 7): number[] {
  const n = journey.touchpoints.length
  const credits = new Array<number>(n).fill(0)
  if (n === 0) return credits
  switch (model) {
    case 'first_touch':
      credits[0] = 1
      break
    case 'last_touch':
      credits[n - 1] = 1
      break
    case 'last_non_direct': {
      let i = n - 1
      while (i > 0 && isDirect(journey.touchpoints[i]!.channel)) i--
      credits[i] = 1
      break
    }
    case 'linear':
      credits.fill(1 / n)
      break
    case 'time_decay': {
      const weights = journey.touchpoints.map((t) => Math.pow(0.5, (journey.endsAt - t.at) / (halfLifeDays * 86_400_000)))
      const sum = weights.reduce((s, w) => s + w, 0)
      weights.forEach((w, i) => (credits[i] = w / sum))
      break
    }
    case 'position_based':
      if (n === 1) credits[0] = 1
      else if (n === 2) credits.fill(0.5)
      else {
        credits.fill(0.2 / (n - 2))
        credits[0] = 0.4
        credits[n - 1] = 0.4
      }
      break
  }
  return credits
}

/** Direct, also when keyed by campaign ("direct/-"). */
function isDirect(channel: string): boolean {
  return channel === 'direct' || channel.startsWith('direct/')
}
