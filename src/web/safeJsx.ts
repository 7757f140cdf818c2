import type { Children } from '@kitajs/html';
import { Fragment, jsx as kitaJsx, jsxs as kitaJsxs } from '@kitajs/html/jsx-runtime';

/**
 * The JSX runtime of every page (`jsxImportSource: "#html"`, mapped here by package.json
 * `imports`): Kita's, with every string attribute of an element escaped fully.
 *
 * Kita escapes only `"` in attribute values, so a `&` in one starts an entity the browser decodes:
 * a search for `&lt;b&gt;` came back in its box as `<b>`, a message header with `&#34;` showed a
 * quote, and a `data-*` value a script reads arrived decoded. Escaping `&` here (Kita then escapes
 * `"`) makes what the browser reads exactly the string given, for every attribute of every page at
 * once. `attrs` (raw attributes by design) and `style` objects are left to Kita.
 *
 * @example
 * <input value={'a &lt; b'} />  // <input value="a &amp;lt; b"/>: the box shows `a &lt; b`
 */
type Props = { children?: Children; [key: string]: unknown };
type Name = string | ((props: Props) => JSX.Element);

const RAW = new Set(['children', 'safe', 'of', 'attrs', 'style']);

function escaped(props: Props): Props {
  let out: Props | undefined;
  for (const key in props) {
    const value = props[key];
    if (typeof value !== 'string' || RAW.has(key) || !value.includes('&')) continue;
    out ??= { ...props };
    out[key] = value.replaceAll('&', '&amp;');
  }
  return out ?? props;
}

// components (functions) get their props as given: their elements are escaped when they are made
export function jsx(name: Name, props: Props): JSX.Element {
  return kitaJsx(name, typeof name === 'string' ? escaped(props) : props);
}

export function jsxs(name: Name, props: Props): JSX.Element {
  return kitaJsxs(name, (typeof name === 'string' ? escaped(props) : props) as Props & { children: Children[] });
}

export const jsxDEV = jsx;
export { Fragment };
