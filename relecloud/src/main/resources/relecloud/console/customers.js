// Customers: find one by email; a customer's tickets with their images (shown once rendered; the
// page checks again every second while any is still rendering) and their purchases.
import {api, h, page, problem, table, row, param, badge, timeEl} from '/console/app.js';
import {BASE, money, whenEl, concertHref} from '/console/relecloud/relecloud.js';

const REASONS = {
  'Payment.Declined': 'card declined', 'Payment.GatewayUnavailable': 'payment service unavailable',
  'Purchase.SoldOut': 'sold out', 'Purchase.ConcertNotFound': 'concert not found',
  'Purchase.ConcertPast': 'concert already started', 'Purchase.HoldExpired': 'seat hold expired',
};

page('Customers', async main => {
  const id = param('id');
  if (id) {
    await customer(main, id);
    return;
  }
  const email = h('input', {id: 'find-email', name: 'email', type: 'search', required: true, placeholder: 'kim@example.com',
    value: param('email') || ''});
  const form = h('form', {class: 'inline', role: 'search', id: 'find-customer', 'aria-label': 'Find a customer'},
    h('label', {for: 'find-email'}, 'Customer email (or its beginning)', email),
    h('button', {type: 'submit', class: 'primary'}, 'Find customer'));
  const out = h('div', {id: 'customer-results', 'aria-live': 'polite'});
  main.append(form, out);
  const find = async () => {
    try {
      const r = await api(BASE + '/customers?' + new URLSearchParams({email: email.value.trim()}));
      out.replaceChildren(r.items.length ? table(null, ['Customer', 'Email', 'Customer since'], r.items.map(c => row([
        h('a', {href: '/console/relecloud/customers.html?id=' + encodeURIComponent(c.id)}, c.name), c.email, timeEl(c.createdAt)],
      {'data-customer': c.id})), {id: 'customers'}) : h('p', {class: 'muted'}, 'No customer with an email starting “'
        + email.value.trim() + '”. Customers are created when buying, from the cart.'));
    } catch (e) {
      out.replaceChildren(problem(e));
    }
  };
  form.addEventListener('submit', e => {
    e.preventDefault();
    history.replaceState(null, '', '?' + new URLSearchParams({email: email.value.trim()}));
    find();
  });
  if (email.value) await find();
});

async function customer(main, id) {
  main.prepend(h('p', {}, h('a', {href: '/console/relecloud/customers.html'}, '← Find a customer')));
  const c = await api(BASE + '/customers/' + encodeURIComponent(id));
  main.querySelector('h1').textContent = c.name;
  document.title = c.name + ' · Relecloud · Setlist';
  const tickets = h('div', {id: 'tickets', 'aria-live': 'polite'});
  const purchases = h('div', {id: 'purchases'});
  main.append(h('p', {class: 'lead'}, c.email, ' · customer since ', timeEl(c.createdAt)),
    h('h2', {}, 'Tickets'), tickets, h('h2', {}, 'Purchases'), purchases);
  const shown = new Map();
  const started = Date.now();
  const refresh = async () => {
    const r = await api(BASE + '/customers/' + encodeURIComponent(id) + '/tickets');
    drawTickets(tickets, r.items, shown);
    const waiting = r.items.some(t => t.image !== 'READY');
    if (waiting && Date.now() - started < 120000) setTimeout(() => refresh().catch(e => tickets.append(problem(e))), 1000);
  };
  await refresh();
  try {
    const p = await api(BASE + '/purchases?' + new URLSearchParams({customerId: id}));
    purchases.replaceChildren(table(null, ['Purchase', 'Status', 'Tickets', 'Total', 'Sold by', 'When'], p.items.map(x => row([
      h('code', {}, x.purchaseId),
      [badge(x.status, x.status === 'SUCCEEDED' ? 'bought' : x.status === 'FAILED' ? 'not bought' : 'in progress'),
        x.error ? h('div', {class: 'muted'}, REASONS[x.error] || x.error) : null],
      x.items.map(i => i.quantity).reduce((a, b) => a + b, 0), money(x.totalCents, x.currency), x.createdBy, timeEl(x.createdAt)],
    {'data-purchase': x.purchaseId, 'data-status': x.status})), {id: 'purchase-list'}));
  } catch (e) {
    purchases.replaceChildren(problem(e));
  }
}

/** Draws the tickets; an image already shown is kept (no flicker while the page checks again). */
function drawTickets(holder, items, shown) {
  if (!items.length) {
    holder.replaceChildren(h('p', {class: 'muted', id: 'no-tickets'}, 'No tickets yet.'));
    return;
  }
  holder.replaceChildren(h('ul', {class: 'tickets'}, items.map(t => {
    let picture;
    if (t.image === 'READY') {
      picture = shown.get(t.number) || h('img', {src: t.imageUrl, alt: 'Ticket ' + t.number + ' for ' + t.concertTitle
        + ', seat ' + t.seat, class: 'ticket-image', width: 600, loading: 'lazy'});
      shown.set(t.number, picture);
    } else {
      picture = h('div', {class: 'ticket-pending', role: 'status'}, h('progress', {'aria-label': 'Rendering ticket ' + t.number}),
        'The ticket image is being made…');
    }
    return h('li', {class: 'ticket', 'data-ticket': t.number, 'data-image': t.image},
      h('div', {class: 'ticket-head'}, h('a', {href: concertHref(t.concertId)}, h('strong', {}, t.concertTitle)),
        h('div', {class: 'muted'}, whenEl(t.startsAt), ' · ', t.venue), h('div', {}, 'Seat ', h('strong', {}, t.seat),
          ' · ', h('code', {}, t.number)),
        t.image === 'READY' ? h('a', {href: t.imageUrl, download: t.number + '.png'}, 'Download image') : null),
      picture);
  })));
}
