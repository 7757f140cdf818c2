let installed = false;

/**
 * kafkajs 2.2.4 schedules its request-queue check with `setTimeout(fn, throttledUntil - now)`,
 * which is a large negative number until the broker first throttles (its `throttledUntil` starts
 * at -1). Node 20 clamps it silently; Bun clamps it too but prints a TimeoutNegativeWarning
 * (three lines on stderr per process). The timer fires at once either way, so the warning says
 * nothing useful. Under Bun, the runtime's own `warning` listener (which prints) is wrapped so
 * that this one warning is dropped and every other warning is printed as before.
 */
export function quietKafkaJsTimerWarning(): void {
  if (installed || typeof Bun === 'undefined') return;
  installed = true;
  const previous = process.listeners('warning');
  for (const listener of previous) process.removeListener('warning', listener);
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const listener of previous) listener(warning);
  });
}
