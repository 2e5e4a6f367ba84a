// A workload's page built on the console's shared module.
import {h, page} from '/console/app.js';

page('Shop', async main => {
  main.append(h('p', {id: 'shop'}, 'The shop is open.'));
});
