// PaymentIntents, SetupIntents and Checkout Sessions with npm stripe 23.1.0,
// which speaks API 2026-10-28.endive and names the payment method types
// allowed_payment_method_types.
//
//   KONTOR_URL=http://127.0.0.1:12111 [KONTOR_KEY=sk_test_…] node intents.mjs
//
// Prints one line per check and a closing "N passed, M failed" line; exits
// non-zero when a check fails. e2e/node_intents_test.go runs it against an
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

const endpoint = await stripe.webhookEndpoints.create({
  url: receiver.url('/hooks'),
  enabled_events: ['payment_intent.processing', 'payment_intent.succeeded'],
});

// event waits for a verified delivery of type about object id.
async function event(type, id) {
  const hit = await waitFor((d) => d.body.includes(`"${type}"`) && d.body.includes(id));
  const ev = stripe.webhooks.constructEvent(hit.body, hit.signature, endpoint.secret);
  assert(ev.type === type && ev.data.object.id === id, `${ev.type} ${ev.data.object.id}`);
  return ev;
}

const customer = await stripe.customers.create({ email: 'node-intents@example.com', name: 'Node Intents' });
let pi;

await check('paymentIntents.create with allowed_payment_method_types, confirmed by SEPA Direct Debit', async () => {
  pi = await stripe.paymentIntents.create({
    amount: 1099,
    currency: 'eur',
    customer: customer.id,
    allowed_payment_method_types: ['sepa_debit'],
    payment_method_data: {
      type: 'sepa_debit',
      sepa_debit: { iban: 'DE89370400440532013000' },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
    },
    mandate_data: { customer_acceptance: { type: 'online', online: { ip_address: '203.0.113.9', user_agent: 'node' } } },
    confirm: true,
    expand: ['latest_charge'],
  });
  assert(pi.id.startsWith('pi_') && pi.object === 'payment_intent', `id ${pi.id}`);
  assert(pi.status === 'processing', `status ${pi.status}`);
  assert(JSON.stringify(pi.payment_method_types) === '["sepa_debit"]', `payment_method_types ${pi.payment_method_types}`);
  assert(JSON.stringify(pi.allowed_payment_method_types) === '["sepa_debit"]', `allowed ${pi.allowed_payment_method_types}`);
  assert(pi.latest_charge.id.startsWith('py_') && pi.latest_charge.status === 'pending', 'latest_charge');
  assert(pi.latest_charge.payment_method_details.sepa_debit.mandate.startsWith('mandate_'), 'mandate on the charge');
});

await check('payment_intent.processing and .succeeded webhooks verify', async () => {
  await event('payment_intent.processing', pi.id);
  await event('payment_intent.succeeded', pi.id);
  const again = await stripe.paymentIntents.retrieve(pi.id);
  assert(again.status === 'succeeded' && again.amount_received === 1099, `${again.status} ${again.amount_received}`);
});

await check('paymentIntents.update and confirm with allowed_payment_method_types', async () => {
  let p = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', allowed_payment_method_types: ['sofort'] });
  assert(p.status === 'requires_payment_method', p.status);
  p = await stripe.paymentIntents.update(p.id, { allowed_payment_method_types: ['sepa_debit', 'sofort'] });
  assert(JSON.stringify(p.payment_method_types) === '["sepa_debit","sofort"]', `${p.payment_method_types}`);
  p = await stripe.paymentIntents.confirm(p.id, {
    allowed_payment_method_types: ['sepa_debit'],
    payment_method: 'pm_success_at',
    mandate_data: { customer_acceptance: { type: 'offline', offline: {} } },
  });
  assert(p.status === 'processing', p.status);
});

await check('setupIntents.create with allowed_payment_method_types (Sofort, requires_action)', async () => {
  const si = await stripe.setupIntents.create({
    customer: customer.id,
    allowed_payment_method_types: ['sofort'],
    payment_method_data: { type: 'sofort', sofort: { country: 'DE' }, billing_details: { name: 'Jenny Rosen' } },
    confirm: true,
    return_url: 'https://shop.example/setup',
  });
  assert(si.id.startsWith('seti_') && si.status === 'requires_action', `${si.id} ${si.status}`);
  assert(JSON.stringify(si.payment_method_types) === '["sofort"]', `${si.payment_method_types}`);
  assert(si.next_action.type === 'redirect_to_url' && si.next_action.redirect_to_url.url.includes('/hosted/authorize/'), 'next_action');
});

await check('checkout.sessions.create with allowed_payment_method_types', async () => {
  const cs = await stripe.checkout.sessions.create({
    mode: 'setup',
    currency: 'eur',
    customer: customer.id,
    allowed_payment_method_types: ['sofort'],
    success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
  });
  assert(cs.id.startsWith('cs_test_') && cs.status === 'open' && cs.mode === 'setup', `${cs.id} ${cs.status}`);
  assert(JSON.stringify(cs.payment_method_types) === '["sofort"]', `${cs.payment_method_types}`);
  assert(cs.url && cs.url.includes('/hosted/checkout/'), `url ${cs.url}`);
  const exp = await stripe.checkout.sessions.expire(cs.id);
  assert(exp.status === 'expired' && exp.url === null, `${exp.status} ${exp.url}`);
});

await check('error: an unknown type in allowed_payment_method_types names that parameter', async () => {
  try {
    await stripe.paymentIntents.create({ amount: 500, currency: 'eur', allowed_payment_method_types: ['card'] });
  } catch (err) {
    assert(err.type === 'StripeInvalidRequestError' && err.param === 'allowed_payment_method_types[0]', `${err.type} ${err.param}`);
    return;
  }
  throw new Error('no error thrown');
});

finish(receiver);
