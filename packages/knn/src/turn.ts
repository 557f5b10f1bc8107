/**
 * Resolves after the event loop has run its pending timers and I/O callbacks, so a long
 * synchronous pass (reading or writing a large index) leaves room for a progress display or a
 * signal handler between its steps.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
