import { CSRF_FIELD } from '../protect/csrf.ts';
import type { MachineDiagram } from '../diagram/machineDiagram.ts';
import { StateDiagram } from '../diagram/StateDiagram.tsx';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import type { OrderView } from '../view/orderView.ts';
import { type OrderTrace, refText } from '../console/orderTrace.ts';
import { Layout, Time } from './Layout.tsx';

export interface OrderPageProps {
  session: SignedIn;
  order: OrderView;
  label: (code: number | null) => string;
  /** the order machine's diagram(s) and the state that stands for the current status */
  diagrams: MachineDiagram[];
  currentState: string | undefined;
  /** why cancelling is refused now, or undefined when the customer may cancel */
  cancelRefusal: string | undefined;
  speed?: number | undefined;
  /** cause and effect, read from the log when the page was made */
  trace?: OrderTrace | undefined;
  /** what the scrubber lights at each step: the service flow's stage of a topic, the statechart's state of a status */
  traceView?: { stageOf(topic: string): string | undefined; stateOf(status: number): string | undefined } | undefined;
}

/** Every message of the order as a list: who wrote it, what caused it, who read it and what each emitted. */
function CauseAndEffect(props: {
  trace: OrderTrace;
  label: (code: number | null) => string;
  view?: OrderPageProps['traceView'];
}): JSX.Element {
  const t = props.trace;
  const last = Math.max(0, t.steps.length - 1);
  return (
    <section class="cause-effect" id="cause-effect">
      <h2>Cause and effect</h2>
      <p class="muted">
        {t.traceIds.length === 1 ? (
          <>
            One trace: <code safe>{t.traceIds[0] ?? ''}</code>.{' '}
          </>
        ) : (
          <span safe>{`${t.traceIds.length} traces. `}</span>
        )}
        Every message about this order, linked by its <code>traceparent</code> and <code>span.parent</code> headers: which actor wrote it,
        which actors read it and what each emitted because of it.
      </p>
      <div class="scrubber">
        <label for="trace-scrubber">Replay</label>{' '}
        <input type="range" id="trace-scrubber" min="0" max={String(last)} value={String(last)} step="1" />{' '}
        <output id="trace-at" for="trace-scrubber" safe>
          {`step ${last + 1} of ${t.steps.length}`}
        </output>
        <span class="muted"> — the statechart, the service flow and this list follow the step.</span>
      </div>
      <ol class="trace-steps" id="trace-steps">
        {t.steps.map((s) => (
          <li
            id={`step-${s.topic}-${s.partition}-${s.offset}`}
            data-stage={props.view?.stageOf(s.topic) ?? ''}
            data-state={s.statusChange ? (props.view?.stateOf(s.statusChange.to) ?? '') : ''}
          >
            <Time ms={s.timestamp} /> <strong safe>{s.actor}</strong> wrote <code safe>{refText(s)}</code>
            {s.causedBy ? (
              <span class="muted">
                {' '}
                because of <code safe>{refText(s.causedBy)}</code>
              </span>
            ) : (
              ''
            )}
            {s.statusChange ? (
              <span class="status-change" safe>
                {` · status ${s.statusChange.from ?? '–'} → ${s.statusChange.to} (${props.label(s.statusChange.to)})`}
              </span>
            ) : (
              ''
            )}
            {s.readBy.length > 0 ? (
              <ul class="readers">
                {s.readBy.map((r) => (
                  <li>
                    read by <strong safe>{r.actor}</strong> →{' '}
                    {r.emitted.length === 0 ? (
                      <span class="muted">emitted nothing</span>
                    ) : (
                      r.emitted.map((e) => (
                        <>
                          <code safe>{refText(e)}</code>{' '}
                        </>
                      ))
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              ''
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

const STAGES = [
  ['ordered', 'web', 'Ordered'],
  ['assembled', 'assemble', 'Assembled'],
  ['baked', 'bake', 'Baked'],
  ['delivered', 'delivery', 'Delivered'],
] as const;

/**
 * One order: what was ordered, its status, the order machine's statechart with the current state
 * lit, the service flow, the status history, the event timeline (every message about it on every
 * topic) and the log lines of every actor that mention it. All of it moves live
 * (public/live.js, `GET /api/orders/:id/events`).
 */
export function OrderPage(props: OrderPageProps): JSX.Element {
  const o = props.order;
  const p = o.pizza;
  return (
    <Layout title={`Order ${o.orderId}`} session={props.session} active="orders" scripts={['/public/live.js', '/public/scrubber.js']}>
      <section class="card order" data-live-order={`/api/orders/${o.orderId}/events`} data-order-id={o.orderId}>
        <div class="order-head">
          <div>
            <h1>
              Order <code safe>{o.orderId}</code>
            </h1>
            <p class="muted">
              Placed <Time ms={o.placedAt} />
              {props.speed !== undefined && props.speed !== 1 ? <span safe>{` · kitchen speed ×${props.speed}`}</span> : ''}
            </p>
          </div>
          <div class="status-box">
            <div class="status-label" id="status-label" data-status={String(o.status ?? '')} safe>
              {props.label(o.status)}
            </div>
            <div class="muted">
              status{' '}
              <code id="status-code" safe>
                {String(o.status ?? '–')}
              </code>
            </div>
            <form method="post" action={`/orders/${o.orderId}/cancel`} id="cancel-form" class={props.cancelRefusal ? 'hidden' : ''}>
              <input type="hidden" name={CSRF_FIELD} value={props.session.csrfToken} />
              <button type="submit" class="danger" id="cancel-button">
                Cancel order
              </button>
            </form>
            <p class="muted" id="cancel-note" safe>
              {o.cancelRequestedAt !== null && o.status !== null ? 'Cancellation requested' : ''}
            </p>
          </div>
        </div>
        {p ? (
          <dl class="pizza-facts">
            <dt>Sauce</dt>
            <dd safe>{p.sauce}</dd>
            <dt>Cheese</dt>
            <dd safe>{p.cheese}</dd>
            <dt>Main topping</dt>
            <dd safe>{p.main_topping}</dd>
            <dt>Extras</dt>
            <dd safe>{p.extra_toppings.length ? p.extra_toppings.join(', ') : 'none'}</dd>
            <dt>Price</dt>
            <dd id="order-price" safe>
              {o.price
                ? `${o.price.total.toFixed(2)} (${o.price.items
                    .map((i) => `${i.prod_id} ${i.price.toFixed(2)}${i.discount > 0 ? ` at ${i.discount} % off` : ''}`)
                    .join(', ')})`
                : 'not priced (no inventory known when it was placed)'}
            </dd>
          </dl>
        ) : (
          ''
        )}

        <h2>Service flow</h2>
        <ol class="flow-steps" id="flow-steps">
          {STAGES.map(([stage, actor, title]) => (
            <li data-stage={stage} class={o.stages[stage] !== undefined ? 'done' : ''}>
              <span class="step-title">{title}</span>
              <span class="step-actor">{actor}</span>
              <span class="step-time">
                <Time ms={o.stages[stage]} />
              </span>
            </li>
          ))}
        </ol>

        <h2>Order lifecycle statechart</h2>
        <p class="muted">
          Drawn from the order machine's definition (machines/order.machine.ts); the lit state follows the status topic live.
        </p>
        <div class="diagram-wrap" data-current-state={props.currentState ?? ''}>
          {props.diagrams.map((d) => (
            <StateDiagram
              name="order"
              graph={d.graph}
              layout={d.layout}
              current={props.currentState ? [props.currentState] : []}
              title="order lifecycle"
            />
          ))}
        </div>

        <div class="two-col">
          <div>
            <h2>Status history</h2>
            <table class="history">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Status</th>
                  <th>Label</th>
                </tr>
              </thead>
              <tbody id="history-body">
                {o.history.map((h) => (
                  <tr>
                    <td>
                      <Time ms={h.at} />
                    </td>
                    <td safe>{String(h.status)}</td>
                    <td safe>{props.label(h.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            <h2>Event timeline</h2>
            <table class="timeline">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Topic</th>
                  <th>Partition</th>
                  <th>Offset</th>
                  <th>Actor</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody id="timeline-body">
                {o.timeline.map((t) => (
                  <tr>
                    <td>
                      <Time ms={t.timestamp} />
                    </td>
                    <td safe>{t.topic}</td>
                    <td safe>{String(t.partition)}</td>
                    <td safe>{String(t.offset)}</td>
                    <td safe>{t.actor}</td>
                    <td safe>{String(t.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>

        {props.trace ? <CauseAndEffect trace={props.trace} label={props.label} view={props.traceView} /> : ''}

        <h2>Log lines about this order</h2>
        <ol class="logs" id="logs-body">
          {o.logs.map((l) => (
            <li class={`level-${l.level}`}>
              <Time ms={l.at} />{' '}
              <span class="actor" safe>
                {l.actor}
              </span>{' '}
              <span class="level" safe>
                {l.level}
              </span>{' '}
              <span class="msg" safe>
                {l.msg}
              </span>{' '}
              <code class="fields" safe>
                {Object.keys(l.fields).length ? JSON.stringify(l.fields) : ''}
              </code>
            </li>
          ))}
        </ol>
      </section>
    </Layout>
  );
}
