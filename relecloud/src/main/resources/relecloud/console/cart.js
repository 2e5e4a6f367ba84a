// The cart and the purchase for a customer. The cart lives in this tab (sessionStorage); each line
// is bought as its own purchase with the line's idempotency key, so a double click, a retry after
// a network failure or a reload during the purchase never buys twice. The key is renewed only when
// the purchase ended or what is bought changed (quantity, customer, card).
import {api, h, page, problem, table, ApiError} from '/console/app.js';
import {BASE, abilities, money, whenEl, cart, saveCart, newKey, concertHref} from '/console/relecloud/relecloud.js';

/** What the agent reads when a purchase fails, by the purchase's error name. */
const REASONS = {
  'Payment.Declined': 'The card was declined. Ask the customer for another card.',
  'Payment.GatewayUnavailable': 'The payment service did not answer. Nothing was charged; try again in a minute.',
  'Purchase.SoldOut': 'Sold out: there are not enough seats left for this quantity.',
  'Purchase.ConcertNotFound': 'This concert no longer exists.',
  'Purchase.ConcertPast': 'This concert has already started; tickets are no longer sold.',
  'Purchase.HoldExpired': 'The seats were held too long and were released. Try again.',
};

page('Cart', async (main) => {
  const me = await abilities();
  if (!me.can.buyTickets) {
    main.append(h('div', {class: 'problem', role: 'alert'}, h('strong', {}, 'Not allowed. '),
      'Buying tickets is for call-center agents.'));
    return;
  }
  const linesHolder = h('section', {id: 'cart-lines', 'aria-labelledby': 'lines-h'});
  const customerHolder = h('section', {id: 'customer', 'aria-labelledby': 'customer-h'});
  const card = cardForm();
  const buy = h('button', {type: 'button', class: 'primary big', id: 'buy'}, 'Buy');
  const outcome = h('div', {id: 'outcome', 'aria-live': 'polite'});
  const hint = h('span', {class: 'muted', id: 'buy-hint'});
  main.append(linesHolder, customerHolder,
    h('section', {'aria-labelledby': 'card-h'}, h('h2', {id: 'card-h'}, '3. Payment card'), card.form),
    h('section', {class: 'buy-row'}, h('div', {class: 'buy-line'}, buy, hint), outcome));
  let busy = false;

  function drawLines() {
    const c = cart();
    const rows = c.lines.map(l => {
      const qty = h('input', {type: 'number', min: 1, max: 10, value: l.quantity, class: 'tiny', id: 'qty-' + l.concertId,
        'aria-label': 'Tickets for ' + l.title});
      qty.addEventListener('change', () => {
        const n = Number(qty.value);
        const cc = cart();
        const line = cc.lines.find(x => x.concertId === l.concertId);
        if (!line) return;
        if (Number.isInteger(n) && n >= 1 && n <= 10) { line.quantity = n; line.key = newKey(); line.sent = null; }
        saveCart(cc);
        draw();
      });
      return h('tr', {'data-concert': l.concertId},
        h('td', {}, h('a', {href: concertHref(l.concertId)}, l.title), h('div', {class: 'muted'}, l.artist)),
        h('td', {}, whenEl(l.startsAt), h('div', {class: 'muted'}, l.venue)),
        h('td', {}, qty),
        h('td', {class: 'num'}, money(l.priceCents)),
        h('td', {class: 'num'}, money(l.priceCents * l.quantity)),
        h('td', {}, h('button', {type: 'button', class: 'danger remove', 'aria-label': 'Remove ' + l.title + ' from the cart',
          onclick: () => { const cc = cart(); cc.lines = cc.lines.filter(x => x.concertId !== l.concertId); saveCart(cc); draw(); }},
          'Remove')));
    });
    const total = c.lines.reduce((s, l) => s + l.priceCents * l.quantity, 0);
    linesHolder.replaceChildren(h('h2', {id: 'lines-h'}, '1. Tickets'),
      c.lines.length === 0
        ? h('p', {class: 'empty-cart', id: 'empty-cart'}, 'The cart is empty. ', h('a', {href: '/console/relecloud/concerts.html'},
          'Find a concert'), ' and add tickets.')
        : h('div', {}, table(null, ['Concert', 'Date', 'Tickets', 'Price', 'Subtotal', ''], rows, {id: 'lines'}),
          h('p', {class: 'total'}, 'Total ', h('strong', {id: 'total'}, money(total)))));
  }

  function drawCustomer() {
    const c = cart();
    const heading = h('h2', {id: 'customer-h'}, '2. Customer');
    if (c.customer) {
      customerHolder.replaceChildren(heading, h('div', {class: 'panel chosen', id: 'chosen-customer'},
        h('strong', {}, c.customer.name), ' ', h('span', {class: 'muted'}, c.customer.email), ' ',
        h('button', {type: 'button', id: 'change-customer', onclick: () => { const cc = cart(); cc.customer = null;
          saveCart(cc); draw(); }}, 'Change customer')));
      return;
    }
    customerHolder.replaceChildren(heading, customerFinder(chosen => {
      const cc = cart();
      cc.customer = {id: chosen.id, email: chosen.email, name: chosen.name};
      saveCart(cc);
      draw();
    }));
  }

  function drawBuy() {
    const c = cart();
    const n = c.lines.reduce((s, l) => s + l.quantity, 0);
    const total = c.lines.reduce((s, l) => s + l.priceCents * l.quantity, 0);
    buy.textContent = n ? 'Buy ' + n + (n === 1 ? ' ticket' : ' tickets') + ' for ' + money(total) : 'Buy';
    buy.disabled = busy || !n || !c.customer;
    hint.textContent = busy ? '' : !n ? 'The cart is empty.' : !c.customer ? 'Choose the customer first (step 2).' : '';
  }

  function draw() {
    drawLines();
    drawCustomer();
    drawBuy();
  }

  buy.addEventListener('click', async () => {
    if (busy) return;
    const cardBody = card.value();
    if (cardBody === false) return;
    busy = true;
    drawBuy();
    const c = cart();
    const results = h('ul', {class: 'outcomes', id: 'outcomes'});
    outcome.replaceChildren(results);
    try {
      for (const line of c.lines) {
        const item = h('li', {class: 'outcome running', 'data-concert': line.concertId},
          h('strong', {}, line.title), ' — ', line.quantity + (line.quantity === 1 ? ' ticket' : ' tickets'), ': ',
          h('span', {class: 'state'}, 'sending…'), h('progress', {'aria-label': 'Purchase of ' + line.title}));
        results.append(item);
        await purchase(c.customer, line, cardBody, item);
      }
    } finally {
      busy = false;
      draw();
    }
  });

  /** Buys one line; the outcome is written into the line's list item. */
  async function purchase(customer, line, cardBody, item) {
    const state = item.querySelector('.state');
    const body = {customerId: customer.id, items: [{concertId: line.concertId, quantity: line.quantity}]};
    if (cardBody) body.card = cardBody;
    // what is bought with this key; a change means a new purchase, so a new key
    const sent = [customer.id, line.concertId, line.quantity, cardBody ? cardBody.number.slice(-4) + '/' + cardBody.number.length : ''].join('|');
    const stored = cart();
    const l = stored.lines.find(x => x.concertId === line.concertId);
    if (l.sent && l.sent !== sent) l.key = newKey();
    l.sent = sent;
    saveCart(stored);
    let answer;
    try {
      answer = await withRetries(() => api(BASE + '/purchases', {method: 'POST', body, headers: {'Idempotency-Key': l.key}}),
        n => { state.textContent = 'connection lost, retrying (' + n + ')…'; });
    } catch (e) {
      finish(item, 'failed');
      item.querySelector('progress').remove();
      state.replaceChildren(problem(e));
      return;
    }
    state.textContent = 'payment in progress…';
    let p = answer;
    const deadline = Date.now() + 60000;
    while (p.status === 'RUNNING' && Date.now() < deadline) {
      await sleep(400);
      try {
        p = await api(BASE + '/purchases/' + encodeURIComponent(answer.purchaseId));
      } catch (e) {
        if (!(e instanceof TypeError) && !(e instanceof ApiError && e.status >= 500)) throw e;
      }
    }
    item.querySelector('progress').remove();
    const ticketsLink = h('a', {href: '/console/relecloud/customers.html?id=' + encodeURIComponent(customer.id),
      class: 'tickets-link'}, 'See ' + customer.name + '’s tickets →');
    if (p.status === 'SUCCEEDED') {
      finish(item, 'succeeded');
      state.replaceChildren(h('span', {class: 'badge badge-ok'}, 'Bought'), ' ',
        'Seats ' + (p.tickets || []).map(t => t.seat).join(', ') + ' · ' + money(p.totalCents) + ' charged · purchase ',
        h('code', {}, p.purchaseId), '. ', ticketsLink);
      const cc = cart();
      cc.lines = cc.lines.filter(x => x.concertId !== line.concertId);
      // a sale that emptied the cart is done: the next call is for another customer
      if (!cc.lines.length) {
        cc.customer = null;
        card.clear();
      }
      saveCart(cc);
    } else if (p.status === 'FAILED') {
      finish(item, 'failed');
      state.replaceChildren(h('span', {class: 'badge badge-alarm'}, 'Not bought'), ' ',
        h('span', {class: 'reason', role: 'alert'}, REASONS[p.error] || 'The purchase failed.'), ' ',
        h('span', {class: 'muted'}, 'No ticket was issued and the card was not charged.'),
        p.cause ? h('details', {}, h('summary', {}, 'Details'), h('code', {}, p.error + ': ' + p.cause)) : null);
      // the next attempt is a new purchase
      const cc = cart();
      const x = cc.lines.find(y => y.concertId === line.concertId);
      if (x) { x.key = newKey(); x.sent = null; }
      saveCart(cc);
    } else {
      state.replaceChildren('Still running after a minute; the purchase will finish on its own. ', ticketsLink);
    }
  }

  draw();
});

