import { CSRF_FIELD } from '../protect/csrf.ts';
import type { BrowsedMessage, BrowseQuery, BrowseResult } from '../console/browseMessages.ts';
import { formatCursor } from '../console/browseMessages.ts';
import type { GroupReport, LagSample } from '../console/consumerGroups.ts';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import { Layout, Time } from './Layout.tsx';

/**
 * The teaching console: a message browser over any topic and the consumer groups with their lag.
 * Live tail is public/console.js polling the JSON API; everything else is plain HTML forms.
 */

export function ConsoleNav(props: {
  at: 'messages' | 'groups' | 'dead-letters' | 'processes' | 'faults';
  deadLetterTopic: string;
}): JSX.Element {
  const link = (href: string, key: typeof props.at, label: string) => (
    <a href={href} class={props.at === key ? 'active' : ''} safe>
      {label}
    </a>
  );
  return (
    <nav class="console-nav">
      {link('/console', 'messages', 'Messages')}
      {link('/console/groups', 'groups', 'Consumer groups')}
      {link(`/console?topic=${encodeURIComponent(props.deadLetterTopic)}`, 'dead-letters', 'Dead letters')}
      {link('/console/processes', 'processes', 'Processes')}
      {link('/console/faults', 'faults', 'Faults')}
    </nav>
  );
}

/** A message's value as text: JSON compact, text as it is. */
export function valueText(m: Pick<BrowsedMessage, 'value' | 'encoding'>): string {
  if (m.encoding === 'empty') return '(empty)';
  if (m.encoding === 'text' || m.encoding === 'base64') return String(m.value);
  return JSON.stringify(m.value);
}

