// The pizza preview on the menu: draws the chosen sauce, cheese and toppings as you pick them.
(() => {
  const form = document.getElementById('menu-form');
  const pizza = document.getElementById('pizza-preview');
  if (!form || !pizza) return;
  const colour = (name, palette, fallback) => {
    const key = Object.keys(palette).find((k) => name.toLowerCase().includes(k));
    return key ? palette[key] : fallback;
  };
  const SAUCE = { tomato: '#c8432b', pesto: '#5a8f3a', bbq: '#6b2e1f', garlic: '#f1ead8', white: '#f1ead8' };
  const CHEESE = { mozzarella: '#fff6dc', cheddar: '#f3b53f', vegan: '#f6edc6', goat: '#fbfaf3' };
  const TOPPING = {
    pepperoni: '#a3271b',
    ham: '#e79a9a',
    mushroom: '#b89b7a',
    chicken: '#e6c38f',
    olive: '#2b2b2b',
    onion: '#d9b8e0',
    pepper: '#3f9b3a',
    pineapple: '#f4d03f',
    jalapeno: '#2f7d2f',
    basil: '#3c8d3c',
    anchov: '#8a8f99',
    sweetcorn: '#f7dc5c',
  };
  const draw = () => {
    const data = new FormData(form);
    const sauce = data.get('sauce');
    const cheese = data.get('cheese');
    const main = data.get('main_topping');
    const extras = data.getAll('extra_toppings');
    pizza.querySelector('.sauce').style.background = sauce ? colour(String(sauce), SAUCE, '#c8432b') : 'transparent';
    pizza.querySelector('.cheese').style.background = cheese ? colour(String(cheese), CHEESE, '#fff6dc') : 'transparent';
    const toppings = pizza.querySelector('.toppings');
    toppings.replaceChildren();
    const kinds = [main, ...extras].filter((t) => t && !String(t).toLowerCase().includes('no topping'));
    kinds.forEach((kind, k) => {
      for (let i = 0; i < 7; i++) {
        const dot = document.createElement('span');
        const angle = (i / 7) * 2 * Math.PI + k * 0.9;
        const radius = 8 + ((i * 13 + k * 17) % 34);
        dot.style.left = `${50 + radius * Math.cos(angle)}%`;
        dot.style.top = `${50 + radius * Math.sin(angle)}%`;
        dot.style.background = colour(String(kind), TOPPING, '#7a4b2a');
        toppings.appendChild(dot);
      }
    });
    const summary = document.getElementById('pizza-summary');
    summary.textContent =
      sauce && cheese && main
        ? `${sauce}, ${cheese}, ${main}${extras.length ? ` + ${extras.join(', ')}` : ''}`
        : 'Choose a sauce, a cheese and a main topping.';
  };
  form.addEventListener('change', draw);
  // The lab's clickstream: picking an item is a click on it (POST /api/clicks); a failed beacon
  // changes nothing for the customer.
  const ITEM_FIELDS = ['sauce', 'cheese', 'main_topping', 'extra_toppings'];
  form.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.checked || !ITEM_FIELDS.includes(input.name)) return;
    fetch('/api/clicks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prod_id: input.value }),
      credentials: 'same-origin',
      keepalive: true,
    }).catch(() => undefined);
  });
  draw();
})();
