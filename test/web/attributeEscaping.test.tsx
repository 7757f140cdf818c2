import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, request, startWeb, type WebHarness } from './webHarness.ts';

// Kita escapes only `"` in attribute values, so a `&` from a user or a message used to reach the
// browser as the start of an entity and be decoded (`&lt;` read back as `<`). src/web/safeJsx.ts
// (the pages' JSX runtime) escapes every string attribute's `&`: these fail without it.

describe('attribute values are escaped at the JSX boundary', () => {
  it('escapes & and " in every string attribute, so the browser reads back exactly what was given', () => {
    const html = String(<input type="text" value={'&lt;b&gt; & "x"'} data-note={'&#34; onclick=alert(1)'} />);
    expect(html).toBe('<input type="text" value="&amp;lt;b&amp;gt; &amp; &#34;x&#34;" data-note="&amp;#34; onclick=alert(1)"/>');
  });

  it('leaves text children and components to their own rules', () => {
    const Item = (props: { label: string }) => <li data-label={props.label}>{props.label}</li>;
    expect(String(<Item label="a&b" />)).toBe('<li data-label="a&amp;b">a&b</li>');
  });

  describe('on the pages', () => {
    let h: WebHarness;
    let cookie: string;
    beforeEach(async () => {
      h = await startWeb();
      ({ cookie } = await login(h, 'ada'));
    });
    afterEach(async () => {
      await h.close();
    });

    it("the message browser's search box shows the search as typed", async () => {
      const topic = h.config.topics.pizzaOrdered;
      const html = await (
        await request(h, 'GET', `/console?topic=${topic}&text=${encodeURIComponent('&lt;script&gt;')}`, { cookie })
      ).text();
      expect(html).toContain('name="text" value="&amp;lt;script&amp;gt;"');
      expect(html).not.toContain('value="&lt;script&gt;"');
    });

    it('a process id from the presence topic stays text in the process map', async () => {
      // the process map judges heartbeats on the wall clock
      const now = Date.now();
      const process = 'p&#34;&gt;x';
      const entry = {
        process,
        pid: 1,
        host: 'h',
        transport: 'embedded',
        started_at: now,
        heartbeat_at: now,
        heartbeat_ms: 60_000,
        web_url: null,
        actors: [],
      };
      await h.producer.send(h.config.topics.processes, [{ key: process, value: JSON.stringify(entry) }]);
      await h.settle();
      const html = await (await request(h, 'GET', '/console/processes/fragment', { cookie })).text();
      expect(html).toContain('data-process="p&amp;#34;&amp;gt;x"');
    });
  });
});