function MessageRow(props: { m: BrowsedMessage; redrive?: { csrfToken: string } | undefined }): JSX.Element {
  const { m } = props;
  const headers = Object.entries(m.headers);
  return (
    <tr data-partition={String(m.partition)} data-offset={String(m.offset)}>
      <td class="num" safe>
        {String(m.partition)}
      </td>
      <td class="num" safe>
        {String(m.offset)}
      </td>
      <td>
        <Time ms={m.timestamp} />
      </td>
      <td>{m.key === null ? <span class="muted">null</span> : <code safe>{m.key}</code>}</td>
      <td>
        {headers.length === 0 ? (
          <span class="muted">–</span>
        ) : (
          <ul class="headers">
            {headers.map(([name, value]) => (
              <li>
                <code safe>{name}</code>: <span safe>{value}</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <span class="encoding" safe>
          {m.encoding}
        </span>{' '}
        <code class="value" safe>
          {valueText(m)}
        </code>
      </td>
      {props.redrive ? (
        <td>
          {m.headers['dlq.source.topic'] ? (
            <form method="post" action="/console/redrive" class="redrive">
              <input type="hidden" name={CSRF_FIELD} value={props.redrive.csrfToken} />
              <input type="hidden" name="partition" value={String(m.partition)} />
              <input type="hidden" name="offset" value={String(m.offset)} />
              <button type="submit" title={`republish to ${m.headers['dlq.source.topic']}`}>
                Redrive
              </button>
            </form>
          ) : (
            <span class="muted">–</span>
          )}
        </td>
      ) : (
        ''
      )}
    </tr>
  );
}

export interface MessagesPageProps {
  session: SignedIn;
  topics: string[];
  deadLetterTopic: string;
  query: BrowseQuery;
  result: BrowseResult;
  /** what a redrive just did, to show once */
  notice?: string | undefined;
}

export function MessagesPage(props: MessagesPageProps): JSX.Element {
  const { query, result } = props;
  const dead = query.topic === props.deadLetterTopic;
  const option = (value: string, label: string, selected: boolean) => (
    <option value={value} selected={selected} safe>
      {label}
    </option>
  );
  return (
    <Layout title="Messages" session={props.session} active="console" scripts={['/public/console.js']}>
      <section class="card">
        <ConsoleNav at={dead ? 'dead-letters' : 'messages'} deadLetterTopic={props.deadLetterTopic} />
        <h1>{dead ? 'Dead letters' : 'Messages'}</h1>
        {dead ? (
          <p class="muted">
            Messages an actor could not read, with why (<code>dlq.reason</code>) and where they came from. <em>Redrive</em> republishes one
            to its source topic, marked with a <code>redriven.from</code> header.
          </p>
        ) : (
          <p class="muted">Any topic, partition and offset range, read without a consumer group: browsing moves nobody's offsets.</p>
        )}
        {props.notice ? (
          <p class="notice" role="status" safe>
            {props.notice}
          </p>
        ) : (
          ''
        )}
        <form method="get" action="/console" class="browse" id="browse">
          <label>
            Topic <select name="topic">{props.topics.map((t) => option(t, t, t === query.topic))}</select>
          </label>
          <label>
            Partition{' '}
            <select name="partition">
              {option('', 'all', query.partition === undefined)}
              {result.partitions.map((p) => option(String(p.partition), String(p.partition), query.partition === p.partition))}
            </select>
          </label>
          <label>
            From offset <input type="number" name="from" min="0" value={query.from === undefined ? '' : String(query.from)} />
          </label>
          <label>
            To offset <input type="number" name="to" min="0" value={query.to === undefined ? '' : String(query.to)} />
          </label>
          <label>
            Key <input type="text" name="key" value={query.key ?? ''} placeholder="order id" />
          </label>
          <label>
            Text <input type="text" name="text" value={query.text ?? ''} placeholder="in value, key or headers" />
          </label>
          <label>
            Order{' '}
            <select name="order">
              {option('newest', 'newest first', query.newestFirst)}
              {option('oldest', 'oldest first', !query.newestFirst)}
            </select>
          </label>
          <label>
            Limit <input type="number" name="limit" min="1" max="500" value={String(query.limit)} />
          </label>
          <button type="submit">Browse</button>
          <label class="tail">
            <input type="checkbox" id="live-tail" /> Live tail
          </label>
        </form>
        <p class="muted" id="browse-summary">
          {`${result.messages.length} message(s) shown; ${result.scanned} read; ends: ${result.partitions.map((p) => `${p.partition}:${p.end}`).join(' ')}`}
          {result.truncated ? ' — the scan stopped at its budget: narrow the offset range to see more' : ''}
        </p>
        <table
          class="messages"
          id="messages"
          data-topic={query.topic}
          data-cursor={formatCursor(result.cursor)}
          data-redrive={dead ? props.session.csrfToken : ''}
        >
          <thead>
            <tr>
              <th>Partition</th>
              <th>Offset</th>
              <th>Time</th>
              <th>Key</th>
              <th>Headers</th>
              <th>Value</th>
              {dead ? <th>Redrive</th> : ''}
            </tr>
          </thead>
          <tbody>
            {result.messages.map((m) => (
              <MessageRow m={m} redrive={dead ? { csrfToken: props.session.csrfToken } : undefined} />
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}

/** Lag over the window as a small line chart (SVG, no script). */
export function LagChart(props: { samples: LagSample[]; windowMs: number; now: number }): JSX.Element {
  const width = 240;
  const height = 48;
  const peak = Math.max(0, ...props.samples.map((s) => s.lag));
  const max = Math.max(1, peak);
  const last = props.samples.at(-1);
  const x = (at: number) => (width * (1 - Math.min(1, Math.max(0, (props.now - at) / props.windowMs)))).toFixed(1);
  const y = (lag: number) => (height - 2 - ((height - 4) * lag) / max).toFixed(1);
  const points = props.samples.map((s) => `${x(s.at)},${y(s.lag)}`).join(' ');
  const minutes = Math.round(props.windowMs / 60_000);
  return (
    <figure class="lag-chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={String(width)}
        height={String(height)}
        role="img"
        aria-label={`lag over the last ${minutes} minutes`}
      >
        <line x1="0" y1={String(height - 2)} x2={String(width)} y2={String(height - 2)} class="axis" />
        {props.samples.length > 1 ? <polyline points={points} class="lag-line" /> : ''}
        {last ? <circle cx={x(last.at)} cy={y(last.lag)} r="2.5" class="lag-now" /> : ''}
      </svg>
      <figcaption class="muted" safe>
        {props.samples.length === 0 ? 'no samples yet' : `last ${minutes} min · peak ${peak} · now ${last?.lag ?? 0}`}
      </figcaption>
    </figure>
  );
}

/** `[{topic, partition}]` as topic → its partitions, for a short line per topic. */
function assignmentByTopic(assignment: { topic: string; partition: number }[]): [string, number[]][] {
  const by = new Map<string, number[]>();
  for (const tp of assignment) by.set(tp.topic, [...(by.get(tp.topic) ?? []), tp.partition]);
  return [...by].map(([topic, ps]) => [topic, ps.sort((a, b) => a - b)]);
}

export function GroupsPage(props: {
  session: SignedIn;
  deadLetterTopic: string;
  groups: (GroupReport & { history: LagSample[] })[];
  windowMs: number;
  now: number;
}): JSX.Element {
  return (
    <Layout title="Consumer groups" session={props.session} active="console">
      <section class="card">
        <ConsoleNav at="groups" deadLetterTopic={props.deadLetterTopic} />
        <h1>Consumer groups</h1>
        <p class="muted">
          Each actor reads as one consumer group; its members share the partitions. Lag is what a group has not committed yet: end offset
          minus committed offset. On Kafka a lag of 1 that does not go away is the commit marker of the transaction that wrote a partition's
          last message: it takes an offset, and groups commit the offset after the last message they read.
        </p>
      </section>
      <div class="groups">
        {props.groups.map((g) => (
          <section class="card group" data-group={g.groupId}>
            <div class="group-head">
              <div>
                <h2 safe>{g.actor}</h2>
                <code safe>{g.groupId}</code>{' '}
                <span class="count" safe>
                  {g.state ?? 'unknown'}
                </span>{' '}
                <span class="muted">lag</span>{' '}
                <strong class="group-lag" safe>
                  {String(g.lag)}
                </strong>
              </div>
              <LagChart samples={g.history} windowMs={props.windowMs} now={props.now} />
            </div>
            <h3>Members</h3>
            {g.members.length === 0 ? (
              <p class="muted">No member is running (nothing reads for this group now).</p>
            ) : (
              <table class="members">
                <thead>
                  <tr>
                    <th>Member</th>
                    <th>Client</th>
                    <th>Host</th>
                    <th>Partitions</th>
                  </tr>
                </thead>
                <tbody>
                  {g.members.map((m) => (
                    <tr>
                      <td>
                        <code safe>{m.memberId}</code>
                      </td>
                      <td safe>{m.clientId}</td>
                      <td safe>{m.host}</td>
                      <td>
                        <ul class="assignment">
                          {assignmentByTopic(m.assignment).map(([topic, ps]) => (
                            <li>
                              <code safe>{topic}</code> <span safe>{ps.join(',')}</span>
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <details class="partitions" open={g.lag > 0}>
              <summary>
                <h3 safe>{`Partitions: ${g.partitions.length}, ${g.partitions.filter((p) => p.lag > 0).length} lagging`}</h3>
              </summary>
              <table class="partitions">
                <thead>
                  <tr>
                    <th>Topic</th>
                    <th>Partition</th>
                    <th>Committed</th>
                    <th>End</th>
                    <th>Lag</th>
                    <th>Member</th>
                  </tr>
                </thead>
                <tbody>
                  {g.partitions.map((p) => (
                    <tr>
                      <td>
                        <code safe>{p.topic}</code>
                      </td>
                      <td class="num" safe>
                        {String(p.partition)}
                      </td>
                      <td class="num" safe>
                        {p.committed === null ? '–' : String(p.committed)}
                      </td>
                      <td class="num" safe>
                        {String(p.end)}
                      </td>
                      <td class={p.lag > 0 ? 'num lagging' : 'num'} safe>
                        {String(p.lag)}
                      </td>
                      <td safe>{p.memberId ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
        ))}
      </div>
    </Layout>
  );
}
