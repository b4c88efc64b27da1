/**
 * Waits for the event loop's next turn. better-sqlite3 answers synchronously, so a long read or a
 * long series of writes that awaits only its own queries never lets timers, I/O or other requests
 * run; awaiting this between pages or slices does.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