function finish(item, how) {
  item.classList.remove('running');
  item.classList.add(how);
  item.setAttribute('data-outcome', how);
}

/** Calls again with the same idempotency key when the network failed or the server was briefly away. */
async function withRetries(call, onRetry) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      // a lost connection or a server briefly away; a flow an operator disabled stays disabled
      const transient = e instanceof TypeError || (e instanceof ApiError && (e.status === 502 || e.status === 503)
        && e.type !== 'FlowDisabled');
      if (!transient || attempt >= 4) throw e;
      onRetry(attempt);
      await sleep(500 * attempt);
    }
  }
}

function sleep(ms) {
  return new Promise(r => setTimeout(r, ms));
}

/** Finding a customer by email (or creating one); calls chosen(customer). */
function customerFinder(chosen) {
  const status = h('div', {id: 'customer-status', 'aria-live': 'polite'});
  const found = h('div', {id: 'customer-results'});
  const email = h('input', {id: 'find-email', name: 'email', type: 'search', placeholder: 'kim@example.com',
    autocomplete: 'off', required: true});
  const find = h('form', {class: 'inline', id: 'find-customer', role: 'search', 'aria-label': 'Find a customer'},
    h('label', {for: 'find-email'}, 'Customer email (or its beginning)', email),
    h('button', {type: 'submit', class: 'primary'}, 'Find customer'));
  const newEmail = h('input', {id: 'new-email', name: 'email', type: 'email', required: true, autocomplete: 'off'});
  const newName = h('input', {id: 'new-name', name: 'name', required: true, autocomplete: 'off'});
  const create = h('form', {class: 'inline', id: 'create-customer', hidden: true, 'aria-label': 'New customer'},
    h('label', {for: 'new-email'}, 'Email', newEmail),
    h('label', {for: 'new-name'}, 'Full name', newName),
    h('button', {type: 'submit'}, 'Create customer'));
  const showCreate = h('button', {type: 'button', class: 'link', id: 'show-create',
    onclick: () => { create.hidden = false; newEmail.value = newEmail.value || email.value.trim(); newName.focus(); }},
  'New customer…');
  find.addEventListener('submit', async e => {
    e.preventDefault();
    status.replaceChildren();
    try {
      const r = await api(BASE + '/customers?' + new URLSearchParams({email: email.value.trim()}));
      if (!r.items.length) {
        found.replaceChildren(h('p', {class: 'muted', id: 'no-customer'}, 'No customer with an email starting “'
          + email.value.trim() + '”. Create one below.'));
        create.hidden = false;
        newEmail.value = email.value.trim();
        return;
      }
      found.replaceChildren(h('ul', {class: 'customers'}, r.items.map(c => h('li', {'data-customer': c.id},
        h('button', {type: 'button', class: 'choose', onclick: () => chosen(c), 'aria-label': 'Choose ' + c.name}, 'Choose'),
        ' ', h('strong', {}, c.name), ' ', h('span', {class: 'muted'}, c.email)))));
    } catch (err) {
      status.replaceChildren(problem(err));
    }
  });
  create.addEventListener('submit', async e => {
    e.preventDefault();
    status.replaceChildren();
    try {
      chosen(await api(BASE + '/customers', {method: 'POST', body: {email: newEmail.value.trim(), name: newName.value.trim()}}));
    } catch (err) {
      status.replaceChildren(problem(err));
    }
  });
  return h('div', {class: 'panel'}, find, found, showCreate, create, status);
}

