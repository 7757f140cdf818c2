import type { ProcessMapSnapshot } from '../console/processMap.ts';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import { ConsoleNav } from './ConsolePages.tsx';
import { Layout, Time } from './Layout.tsx';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The live process map's content: one card per process (its actors, their partitions and state),
 * who owns which partition per actor, and the changes seen (rebalances, crashes). Served whole in
 * the page and alone as a fragment, which public/processes.js fetches every second and swaps in:
 * every value is escaped here, on the server.
 */
export function ProcessMapView(props: { map: ProcessMapSnapshot }): JSX.Element {
  const { map } = props;
  // one column per partition any actor has; one colour per live process, in start order
  const columns = [...new Set(map.owners.flatMap((o) => o.partitions.map((p) => p.partition)))].sort((a, b) => a - b);
  const index = new Map(map.processes.filter((p) => !p.stale).map((p, i) => [p.process, i]));
  return (
    <div id="process-map-content" data-processes={String(map.processes.length)}>
      {map.processes.length === 0 ? (
        <p class="muted">No process has published its presence yet.</p>
      ) : (
        <div class="processes">
          {map.processes.map((p) => (
            <section class={p.stale ? 'card process stale' : 'card process'} data-process={p.process}>
              <h2>
                <code safe>{p.process}</code>{' '}
                <span class={p.stale ? 'count lagging' : 'count'} safe>
                  {p.stale ? `stale: silent ${seconds(p.silent_ms)}` : 'live'}
                </span>
              </h2>
              <p class="muted">
                <span safe>{`pid ${p.pid} on ${p.host} · ${p.transport} · started `}</span>
                <Time ms={p.started_at} />
                <span safe>{` · heartbeat ${seconds(p.silent_ms)} ago`}</span>
                {p.web_url ? (
                  <>
                    {' · web '}
                    <code safe>{p.web_url}</code>
                  </>
                ) : (
                  ''
                )}
              </p>
              <table class="process-actors">
                <thead>
                  <tr>
                    <th>Actor</th>
                    <th>Group</th>
                    <th>Partitions</th>
                    <th>State</th>
                    <th>Restarts</th>
                    <th>Restored rows</th>
                  </tr>
                </thead>
                <tbody>
                  {p.actors.map((a) => (
                    <tr data-actor={a.actor} data-partitions={a.partitions.join(',')} data-state={a.state}>
                      <td safe>{a.actor}</td>
                      <td>
                        <code safe>{a.group}</code>
                      </td>
                      <td class="partitions" safe>
                        {a.partitions.length === 0 ? '–' : a.partitions.join(', ')}
                      </td>
                      <td>
                        <span safe>{a.state}</span>
                        {a.paused ? <strong class="paused"> · work paused</strong> : ''}
                      </td>
                      <td class="num">
                        <span safe>{String(a.restarts)}</span>
                        {a.last_crash ? <span class="muted" safe>{` (last: ${a.last_crash})`}</span> : ''}
                      </td>
                      <td class="num" safe>
                        {String(a.restored_rows)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
      )}
      <section class="card">
        <h2>Who owns which partition</h2>
        <p class="muted">
          Live processes only, one colour per process. A partition under two processes (outlined) is moving: a rebalance in progress.
        </p>
        <table class="owners">
          <thead>
            <tr>
              <th>Actor</th>
              {columns.map((p) => (
                <th class="num" safe>
                  {String(p)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.owners.map((o) => (
              <tr data-actor={o.actor}>
                <td safe>{o.actor}</td>
                {columns.map((partition) => {
                  const owners = o.partitions.find((p) => p.partition === partition)?.processes ?? [];
                  const first = owners[0];
                  const tone = first === undefined ? '' : ` p${(index.get(first) ?? 0) % 6}`;
                  return (
                    <td class={`owner${tone}${owners.length > 1 ? ' moving' : ''}`} data-partition={String(partition)} safe>
                      {owners.length === 0 ? '–' : owners.join(' + ')}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Changes</h2>
        {map.changes.length === 0 ? (
          <p class="muted">None seen since this page's web started.</p>
        ) : (
          <ol class="changes">
            {map.changes.slice(0, 30).map((c) => (
              <li>
                <Time ms={c.at} /> <code safe>{c.process}</code> {c.actor ? <strong safe>{c.actor}</strong> : ''} <span safe>{c.what}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

export function ProcessesPage(props: { session: SignedIn; deadLetterTopic: string; map: ProcessMapSnapshot }): JSX.Element {
  return (
    <Layout title="Processes" session={props.session} active="console" scripts={['/public/liveFragments.js']}>
      <section class="card">
        <ConsoleNav at="processes" deadLetterTopic={props.deadLetterTopic} />
        <h1>Processes</h1>
        <p class="muted">
          Which process hosts which actor instance and which partitions. Every process publishes this to a compacted topic on every
          rebalance and on a heartbeat; start another <code>bun run start --kafka … --actors bake</code> and watch the bake partitions split
          between the two, stop it and watch them come back. Updated every second.
        </p>
      </section>
      <div id="process-map" data-fragment="/console/processes/fragment">
        <ProcessMapView map={props.map} />
      </div>
    </Layout>
  );
}
