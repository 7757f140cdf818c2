import { POISON_KINDS } from '../console/faults.ts';
import type { ExplainedFault } from '../plugins/faultsPlugin.tsx';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import { CSRF_FIELD } from '../protect/csrf.ts';
import { ConsoleNav } from './ConsolePages.tsx';
import { Layout, Time } from './Layout.tsx';

/** The recent faults, each with what the shop did about it (observed when rendered). */
export function FaultList(props: { faults: ExplainedFault[] }): JSX.Element {
  return (
    <div id="fault-list-content">
      {props.faults.length === 0 ? (
        <p class="muted">No fault injected from this web yet.</p>
      ) : (
        props.faults.map(({ fault, explanation }) => (
          <article class={`card fault ${explanation.state}`} data-fault={fault.id} data-kind={fault.kind} data-state={explanation.state}>
            <h3>
              <span class="count" safe>
                {explanation.state}
              </span>{' '}
              <span safe>{fault.summary}</span>
            </h3>
            <p class="muted">
              <Time ms={fault.at} />
              {explanation.mechanism ? <span safe>{` · handled by: ${explanation.mechanism}`}</span> : ''}
            </p>
            <ul class="explanation">
              {explanation.lines.map((line) => (
                <li safe>{line}</li>
              ))}
            </ul>
          </article>
        ))
      )}
    </div>
  );
}

/** The form's token, and which fault when the form has one submit button (else the button names it). */
function Token(props: { session: SignedIn; fault?: string }): JSX.Element {
  return (
    <>
      <input type="hidden" name={CSRF_FIELD} value={props.session.csrfToken} />
      {props.fault ? <input type="hidden" name="fault" value={props.fault} /> : ''}
    </>
  );
}

const choices = (options: readonly string[]) =>
  options.map((o) => (
    <option value={o} safe>
      {o}
    </option>
  ));

/** Where a copied message comes from: an order's latest on the topic, or a partition and offset. */
function Target(props: { topics: string[] }): JSX.Element {
  return (
    <>
      <label>
        Topic <select name="topic">{choices(props.topics)}</select>
      </label>
      <label>
        Order <input type="text" name="order_id" placeholder="order id (its latest)" pattern="[0-9a-f]{8}" />
      </label>
      <label>
        or partition <input type="number" name="partition" min="0" />
      </label>
      <label>
        offset <input type="number" name="offset" min="0" />
      </label>
    </>
  );
}

export function FaultsPage(props: {
  session: SignedIn;
  deadLetterTopic: string;
  topics: string[];
  stations: string[];
  actors: string[];
  faults: ExplainedFault[];
  done?: string | undefined;
}): JSX.Element {
  const { session } = props;
  return (
    <Layout title="Faults" session={session} active="console" scripts={['/public/liveFragments.js']}>
      <section class="card">
        <ConsoleNav at="faults" deadLetterTopic={props.deadLetterTopic} />
        <h1>Faults</h1>
        <p class="muted">
          Break the running shop on purpose and watch what it does about it. Each fault below is done for real (a message written to the
          log, an actor crashed in the process that hosts it); its panel says what the shop did, from what can be seen afterwards: dead
          letters, the consumer groups' offsets, what the injected message caused, the order's history, the process map.
        </p>
        {props.done ? (
          <p class="notice" role="status" safe>
            {`Done: fault ${props.done}. Its result is below and updates every second.`}
          </p>
        ) : (
          ''
        )}
      </section>
      <div class="fault-forms">
        <form method="post" action="/console/faults" class="card fault-form" id="fault-poison">
          <Token session={session} fault="poison" />
          <h2>Poison message</h2>
          <p class="muted">Bytes no reader can take. Every actor reading the topic sends it to the dead-letter topic and carries on.</p>
          <label>
            Topic <select name="topic">{choices(props.topics)}</select>
          </label>
          <label>
            Kind <select name="kind">{choices(POISON_KINDS)}</select>
          </label>
          <label>
            Key <input type="text" name="key" placeholder="order id (default: a new one)" pattern="[0-9a-f]{8}" />
          </label>
          <button type="submit">Inject poison</button>
        </form>
        <form method="post" action="/console/faults" class="card fault-form" id="fault-duplicate">
          <Token session={session} fault="duplicate" />
          <h2>Duplicate a message</h2>
          <p class="muted">A copy of a message already written, as a producer retry makes. Its readers dedupe it.</p>
          <Target topics={props.topics} />
          <button type="submit">Duplicate</button>
        </form>
        <form method="post" action="/console/faults" class="card fault-form" id="fault-delay">
          <Token session={session} fault="delay" />
          <h2>Delay a message</h2>
          <p class="muted">
            The same copy, written N kitchen seconds later (a message held up in a network partition; a message already in the log cannot be
            held back). The order has moved on: the copy is recorded as late, nothing moves back.
          </p>
          <Target topics={props.topics} />
          <label>
            Seconds <input type="number" name="seconds" min="1" max="3600" value="30" />
          </label>
          <button type="submit">Delay</button>
        </form>
        <form method="post" action="/console/faults" class="card fault-form" id="fault-kill">
          <Token session={session} />
          <h2>Kill an actor</h2>
          <p class="muted">
            Crashes it in every process hosting it, as a failure would: nothing pending is committed, the supervisor restarts it with
            backoff, its state comes back from its changelog. <em>Restart</em> stops it gracefully instead.
          </p>
          <label>
            Actor <select name="actor">{choices(props.actors)}</select>
          </label>
          <button type="submit" name="fault" value="kill">
            Kill
          </button>{' '}
          <button type="submit" name="fault" value="restart" class="secondary">
            Restart
          </button>
        </form>
        <form method="post" action="/console/faults" class="card fault-form" id="fault-pause">
          <Token session={session} />
          <h2>Pause a station</h2>
          <p class="muted">
            The station stops taking new work (its work topics are paused, as it does itself when its queue is full); pizzas it already took
            finish, cancels still arrive. Watch its lag grow on the consumer groups page.
          </p>
          <label>
            Station <select name="station">{choices(props.stations)}</select>
          </label>
          <button type="submit" name="fault" value="pause">
            Pause
          </button>{' '}
          <button type="submit" name="fault" value="resume" class="secondary">
            Resume
          </button>
        </form>
      </div>
      <section class="card">
        <h2>What the shop did</h2>
        <div id="fault-list" data-fragment="/console/faults/fragment">
          <FaultList faults={props.faults} />
        </div>
      </section>
    </Layout>
  );
}
