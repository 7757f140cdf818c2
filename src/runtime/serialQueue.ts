/**
 * Runs async steps one after another. Messages from several partitions and timer ticks reach one
 * machine; each step (send → produce → persist → commit) must finish before the next begins.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Resolves when every step queued so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => {});
  }
}
