import type { MachineDiagram } from '../diagram/machineDiagram.ts';
import { StateDiagram } from '../diagram/StateDiagram.tsx';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import type { StationSummary } from '../view/kitchenBoard.ts';
import { Layout, Time } from './Layout.tsx';

export interface StationPanel {
  summary: StationSummary;
  diagrams: MachineDiagram[];
  /** states lit on the station's diagram */
  current: string[];
}

/**
 * The kitchen board: each station's statechart with the pizzas inside it (in progress or queued, as
 * the station's own log lines say), its queue, capacity and throughput — a projection of the log
 * (no call to the stations), updated live
 * (`GET /api/kitchen/events`).
 */
export function KitchenPage(props: { session: SignedIn; stations: StationPanel[]; speed?: number | undefined }): JSX.Element {
  return (
    <Layout title="Kitchen" session={props.session} active="kitchen" scripts={['/public/live.js']}>
      <section class="card" data-live-kitchen="/api/kitchen/events">
        <h1>Kitchen board</h1>
        <p class="muted">
          Derived from the log: a pizza is at a station from the message that sent it there until the station's own message (assembled,
          baked, delivered). It is in progress once the station logged that it started it (and did not release it since), otherwise it waits
          in the queue. For a pizza the station logged nothing about (a station that writes no log lines), the oldest ones up to its{' '}
          <em>capacity</em> are taken to be in progress.
          {props.speed !== undefined ? <span safe>{` Speed ×${props.speed}.`}</span> : ''}
        </p>
        <div class="stations">
          {props.stations.map((s) => (
            <StationCard panel={s} />
          ))}
        </div>
      </section>
    </Layout>
  );
}

function StationCard(props: { panel: StationPanel }): JSX.Element {
  const s = props.panel.summary;
  return (
    <article class="station" data-station={s.station}>
      <h2 safe>{s.station}</h2>
      <dl class="station-stats">
        <dt>In progress</dt>
        <dd data-field="in-progress" safe>{`${s.inProgress.length} / ${s.capacity}`}</dd>
        <dt>Queue</dt>
        <dd data-field="queue" safe>
          {String(s.queueLength)}
        </dd>
        <dt>Done (last minute)</dt>
        <dd data-field="per-minute" safe>
          {String(s.perMinute)}
        </dd>
        <dt>Done (total)</dt>
        <dd data-field="done" safe>
          {String(s.done)}
        </dd>
      </dl>
      {props.panel.diagrams.map((d) => (
        <StateDiagram
          name={`station-${s.station}`}
          graph={d.graph}
          layout={d.layout}
          current={props.panel.current}
          title={`${s.station} station`}
        />
      ))}
      <h3>Pizzas here</h3>
      <ul class="pizzas" data-field="pizzas">
        {s.inProgress.map((p) => (
          <li class="working">
            <code safe>{p.orderId}</code> since <Time ms={p.since} />
          </li>
        ))}
        {s.queued.map((p) => (
          <li class="queued">
            <code safe>{p.orderId}</code> waiting since <Time ms={p.since} />
          </li>
        ))}
      </ul>
    </article>
  );
}
