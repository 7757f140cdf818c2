import type { ActorTopology } from '../../topology.ts';
import type { MachineDiagram } from '../diagram/machineDiagram.ts';
import { StateDiagram } from '../diagram/StateDiagram.tsx';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import { Layout } from './Layout.tsx';

/**
 * Flow / lineage: which actor writes and reads which topic (from the running configuration,
 * `src/topology.ts`) with the number of messages on each topic.
 */
/** A topic name with its message count. */
function TopicCount(props: { topic: string; count: string }) {
  return (
    <>
      <code safe>{props.topic}</code>{' '}
      <span class="count" safe>
        {props.count}
      </span>
    </>
  );
}

export function FlowPage(props: {
  session: SignedIn;
  topology: ActorTopology[];
  counts: Map<string, number>;
  diagram: MachineDiagram;
  side: { logs: string; deadLetter: string };
}): JSX.Element {
  const count = (topic: string) => String(props.counts.get(topic) ?? 0);
  return (
    <Layout title="Flow" session={props.session} active="flow" wide>
      <section class="card">
        <h1>Event flow</h1>
        <p class="muted">
          Actors talk only through topics. An arrow goes from the actor that writes a topic to each actor whose job reads it, labelled with
          the topic and the number of messages it holds.
        </p>
        <StateDiagram name="flow" graph={props.diagram.graph} layout={props.diagram.layout} title="actors and topics" />
        <table class="topology">
          <thead>
            <tr>
              <th>Actor</th>
              <th>Consumer group</th>
              <th>Reads</th>
              <th>Writes</th>
              <th>Job</th>
            </tr>
          </thead>
          <tbody>
            {props.topology.map((a) => (
              <tr>
                <td>
                  <strong safe>{a.actor}</strong>
                </td>
                <td>
                  <code safe>{a.actor === 'web' ? `${a.groupId}-<instance>` : a.groupId}</code>
                </td>
                <td>
                  {a.consumes.map((t) => (
                    <div>
                      <TopicCount topic={t} count={count(t)} />
                    </div>
                  ))}
                  {a.observes.map((t) => (
                    <div class="observes" title="read only to show it on the pages">
                      <TopicCount topic={t} count={count(t)} /> <span class="muted">(view)</span>
                    </div>
                  ))}
                </td>
                <td>
                  {a.produces.map((t) => (
                    <div>
                      <TopicCount topic={t} count={count(t)} />
                    </div>
                  ))}
                </td>
                <td safe>{a.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">
          Every actor also writes its log lines to <code safe>{props.side.logs}</code> (<span safe>{count(props.side.logs)}</span> messages)
          and messages it cannot read to <code safe>{props.side.deadLetter}</code> (<span safe>{count(props.side.deadLetter)}</span>).
        </p>
      </section>
    </Layout>
  );
}
