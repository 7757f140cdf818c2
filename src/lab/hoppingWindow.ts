/**
 * Hopping windows in event time (Kafka Streams' `TimeWindows.ofSizeAndGrace(size, grace).advanceBy(advance)`,
 * ksqlDB's `WINDOW HOPPING (SIZE …, ADVANCE BY …, GRACE PERIOD …)`): windows start at every multiple of
 * `advance` since the epoch and span `[start, start + size)`, so a record at `ts` falls in
 * `size / advance` windows. A window closes once stream time (the largest timestamp seen) reaches
 * `end + grace`; a record whose windows have all closed is too late and is dropped.
 *
 * @example
 * const w = hoppingWindow({ sizeMs: 3_600_000, advanceMs: 300_000, graceMs: 600_000 });
 * w.windowsOf(Date.UTC(2024, 0, 1, 10, 0)).length; // 12, the first starting at 09:05
 */
export interface HoppingWindow {
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  /** the starts of the windows `ts` falls in, oldest first */
  windowsOf(ts: number): number[];
  /** whether the window starting at `start` takes no more records once stream time is `streamTime` */
  closed(start: number, streamTime: number): boolean;
}

export function hoppingWindow(options: { sizeMs: number; advanceMs: number; graceMs: number }): HoppingWindow {
  const { sizeMs, advanceMs, graceMs } = options;
  if (!(advanceMs > 0) || !(sizeMs >= advanceMs) || sizeMs % advanceMs !== 0 || !(graceMs >= 0)) {
    throw new RangeError(
      `hopping window: need 0 < advance <= size, size a multiple of advance, grace >= 0 (size ${sizeMs}, advance ${advanceMs}, grace ${graceMs})`,
    );
  }
  return {
    sizeMs,
    advanceMs,
    graceMs,
    windowsOf(ts) {
      const last = Math.floor(ts / advanceMs) * advanceMs;
      const starts: number[] = [];
      for (let start = last - sizeMs + advanceMs; start <= last; start += advanceMs) starts.push(start);
      return starts;
    },
    closed: (start, streamTime) => start + sizeMs + graceMs <= streamTime,
  };
}
