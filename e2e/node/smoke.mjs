// Smoke test of Kontor with the official npm `stripe` client.
//
//   KONTOR_URL=http://127.0.0.1:12111 [KONTOR_KEY=sk_test_…] node smoke.mjs
//
// Prints one line per check and a closing "N passed, M failed" line; exits
// non-zero when a check fails. e2e/node_test.go runs it against an
// in-process server.
import http from 'node:http';
import crypto from 'node:crypto';
import Stripe from 'stripe';
import { assert, check, finish, stripeClient, stripeReceiver } from './harness.mjs';

const base = new URL(process.env.KONTOR_URL || 'http://127.0.0.1:12111');
const key = process.env.KONTOR_KEY || `sk_test_node${crypto.randomBytes(12).toString('hex')}`;
const stripe = stripeClient(Stripe, base, key);
const receiver = await stripeReceiver(http);
const waitFor = (pred, ms) => receiver.waitFor(pred, ms);

let customer;
let endpoint;
const email = `node-${crypto.randomBytes(4).toString('hex')}@example.com`;

await check('customers.create', async () => {
  customer = await stripe.customers.create({
    email,
    name: 'Node Smoke',
    description: 'made by smoke.mjs',
    address: { city: 'Berlin', country: 'DE' },
    metadata: { source: 'node', drop: 'me' },
  });
  assert(customer.id.startsWith('cus_'), `id ${customer.id}`);
  assert(customer.object === 'customer' && customer.livemode === false, 'object/livemode');
  assert(customer.email === email && customer.address.city === 'Berlin', 'fields');
  assert(customer.lastResponse.requestId.startsWith('req_'), 'Request-Id');
});

await check('customers.retrieve', async () => {
  const c = await stripe.customers.retrieve(customer.id);
  assert(c.id === customer.id && c.name === 'Node Smoke' && c.metadata.source === 'node', JSON.stringify(c));
});

await check('webhookEndpoints.create', async () => {
  endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url('/hooks'),
    enabled_events: ['customer.updated'],
  });
  assert(endpoint.id.startsWith('we_'), `id ${endpoint.id}`);
  assert(endpoint.secret && endpoint.secret.startsWith('whsec_'), 'secret returned on create');
  const again = await stripe.webhookEndpoints.retrieve(endpoint.id);
  assert(again.secret === undefined, 'secret hidden on retrieve');
});

await check('customers.update (metadata key deletion, description cleared)', async () => {
  const c = await stripe.customers.update(customer.id, { metadata: { drop: '' }, description: '', name: 'Node Updated' });
  assert(c.metadata.drop === undefined && c.metadata.source === 'node', `metadata ${JSON.stringify(c.metadata)}`);
  assert(c.description === null, `description ${c.description}`);
  assert(c.name === 'Node Updated', 'name');
});

await check('webhook delivered and verified with stripe.webhooks.constructEvent', async () => {
  const hit = await waitFor((d) => d.body.includes(customer.id) && d.body.includes('customer.updated'));
  const event = stripe.webhooks.constructEvent(hit.body, hit.signature, endpoint.secret);
  assert(event.type === 'customer.updated', event.type);
  assert(event.data.object.id === customer.id, 'data.object.id');
  assert(event.data.previous_attributes.name === 'Node Smoke', JSON.stringify(event.data.previous_attributes));
  let rejected = false;
  try {
    stripe.webhooks.constructEvent(hit.body, hit.signature, 'whsec_wrong');
  } catch {
    rejected = true;
  }
  assert(rejected, 'a wrong secret must not verify');
});

await check('customers.list (email filter)', async () => {
  const list = await stripe.customers.list({ email, limit: 3 });
  assert(list.object === 'list' && list.url === '/v1/customers', 'list envelope');
  assert(list.data.length === 1 && list.data[0].id === customer.id, `data ${list.data.map((c) => c.id)}`);
  assert(list.has_more === false, 'has_more');
});

await check('error: unknown parameter', async () => {
  try {
    await stripe.customers.create({ favourite_colour: 'blue' });
  } catch (err) {
    assert(err.type === 'StripeInvalidRequestError', `type ${err.type}`);
    assert(err.rawType === 'invalid_request_error', `rawType ${err.rawType}`);
    assert(err.code === 'parameter_unknown', `code ${err.code}`);
    assert(err.param === 'favourite_colour', `param ${err.param}`);
    assert(err.statusCode === 400, `status ${err.statusCode}`);
    return;
  }
  throw new Error('no error thrown');
});

await check('error: resource_missing', async () => {
  try {
    await stripe.customers.retrieve('cus_missing');
  } catch (err) {
    assert(err.statusCode === 404 && err.code === 'resource_missing' && err.param === 'id', `${err.statusCode} ${err.code} ${err.param}`);
    return;
  }
  throw new Error('no error thrown');
});

await check('idempotent replay', async () => {
  const idempotencyKey = `node-${crypto.randomBytes(8).toString('hex')}`;
  const a = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey });
  const b = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey });
  assert(a.id === b.id, `${a.id} != ${b.id}`);
  assert(b.lastResponse.headers['idempotent-replayed'] === 'true', 'Idempotent-Replayed header');
  assert(a.lastResponse.headers['idempotent-replayed'] === undefined, 'first execution not replayed');
  try {
    await stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey });
  } catch (err) {
    assert(err.type === 'StripeIdempotencyError' && err.statusCode === 400, `${err.type} ${err.statusCode}`);
    return;
  }
  throw new Error('reusing the key with other parameters did not fail');
});

await check('customers.del', async () => {
  const d = await stripe.customers.del(customer.id);
  assert(d.deleted === true && d.id === customer.id, JSON.stringify(d));
  const c = await stripe.customers.retrieve(customer.id);
  assert(c.deleted === true, 'retrieve after delete answers deleted: true');
});

await check('webhookEndpoints.del', async () => {
  const d = await stripe.webhookEndpoints.del(endpoint.id);
  assert(d.deleted === true, JSON.stringify(d));
});

finish(receiver);
