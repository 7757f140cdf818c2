import { CSRF_FIELD } from '../protect/csrf.ts';
import type { SignedIn } from '../plugins/guardPlugin.ts';

export interface LayoutProps {
  title: string;
  session?: SignedIn | undefined;
  /** which nav entry is current */
  active?: 'menu' | 'orders' | 'kitchen' | 'flow' | 'analytics' | 'console' | 'login';
  /** page scripts under /public (the live updates) */
  scripts?: string[];
  /** the full window's width (the flow chart: wide, and unreadable when scaled down) */
  wide?: boolean;
  children?: JSX.Element | JSX.Element[];
}

/** Where the header shows the shop clock: the clock plugin fills it in per request (it knows the clock, pages do not). */
export const CLOCK_SLOT = '<!--shop-clock-->';

/** The page frame: head, navigation, main. Everything comes from /public: no CDN. */
export function Layout(props: LayoutProps): JSX.Element {
  // pages pass JSX as children: already rendered, every value in it escaped where it was written
  const safeChildren = props.children;
  const nav = (href: string, key: LayoutProps['active'], label: string) => (
    <a href={href} class={props.active === key ? 'active' : ''} safe>
      {label}
    </a>
  );
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${props.title} · Pizza shop`}</title>
          <link rel="stylesheet" href="/public/style.css" />
          <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">
              <img src="/public/favicon.svg" alt="" width="22" height="22" /> Pizza shop
            </a>
            <nav>
              {props.session ? (
                <>
                  {nav('/', 'menu', 'Menu')}
                  {nav('/orders', 'orders', 'My orders')}
                  {nav('/kitchen', 'kitchen', 'Kitchen')}
                  {nav('/flow', 'flow', 'Flow')}
                  {nav('/analytics', 'analytics', 'Analytics')}
                  {nav('/console', 'console', 'Console')}
                  <span class="who">
                    <span safe>{props.session.username}</span> ·{' '}
                    <form method="post" action="/logout" class="logout">
                      <input type="hidden" name={CSRF_FIELD} value={props.session.csrfToken} />
                      <button type="submit" class="link">
                        Log out
                      </button>
                    </form>
                  </span>
                </>
              ) : (
                nav('/login', 'login', 'Log in')
              )}
            </nav>
            {CLOCK_SLOT}
          </header>
          <main class={props.wide ? 'wide' : undefined}>{safeChildren}</main>
          {(props.scripts ?? []).map((src) => (
            <script src={src} defer></script>
          ))}
        </body>
      </html>
    </>
  );
}

/** A time as the pages show it: `2026-11-24 10:15:03.120 UTC` (scripts turn it into local time). */
export function Time(props: { ms: number | null | undefined }): JSX.Element {
  if (props.ms === null || props.ms === undefined) return <span class="muted">–</span>;
  const iso = new Date(props.ms).toISOString();
  return (
    <time datetime={iso} safe>
      {`${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`}
    </time>
  );
}

/** A refusal's problems as a list. */
export function Problems(props: { problems: { field: string; problem: string }[] }): JSX.Element {
  if (props.problems.length === 0) return '';
  return (
    <div class="problems" role="alert">
      <strong>Please fix:</strong>
      <ul>
        {props.problems.map((p) => (
          <li>
            <code safe>{p.field}</code> <span safe>{p.problem}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
