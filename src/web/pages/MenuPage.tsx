import { CSRF_FIELD } from '../protect/csrf.ts';
import type { Menu } from '../../config/shopConfig.ts';
import type { SignedIn } from '../plugins/guardPlugin.ts';
import type { ItemPrice } from '../pricing.ts';
import type { PromotionView } from '../view/labView.ts';
import { Layout, Problems } from './Layout.tsx';

export interface MenuChoice {
  sauce?: unknown;
  cheese?: unknown;
  main_topping?: unknown;
  extra_toppings?: unknown;
}

/** The menu as a form: one sauce, one cheese, one main topping (radio buttons), any extras (checkboxes). */
export function MenuPage(props: {
  session: SignedIn;
  menu: Menu;
  chosen?: MenuChoice;
  problems?: { field: string; problem: string }[];
  /** placing twice with one key (a double click, a resent form) places one order */
  idempotencyKey: string;
  /** the lab's current promotions: the item, its discount, why */
  promotions?: PromotionView[];
  /** each item's price now (absent: the web knows no inventory yet) */
  prices?: Record<string, ItemPrice>;
  /** the signed quote of those prices, sent back with the order (pricing.ts) */
  quote?: string;
}): JSX.Element {
  const chosen = props.chosen ?? {};
  const prices = props.prices ?? {};
  const money = (n: number) => n.toFixed(2);
  const price = (item: string) => {
    const p = prices[item];
    if (!p) return '';
    return p.discount > 0 ? (
      <span class="price promoted">
        <s safe>{money(p.list_price)}</s> <strong safe>{money(p.price)}</strong>
      </span>
    ) : (
      <span class="price" safe>
        {money(p.price)}
      </span>
    );
  };
  const extras = Array.isArray(chosen.extra_toppings) ? chosen.extra_toppings : [];
  const group = (field: 'sauce' | 'cheese' | 'main_topping', title: string, options: string[]) => (
    <fieldset class="choice">
      <legend safe>{title}</legend>
      {options.map((option, i) => (
        <label class="option">
          <input type="radio" name={field} value={option} required={i === 0} checked={chosen[field] === option} />
          <span safe>{option}</span>
          {price(option)}
        </label>
      ))}
    </fieldset>
  );
  return (
    <Layout title="Menu" session={props.session} active="menu" scripts={['/public/menu.js']}>
      <section class="card">
        <h1>Build your pizza</h1>
        {(props.promotions ?? []).length > 0 ? (
          <ul class="promotions" id="promotions">
            {(props.promotions ?? []).map((p) => (
              <li data-item={p.item} safe>
                {`${p.item}: ${p.discount} % off${prices[p.item] ? `, ${money(prices[p.item]?.price ?? 0)} instead of ${money(prices[p.item]?.list_price ?? 0)}` : ''} (${p.why})`}
              </li>
            ))}
          </ul>
        ) : (
          ''
        )}
        <Problems problems={props.problems ?? []} />
        <form method="post" action="/" class="menu" id="menu-form">
          <input type="hidden" name={CSRF_FIELD} value={props.session.csrfToken} />
          <input type="hidden" name="idempotency_key" value={props.idempotencyKey} />
          {props.quote ? <input type="hidden" name="quote" value={props.quote} /> : ''}
          <div class="menu-grid">
            <div class="pizza-preview" aria-hidden="true">
              <div class="pizza" id="pizza-preview">
                <div class="base" />
                <div class="layer sauce" />
                <div class="layer cheese" />
                <div class="toppings" />
              </div>
              <p class="muted" id="pizza-summary">
                Choose a sauce, a cheese and a main topping.
              </p>
            </div>
            <div>
              {group('sauce', 'Sauce (one)', props.menu.sauce)}
              {group('cheese', 'Cheese (one)', props.menu.cheese)}
              {group('main_topping', 'Main topping (one)', props.menu.mainTopping)}
              <fieldset class="choice">
                <legend>Extra toppings (any)</legend>
                {props.menu.extraToppings.map((option) => (
                  <label class="option">
                    <input type="checkbox" name="extra_toppings" value={option} checked={extras.includes(option)} />
                    <span safe>{option}</span>
                    {price(option)}
                  </label>
                ))}
              </fieldset>
              <button type="submit" class="primary">
                Order this pizza
              </button>
            </div>
          </div>
        </form>
      </section>
    </Layout>
  );
}
