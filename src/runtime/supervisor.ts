import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log/logger.ts';

/**
 * An actor as the supervisor sees it: something started, that may crash, and that stops
 * gracefully (stop taking work, hand over, commit, close).
 */
export interface RunningActor {
  stop(): Promise<void>;
  /** Settles (with the reason) if the actor crashes; never settles while it runs well. */
  readonly crashed: Promise<Error>;
  /** Crashes it as a failure would (nothing pending committed); default: the supervisor treats it as crashed and stops it */
  kill?(reason: Error): void;
}

/** An actor the supervisor starts (and starts again after a crash). */
export interface SupervisedActor {
  name: string;
  start(): Promise<RunningActor>;
}

export interface SupervisorOptions {
  actors: SupervisedActor[];
  logger: Logger;
  clock: Clock;
  /** first restart delay; doubles per consecutive crash up to maxBackoffMs */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** an actor that ran this long without crashing starts again from the initial backoff */
  stableAfterMs?: number;
  /** how long a crashed actor's stop may take before its successor starts anyway (default 10 s) */
  stopTimeoutMs?: number;
}

export interface ActorState {
  name: string;
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  restarts: number;
  lastError?: string;
}

export interface Supervisor {
  /** Starts every actor; rejects if one cannot start the first time. */
  start(): Promise<void>;
  /** Stops every actor (in reverse start order); pending restarts are cancelled. */
  stop(): Promise<void>;
  states(): ActorState[];
  /**
   * Crashes a running actor as a real failure would (the console's fault injection): the
   * supervisor restarts it with its usual backoff. False when no such actor runs now.
   */
  kill(name: string, reason: Error): boolean;
  /** Stops a running actor gracefully and starts it again at once. False when no such actor runs now. */
  restart(name: string): Promise<boolean>;
}

/**
 * Hosts actors in one process and restarts a crashed one with exponential backoff, saying so in
 * the log.
 *
 * @example
 * const supervisor = createSupervisor({ actors: [{ name: 'bake', start: startBake }], logger, clock });
 * await supervisor.start();
 * process.once('SIGTERM', () => supervisor.stop());
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { logger, clock } = options;
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  const stableAfter = options.stableAfterMs ?? 60_000;
  let stopping = false;

  interface Slot {
    spec: SupervisedActor;
    info: ActorState;
    actor?: RunningActor;
    startedAt: number;
    consecutive: number;
    timer?: TimerHandle;
    /** the crashed instance's stop, awaited before the next start */
    previousStop?: Promise<void>;
  }
  const slots: Slot[] = options.actors.map((spec) => ({
    spec,
    info: { name: spec.name, state: 'starting', restarts: 0 },
    startedAt: 0,
    consecutive: 0,
  }));

  const stopBoundMs = options.stopTimeoutMs ?? 10_000;
  const boundedStop = (actor: RunningActor): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = clock.setTimeout(resolve, stopBoundMs);
      actor
        .stop()
        .catch(() => {})
        .finally(() => {
          clock.clearTimeout(timer);
          resolve();
        });
    });

  const watch = (slot: Slot, actor: RunningActor) => {
    actor.crashed.then(
      (error) => onCrash(slot, actor, error),
      (error) => onCrash(slot, actor, error instanceof Error ? error : new Error(String(error))),
    );
  };

  const launch = async (slot: Slot) => {
    slot.info.state = 'starting';
    const actor = await slot.spec.start();
    if (stopping) {
      await actor.stop();
      return;
    }
    slot.actor = actor;
    slot.startedAt = clock.now();
    slot.info.state = 'running';
    watch(slot, actor);
  };

  const onCrash = (slot: Slot, actor: RunningActor, error: Error) => {
    if (stopping || slot.actor !== actor) return;
    slot.actor = undefined;
    // The next instance starts only once this one has stopped (or after a bound), so two
    // instances never write the same snapshot or fire the same timers.
    slot.previousStop = boundedStop(actor);
    restartLater(slot, error);
  };

  /**
   * Schedules the next start with backoff. A start that fails (the broker still down, say) counts
   * as another crash in a row and schedules the next attempt: an actor is never given up on.
   */
  const restartLater = (slot: Slot, error: Error, failedStart = false) => {
    slot.consecutive = !failedStart && clock.now() - slot.startedAt >= stableAfter ? 1 : slot.consecutive + 1;
    const delay = Math.min(max, initial * 2 ** (slot.consecutive - 1));
    slot.info.state = 'restarting';
    slot.info.lastError = error.message;
    const what = failedStart ? 'could not start again' : 'crashed';
    logger.error(`actor ${slot.spec.name} ${what}: ${error.message}; restarting in ${delay} ms (attempt ${slot.consecutive})`, {
      crashedActor: slot.spec.name,
      error: error.stack ?? error.message,
    });
    slot.timer = clock.setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      slot.info.restarts += 1;
      const previous = slot.previousStop ?? Promise.resolve();
      slot.previousStop = undefined;
      previous
        .then(() => (stopping ? undefined : launch(slot)))
        .then(
          () => {
            if (!stopping)
              logger.info(`actor ${slot.spec.name} restarted`, { restartedActor: slot.spec.name, restarts: slot.info.restarts });
          },
          (e: unknown) => {
            if (!stopping) restartLater(slot, e instanceof Error ? e : new Error(String(e)), true);
          },
        );
    }, delay);
  };

  return {
    async start() {
      for (const slot of slots) {
        await launch(slot);
        logger.info(`actor ${slot.spec.name} started`, { startedActor: slot.spec.name });
      }
    },
    async stop() {
      stopping = true;
      for (const slot of [...slots].reverse()) {
        if (slot.timer !== undefined) clock.clearTimeout(slot.timer);
        const actor = slot.actor;
        slot.actor = undefined;
        slot.info.state = 'stopped';
        if (actor) {
          try {
            await actor.stop();
            logger.info(`actor ${slot.spec.name} stopped`, { stoppedActor: slot.spec.name });
          } catch (e) {
            logger.error(`actor ${slot.spec.name} did not stop cleanly: ${(e as Error).message}`);
          }
        }
      }
    },
    states: () => slots.map((s) => ({ ...s.info })),
    kill(name, reason) {
      const slot = slots.find((s) => s.spec.name === name);
      const actor = slot?.actor;
      if (!slot || !actor || stopping) return false;
      if (actor.kill) actor.kill(reason);
      else onCrash(slot, actor, reason);
      return true;
    },
    async restart(name) {
      const slot = slots.find((s) => s.spec.name === name);
      const actor = slot?.actor;
      if (!slot || !actor || stopping) return false;
      // not a crash: no backoff, and the restart count stays as it is
      slot.actor = undefined;
      await boundedStop(actor);
      if (stopping) return false;
      try {
        await launch(slot);
      } catch (e) {
        restartLater(slot, e instanceof Error ? e : new Error(String(e)), true);
        return false;
      }
      logger.info(`actor ${name} restarted (asked)`, { restartedActor: name });
      return true;
    },
  };
}
