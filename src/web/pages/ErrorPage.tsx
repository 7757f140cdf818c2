import type { SignedIn } from '../plugins/guardPlugin.ts';
import { Layout } from './Layout.tsx';

export function ErrorPage(props: { status: number; message: string; session?: SignedIn | undefined }): JSX.Element {
  const title =
    props.status === 404
      ? 'Not found'
      : props.status === 409
        ? 'Not possible now'
        : props.status >= 500
          ? 'Something went wrong'
          : 'Cannot do that';
  return (
    <Layout title={title} session={props.session}>
      <section class="card narrow error">
        <h1 safe>{title}</h1>
        <p safe>{props.message}</p>
        <p>
          <a href="/orders">My orders</a> · <a href="/">Menu</a>
        </p>
      </section>
    </Layout>
  );
}
