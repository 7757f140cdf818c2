/**
 * How an actor tells its supervisor it crashed: `crashed` settles with the first error passed to
 * `crash` (anything thrown is turned into an Error); later calls are ignored.
 *
 * @example
 * const { crashed, crash } = crashSignal();
 * timerWork().catch(crash);
 * return { crashed, stop };
 */
export function crashSignal(): { crashed: Promise<Error>; crash(error: unknown): void } {
  let resolve!: (error: Error) => void;
  const crashed = new Promise<Error>((r) => {
    resolve = r;
  });
  return { crashed, crash: (error) => resolve(error instanceof Error ? error : new Error(String(error))) };
}
