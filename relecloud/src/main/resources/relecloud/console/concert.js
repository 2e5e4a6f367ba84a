// One concert: what, when and where, its price and the seats left; agents add tickets to the cart.
import {api, h, page, problem, facts, param} from '/console/app.js';
import {BASE, abilities, money, whenEl, seats, addToCart, cartCount} from '/console/relecloud/relecloud.js';

page('Concert', async main => {
  const id = param('id');
  main.prepend(h('p', {}, h('a', {href: '/console/relecloud/concerts.html'}, '← Concerts')));
  if (!id || !/^\d+$/.test(id)) {
    main.append(h('div', {class: 'problem', role: 'alert'}, 'No concert chosen. Pick one from the concert list.'));
    return;
  }
  const [c, me] = await Promise.all([api(BASE + '/concerts/' + encodeURIComponent(id)), abilities()]);
  document.title = c.title + ' · Relecloud · Setlist';
  main.querySelector('h1').textContent = c.title;
  const past = new Date(c.startsAt) <= new Date();
  main.append(
    h('p', {class: 'lead'}, c.artist, ' · ', c.genre),
    h('div', {class: 'concert-detail'},
      h('div', {class: 'panel'}, facts([
        ['Date', whenEl(c.startsAt)],
        ['Venue', c.venue + ', ' + c.location],
        ['Price per ticket', h('span', {id: 'price'}, money(c.priceCents, c.currency))],
        ['Seats left', h('span', {id: 'seats-left'}, seats(c))],
        ['About', c.description],
      ])),
      me.can.buyTickets ? buyBox(c, past) : null));
});

function buyBox(c, past) {
  const status = h('div', {id: 'cart-status', 'aria-live': 'polite'});
  if (past) return h('div', {class: 'panel buy'}, h('p', {}, 'This concert has already started; tickets are no longer sold.'));
  if (c.seatsLeft <= 0) return h('div', {class: 'panel buy'}, h('p', {}, 'Sold out: no seats left.'));
  const max = Math.min(10, c.seatsLeft);
  const qty = h('input', {id: 'quantity', name: 'quantity', type: 'number', min: 1, max, value: 1, required: true, class: 'tiny'});
  const total = h('span', {id: 'line-total'}, money(c.priceCents));
  const form = h('form', {class: 'panel buy', id: 'add-to-cart'},
    h('h2', {}, 'Tickets'),
    h('label', {for: 'quantity'}, 'How many (1–' + max + ')', qty),
    h('p', {}, 'Total ', total),
    h('button', {type: 'submit', class: 'primary', id: 'add-button'}, 'Add to cart'),
    status);
  qty.addEventListener('input', () => {
    const n = Number(qty.value);
    total.textContent = n >= 1 && n <= max && Number.isInteger(n) ? money(c.priceCents * n) : '—';
  });
  form.addEventListener('submit', e => {
    e.preventDefault();
    const n = Number(qty.value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      status.replaceChildren(problem({status: 400, message: 'Choose between 1 and ' + max + ' tickets.'}));
      return;
    }
    const cart = addToCart(c, n);
    status.replaceChildren(h('div', {class: 'notice', role: 'status'},
      'Added ' + n + (n === 1 ? ' ticket' : ' tickets') + ' to the cart (' + cartCount(cart) + ' in the cart). ',
      h('a', {href: '/console/relecloud/cart.html', id: 'go-to-cart'}, 'Go to the cart →')));
  });
  return form;
}