/** The card fields; value() is the card to send, null to use the demo's test card, false when invalid. */
function cardForm() {
  const number = h('input', {id: 'card-number', name: 'number', inputmode: 'numeric', autocomplete: 'off',
    placeholder: '4242 4242 4242 4242'});
  const expiry = h('input', {id: 'card-expiry', name: 'expiry', placeholder: 'MM/YY', autocomplete: 'off', class: 'tiny'});
  const holder = h('input', {id: 'card-holder', name: 'holder', autocomplete: 'off'});
  const error = h('span', {class: 'field-error', id: 'card-error', role: 'alert'});
  const form = h('form', {class: 'inline', id: 'card', 'aria-label': 'Payment card'},
    h('label', {for: 'card-number'}, 'Card number', number, error),
    h('label', {for: 'card-expiry'}, 'Expiry', expiry),
    h('label', {for: 'card-holder'}, 'Name on card', holder),
    h('p', {class: 'muted hint'}, 'Leave empty in the demo to pay with the test card.'));
  form.addEventListener('submit', e => e.preventDefault());
  return {form, clear() { form.reset(); }, value() {
    error.textContent = '';
    number.removeAttribute('aria-invalid');
    const n = number.value.replace(/[\s-]/g, '');
    if (!n) return null;
    if (!/^\d{12,19}$/.test(n)) {
      error.textContent = 'A card number is 12 to 19 digits.';
      number.setAttribute('aria-invalid', 'true');
      number.focus();
      return false;
    }
    if (!/^(0[1-9]|1[0-2])\/(\d{2}|\d{4})$/.test(expiry.value.trim())) {
      error.textContent = 'Give the expiry as MM/YY.';
      expiry.setAttribute('aria-invalid', 'true');
      expiry.focus();
      return false;
    }
    expiry.removeAttribute('aria-invalid');
    const card = {number: n, expiry: expiry.value.trim()};
    if (holder.value.trim()) card.holder = holder.value.trim();
    return card;
  }};
}
