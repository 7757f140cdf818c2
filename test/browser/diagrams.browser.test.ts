import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// The ELK-laid-out diagrams as a real Chromium draws them at 1280 px: on the order page, the
// kitchen and the flow page of the whole shop (in memory, this process, at real speed so the
// order is still in the kitchen when the pages are read). What is measured is what the browser
// rendered (getBoundingClientRect of every text and box), not what the layout meant to do: a
// font wider than the layout assumed would show here. Runs under Bun.

const SCREENSHOTS = 'test-output/screenshots';

/** What one figure looks like on the page: every box and text, in page pixels. */
interface Drawn {
  machine: string;
  svgRight: number;
  /** drawn size over the layout's size: below 1 the browser shrank the picture to fit */
  scale: number;
  states: { key: string; box: Rect; texts: Rect[] }[];
  compounds: { key: string; box: Rect; title: Rect }[];
  labels: { edge: string; box: Rect }[];
}
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Reads every diagram of the page as drawn. */
function drawnDiagrams(page: Page): Promise<Drawn[]> {
  return page.$$eval('figure.diagram', (figures) => {
    const rect = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    };
    return figures.map((f) => ({
      machine: f.getAttribute('data-machine') ?? '',
      svgRight: f.querySelector('svg')?.getBoundingClientRect().right ?? 0,
      scale:
        (f.querySelector('svg')?.getBoundingClientRect().width ?? 0) /
        ((f.querySelector('svg') as SVGSVGElement | null)?.viewBox.baseVal.width || 1),
      states: Array.from(f.querySelectorAll('g.state')).map((g) => ({
        key: g.getAttribute('data-state') ?? '',
        box: rect(g.querySelector(':scope > rect') as Element),
        texts: Array.from(g.querySelectorAll(':scope > text')).map(rect),
      })),
      compounds: Array.from(f.querySelectorAll('g.compound')).map((g) => ({
        key: g.getAttribute('data-compound') ?? '',
        box: rect(g.querySelector(':scope > rect') as Element),
        title: rect(g.querySelector(':scope > text') as Element),
      })),
      labels: Array.from(f.querySelectorAll('g.edge')).flatMap((g) => {
        const text = g.querySelector(':scope > text');
        return text ? [{ edge: `${g.getAttribute('data-from')} → ${g.getAttribute('data-to')}`, box: rect(text) }] : [];
      }),
    }));
  });
}

const EPS = 0.5;
const overlaps = (a: Rect, b: Rect) =>
  Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > EPS && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > EPS;
const inside = (outer: Rect, inner: Rect) =>
  inner.x >= outer.x - EPS &&
  inner.y >= outer.y - EPS &&
  inner.x + inner.w <= outer.x + outer.w + EPS &&
  inner.y + inner.h <= outer.y + outer.h + EPS;

/** Every text that crosses a box or another text, in words. */
function crossings(d: Drawn): string[] {
  const out: string[] = [];
  for (const [i, l] of d.labels.entries()) {
    for (const s of d.states) if (overlaps(l.box, s.box)) out.push(`${d.machine}: label of ${l.edge} crosses state ${s.key}`);
    for (const c of d.compounds) {
      if (overlaps(l.box, c.box) && !inside(c.box, l.box)) out.push(`${d.machine}: label of ${l.edge} crosses the border of ${c.key}`);
      if (overlaps(l.box, c.title)) out.push(`${d.machine}: label of ${l.edge} crosses the name of ${c.key}`);
    }
    for (const m of d.labels.slice(i + 1))
      if (overlaps(l.box, m.box)) out.push(`${d.machine}: label of ${l.edge} crosses label of ${m.edge}`);
  }
  for (const s of d.states) {
    for (const t of s.texts) {
      if (!inside(s.box, t)) out.push(`${d.machine}: the text of state ${s.key} sticks out of its box`);
      for (const o of d.states)
        if (o !== s && overlaps(t, o.box)) out.push(`${d.machine}: the text of state ${s.key} crosses state ${o.key}`);
    }
  }
  for (const c of d.compounds) {
    if (!inside(c.box, c.title)) out.push(`${d.machine}: the name of ${c.key} sticks out of it`);
    for (const s of d.states) if (overlaps(c.title, s.box)) out.push(`${d.machine}: the name of ${c.key} crosses state ${s.key}`);
  }
  return out;
}

describe.skipIf(!browserTestsRun())('the diagrams in a browser at 1280 px', () => {
  const config = loadConfig();
  let shop: Shop;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: BrowserContext;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    shop = await startShop({ config, memory: true, speed: 1, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    chromium = await launchChromium();
    browser = chromium.browser;
    page = browser.pages()[0] ?? (await browser.newPage());
    expect(page.viewportSize()?.width).toBe(1280);
    await page.goto(`${url}/login`);
    await page.fill('input[name="username"]', 'Ada');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await shop?.stop();
  });

  /** Checks every diagram of the page and returns them (each must have drawn something). */
  const check = async (machines: string[]): Promise<Drawn[]> => {
    const drawn = await drawnDiagrams(page);
    expect(drawn.map((d) => d.machine)).toEqual(machines);
    for (const d of drawn) {
      expect(d.states.length, `${d.machine} draws its states`).toBeGreaterThan(1);
      expect(d.labels.length, `${d.machine} draws its labels`).toBeGreaterThan(1);
      // it fits the page: no sideways scrolling at 1280 px
      expect(d.svgRight, `${d.machine} fits the page`).toBeLessThanOrEqual(1280);
      // and fits it at (nearly) full size, so the 10 px labels stay readable
      expect(d.scale, `${d.machine} is drawn at full size`).toBeGreaterThanOrEqual(0.97);
    }
    expect(drawn.flatMap(crossings)).toEqual([]);
    return drawn;
  };

  it('the order page: the lifecycle with its compound states, no text crossing a box or another text, the state lit', async () => {
    await page.check('input[name="sauce"][value="Pesto"]');
    await page.check('input[name="cheese"][value="Mozzarella"]');
    await page.check('input[name="main_topping"][value="Mushrooms"]');
    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    await page.waitForSelector('figure[data-machine="order"] g.state.current');
    const [order] = await check(['order']);
    expect(order?.compounds.map((c) => c.key).sort()).toEqual(['inProgress', 'notSeen']);
    // the children are drawn inside their compound
    const inProgress = order?.compounds.find((c) => c.key === 'inProgress')?.box;
    for (const s of order?.states.filter((s) => s.key.startsWith('inProgress.')) ?? [])
      expect(inside(inProgress as Rect, s.box), s.key).toBe(true);
    const lit = await page.getAttribute('figure[data-machine="order"] g.state.current', 'data-state');
    expect(order?.states.map((s) => s.key)).toContain(lit);
    await page.locator('figure[data-machine="order"]').screenshot({ path: join(SCREENSHOTS, 'diagram-order.png') });
  }, 60_000);

  it('the kitchen: each station chart fits its column, nothing crosses', async () => {
    await page.goto(`${url}/kitchen`);
    await page.waitForSelector('body[data-live="open"]');
    await check(['station-assemble', 'station-bake', 'station-delivery']);
    await page.locator('.stations').screenshot({ path: join(SCREENSHOTS, 'diagram-kitchen.png') });
  }, 60_000);

  it('the flow page: actors and topics with live counts, nothing crosses', async () => {
    await page.goto(`${url}/flow`);
    const [flow] = await check(['flow']);
    expect(flow?.states.map((s) => s.key)).toContain('processor');
    await page.locator('figure[data-machine="flow"]').screenshot({ path: join(SCREENSHOTS, 'diagram-flow.png') });
  }, 60_000);
});
