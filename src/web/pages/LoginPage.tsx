import { CSRF_FIELD } from '../protect/csrf.ts';
import { USERNAME_MAX } from '../schemas.ts';
import { Layout, Problems } from './Layout.tsx';

export function LoginPage(props: { token: string; username?: string; problems?: { field: string; problem: string }[] }): JSX.Element {
  return (
    <Layout title="Log in" active="login">
      <section class="card narrow">
        <h1>Log in</h1>
        <p>Pick a name: we make you a new customer id and keep it in a session cookie.</p>
        <Problems problems={props.problems ?? []} />
        <form method="post" action="/login" class="login">
          <input type="hidden" name={CSRF_FIELD} value={props.token} />
          <label>
            Your name
            <input
              name="username"
              required
              maxlength={String(USERNAME_MAX)}
              autofocus
              value={props.username ?? ''}
              autocomplete="nickname"
            />
          </label>
          <button type="submit">Start ordering</button>
        </form>
      </section>
    </Layout>
  );
}
