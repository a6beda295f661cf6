// End-to-end suite of Kontor's Checkout.com dialect with the official
// checkout-sdk-node client.
//
//   KONTOR_URL=http://127.0.0.1:12111 [KONTOR_CKO_KEY=sk_test_<uuid>] node cko.mjs
//
// Prints one line per check and a closing "N passed, M failed" line; exits
// non-zero when a check fails. e2e/cko_node_test.go runs it against an
// in-process server. Do not set CKO_SECRET_KEY or CKO_SECRET: the SDK
// prefers them to the key it is given.
//
// The SDK calls /sepa-external/ mandate paths when its host contains
// "sandbox" and /sepa/ otherwise. The suite drives both: one client points
// at 127.0.0.1, the other at sandbox.localhost, which this script resolves
// to 127.0.0.1 itself (no /etc/hosts entry needed). Links always start with
// the server's configured public URL, whatever Host the request named.
import crypto from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import { Checkout } from 'checkout-sdk-node';
import { assert, check, finish, startReceiver } from './harness.mjs';

const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (typeof host === 'string' && host.endsWith('.localhost')) host = '127.0.0.1';
  return lookup.call(this, host, options, callback);
};

const base = new URL(process.env.KONTOR_URL || 'http://127.0.0.1:12111');
const uuid = () => crypto.randomUUID();
const key = process.env.KONTOR_CKO_KEY || `sk_test_${uuid()}`;
const host = `${base.protocol}//${base.host}`;
const sandboxHost = `${base.protocol}//sandbox.localhost:${base.port}`;
const cko = new Checkout(key, { host });
const ckoSandbox = new Checkout(key, { host: sandboxHost });

const IBAN = {
  rejected: 'DE09100100101234567890',
  pending: 'DE79100100101234567891',
  canceled: 'DE52100100101234567892',
  paid: 'DE25100100101234567893',
};
// The event types the dialect sends; a registration must name its types.
const EVENT_TYPES = ['payment_pending', 'payment_captured', 'payment_paid', 'payment_canceled', 'payment_declined',
  'payment_refund_pending', 'payment_refunded', 'payment_refund_declined', 'payment_chargeback', 'source_updated'];
const CHARGEBACKS = [
  ['DE95100100101234567894', 'RFND'],
  ['DE68100100101234567895', 'ACT'],
  ['DE41100100101234567896', 'NSF'],
  ['DE14100100101234567897', 'OTHR'],
  ['DE84100100101234567898', 'FRM'],
];

// expectError runs fn and checks that it fails with the SDK error name,
// HTTP status and (for 4xx with a body) error code.
async function expectError(fn, name, status, code) {
  try {
    await fn();
  } catch (err) {
    assert(err.name === name, `error ${err.name}, want ${name}: ${err.message}`);
    assert(err.http_code === status, `http_code ${err.http_code}, want ${status}`);
    if (code) {
      const codes = (err.body && err.body.error_codes) || [];
      assert(codes.includes(code), `error_codes ${JSON.stringify(codes)}, want ${code}`);
      assert(err.body.error_type && err.body.request_id, `error body ${JSON.stringify(err.body)}`);
    }
    return err;
  }
  throw new Error(`no ${name} thrown`);
}

// A webhook receiver that verifies Cko-Signature: the hex HMAC-SHA256 of
// the raw body keyed with the account's secret key.
const receiver = await startReceiver(http, (body, headers) => {
  const want = crypto.createHmac('sha256', key).update(body).digest('hex');
  const got = headers['cko-signature'] || '';
  const verified = got.length === want.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(want));
  let event = {};
  try {
    event = JSON.parse(body);
  } catch {}
  return [{ event, verified, headers }, verified ? 200 : 400];
});
const { received } = receiver;
const receiverURL = receiver.url('/cko');

function waitEvent(type, paymentId, ms = 30000) {
  return receiver.waitFor((d) => d.verified && d.event.type === type && d.event.data && d.event.data.id === paymentId, ms,
    `${type} webhook for ${paymentId}`);
}

function sourceRequest(iban, mandateType = 'recurring') {
  return {
    type: 'sepa',
    reference: 'X-080957-N34',
    source_data: {
      first_name: 'Sophie',
      last_name: 'Bonneville',
      account_iban: iban,
      bic: 'PBNKDEFFXXX',
      billing_descriptor: 'Thanks for shopping',
      mandate_type: mandateType,
    },
    billing_address: { address_line1: '101 Avenue de Gaulle', city: 'Paris', zip: '75013', country: 'FR' },
    phone: { country_code: '+33', number: '6 78 91 01 11' },
    customer: { email: 'sophie.bonneville@ckomail.com' },
  };
}

async function newSource(iban, mandateType) {
  const src = await cko.sources.add(sourceRequest(iban, mandateType));
  assert(/^src_[a-z2-7]{26}$/.test(src.id), `source id ${src.id}`);
  return src;
}

async function pay(sourceId, amount = 5600) {
  const p = await cko.payments.request({ source: { type: 'id', id: sourceId }, amount, currency: 'EUR', reference: `ORD-${uuid()}` });
  assert(p.status === 'Pending' && /^pay_[a-z2-7]{26}$/.test(p.id), `payment ${JSON.stringify(p)}`);
  assert(p.requiresRedirect === false, 'a SEPA payment needs no redirect');
  return p;
}

const poll = async (fn, ms = 30000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out polling');
    await new Promise((r) => setTimeout(r, 100));
  }
};

let webhookId;
await check('webhooks.registerWebhook, retrieveWebhook(s), partiallyUpdateWebhook, updateWebhook, removeWebhook', async () => {
  // No registrations yet: 204 with no body, which the SDK reads as {}.
  const none = await cko.webhooks.retrieveWebhooks();
  assert(!Array.isArray(none) && Object.keys(none).length === 0, `empty list ${JSON.stringify(none)}`);
  await expectError(() => cko.webhooks.registerWebhook({ url: receiverURL }), 'ValidationError', 422, 'event_types_required');
  await expectError(() => cko.webhooks.registerWebhook({ url: receiverURL, event_types: [] }), 'ValidationError', 422, 'event_types_required');
  await expectError(() => cko.webhooks.registerWebhook({ url: receiverURL, event_types: ['payment_paid'], content_type: 'xml' }),
    'ValidationError', 422, 'content_type_invalid');
  const hook = await cko.webhooks.registerWebhook({
    url: receiverURL,
    active: true,
    headers: { authorization: 'node-1234' },
    content_type: 'json',
    event_types: EVENT_TYPES,
  });
  assert(hook.id.startsWith('wh_') && hook.url === receiverURL && hook.active === true, JSON.stringify(hook));
  assert(hook.event_types.length === EVENT_TYPES.length && hook.event_types.includes('source_updated'), JSON.stringify(hook.event_types));
  webhookId = hook.id;
  const list = await cko.webhooks.retrieveWebhooks();
  assert(Array.isArray(list) && list.some((h) => h.id === hook.id), 'listed');
  const spare = await cko.webhooks.registerWebhook({ url: 'https://example.com/spare', event_types: ['payment_approved', 'payment_captured'] });
  await expectError(() => cko.webhooks.registerWebhook({ url: 'https://example.com/spare', event_types: ['payment_paid'] }), 'UrlAlreadyRegistered', 409);
  const patched = await cko.webhooks.partiallyUpdateWebhook(spare.id, { url: 'https://example.com/spare/updated' });
  assert(patched.url === 'https://example.com/spare/updated' && patched.event_types.length === 2, JSON.stringify(patched));
  const put = await cko.webhooks.updateWebhook(spare.id, { url: 'https://example.com/spare/put', active: false, content_type: 'json', event_types: ['payment_paid'] });
  assert(put.active === false && put.event_types[0] === 'payment_paid', JSON.stringify(put));
  assert((await cko.webhooks.retrieveWebhook(spare.id)).url === 'https://example.com/spare/put', 'retrieve');
  await cko.webhooks.removeWebhook(spare.id);
  await expectError(() => cko.webhooks.retrieveWebhook(spare.id), 'NotFoundError', 404);
  await expectError(() => cko.webhooks.registerWebhook({ url: '', event_types: ['payment_paid'] }), 'ValidationError', 422, 'url_required');
});

await check('sources.add rejects the invalid-bank-details IBAN (…890) with 422', async () => {
  await expectError(() => cko.sources.add(sourceRequest(IBAN.rejected)), 'ValidationError', 422, 'account_iban_invalid');
});

await check('sources.add takes the sandbox\'s test IBANs only', async () => {
  for (const iban of ['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606']) {
    await expectError(() => cko.sources.add(sourceRequest(iban)), 'ValidationError', 422, 'account_iban_invalid');
  }
});

await check('sources.add: type and reference only answers request_data_required, as the sandbox does', async () => {
  const err = await expectError(() => cko.sources.add({ type: 'sepa', reference: 'X-080957-N34' }), 'ValidationError', 422, 'request_data_required');
  assert(err.body.error_codes.length === 1, JSON.stringify(err.body));
});

await check('sources.add requires the billing descriptor and an ISO 3166-1 country', async () => {
  const noDescriptor = sourceRequest(IBAN.paid);
  delete noDescriptor.source_data.billing_descriptor;
  await expectError(() => cko.sources.add(noDescriptor), 'ValidationError', 422, 'billing_descriptor_required');
  const badCountry = sourceRequest(IBAN.paid);
  badCountry.billing_address.country = 'XX';
  await expectError(() => cko.sources.add(badCountry), 'ValidationError', 422, 'country_invalid');
});

await check('sources.add validates BIC, billing address and mandate type', async () => {
  const bad = sourceRequest(IBAN.paid);
  bad.source_data.bic = 'COBADEFFXXX';
  await expectError(() => cko.sources.add(bad), 'ValidationError', 422, 'bic_invalid');
  const noAddress = sourceRequest(IBAN.paid);
  delete noAddress.billing_address;
  await expectError(() => cko.sources.add(noAddress), 'ValidationError', 422, 'billing_address_required');
  const badType = sourceRequest(IBAN.paid, 'weekly');
  await expectError(() => cko.sources.add(badType), 'ValidationError', 422, 'mandate_type_invalid');
});

// Start every test IBAN's payment at once; the checks below wait for their outcomes.
const flows = {};
await check('sources.add and payments.request for every test IBAN', async () => {
  for (const [name, iban] of Object.entries({ pending: IBAN.pending, canceled: IBAN.canceled, paid: IBAN.paid })) {
    const src = await newSource(iban);
    assert(src.type === 'Sepa' && src.response_code === '10000', JSON.stringify(src));
    assert(typeof src.response_data.mandate_reference === 'string', 'mandate_reference is a string');
    // Seed 003's links: self, and the mandate under /sepa-external/.
    assert(Object.keys(src._links).length === 3 && src._links.self.href === `${host}/sources/${src.id}` &&
      src._links['sepa:mandate-get'].href === `${host}/sepa-external/mandates/${src.id}` &&
      src._links['sepa:mandate-cancel'].href === `${host}/sepa-external/mandates/${src.id}/cancel`, JSON.stringify(src._links));
    flows[name] = { src, payment: await pay(src.id) };
  }
  for (const [iban, token] of CHARGEBACKS) {
    const src = await newSource(iban);
    flows[token] = { src, payment: await pay(src.id), token };
  }
});

await check('…893: payment_captured then payment_paid; status Paid; actions newest first', async () => {
  const id = flows.paid.payment.id;
  const captured = await waitEvent('payment_captured', id);
  assert(captured.event.data.status === 'Captured', `captured status ${captured.event.data.status}`);
  const paid = await waitEvent('payment_paid', id);
  assert(paid.event.data.status === 'Paid', `paid status ${paid.event.data.status}`);
  const p = await cko.payments.get(id);
  assert(p.status === 'Paid' && p.amount === 5600 && p.currency === 'EUR' && p.approved === true, JSON.stringify(p));
  assert(p.source.id === flows.paid.src.id, 'source');
  const actions = await cko.payments.getActions(id);
  assert(Array.isArray(actions), 'actions is an array');
  assert(actions.map((a) => a.type).join() === 'Capture,Authorization', actions.map((a) => a.type).join());
});

await check('…891: stays Pending', async () => {
  const id = flows.pending.payment.id;
  await waitEvent('payment_pending', id);
  await waitEvent('payment_paid', flows.paid.payment.id); // later than …891's collection would have been
  const p = await cko.payments.get(id);
  assert(p.status === 'Pending', `status ${p.status}`);
  assert(!received.some((d) => d.event.data && d.event.data.id === id && d.event.type !== 'payment_pending'), 'only payment_pending');
});

await check('…892: payment_canceled; status Canceled', async () => {
  const id = flows.canceled.payment.id;
  const ev = await waitEvent('payment_canceled', id);
  assert(ev.event.data.status === 'Canceled', ev.event.data.status);
  assert((await cko.payments.get(id)).status === 'Canceled', 'status');
});

for (const [, token] of CHARGEBACKS) {
  await check(`…89x: captured, paid, then payment_chargeback with token ${token}`, async () => {
    const id = flows[token].payment.id;
    await waitEvent('payment_captured', id);
    const paid = await waitEvent('payment_paid', id);
    const cb = await waitEvent('payment_chargeback', id);
    assert(cb.event.data.reason === token, `reason ${cb.event.data.reason}`);
    // A chargeback is a later event: dated after the payout, with its own action.
    assert(Date.parse(cb.event.created_on) > Date.parse(paid.event.created_on) &&
      Date.parse(cb.event.data.processed_on) > Date.parse(paid.event.data.processed_on),
      `chargeback ${cb.event.created_on}/${cb.event.data.processed_on} not after payout ${paid.event.created_on}/${paid.event.data.processed_on}`);
    const actions = await cko.payments.getActions(id);
    assert(actions[0].type === 'Chargeback' && actions[0].id === cb.event.data.action_id && actions[0].amount === cb.event.data.amount,
      JSON.stringify(actions[0]));
  });
}

await check('refunds: pending refused (403), partial, over-refund refused (422), full with no body, payment_refunded', async () => {
  await expectError(() => cko.payments.refund(flows.pending.payment.id, { amount: 100 }), 'ActionNotAllowed', 403, 'refund_not_allowed');
  const id = flows.paid.payment.id;
  const partial = await cko.payments.refund(id, { amount: 1600, reference: 'ORD-5023-4E89' });
  assert(/^act_[a-z2-7]{26}$/.test(partial.action_id) && partial.reference === 'ORD-5023-4E89', JSON.stringify(partial));
  assert(partial._links.payment.href === `${host}/payments/${id}`, JSON.stringify(partial._links));
  await expectError(() => cko.payments.refund(id, { amount: 4001 }), 'ValidationError', 422, 'refund_amount_exceeds_balance');
  await expectError(() => cko.payments.refund(id, { amount: 100, reference: 'R'.repeat(51) }), 'ValidationError', 422, 'reference_invalid');
  const ev = await waitEvent('payment_refunded', id);
  assert(ev.event.data.action_id === partial.action_id && ev.event.data.status === 'Partially Refunded', JSON.stringify(ev.event.data));
  const rest = await cko.payments.refund(id);
  await poll(async () => (await cko.payments.get(id)).status === 'Refunded');
  const actions = await cko.payments.getActions(id);
  assert(actions[0].id === rest.action_id && actions[1].id === partial.action_id, actions.map((a) => a.id).join());
});

await check('mandates: get and cancel through /sepa/ and /sepa-external/ (host with "sandbox") and the PPRO paths', async () => {
  const a = await newSource(IBAN.paid);
  const viaLive = await cko.sepa.getMandate(a.id);
  assert(viaLive.mandate_state === 'Active' && viaLive.mandate_type === 'Recurring', JSON.stringify(viaLive));
  // Every mandate link names /sepa-external/, as the sandbox's recorded answers do.
  assert(viaLive._links.self.href === `${host}/sepa-external/mandates/${a.id}`, viaLive._links.self.href);
  assert(viaLive.masked_account_iban === '******************7893' && viaLive.mandate_reference === a.response_data.mandate_reference, 'fields');
  const viaSandbox = await ckoSandbox.sepa.getMandate(a.id);
  assert(viaSandbox._links.self.href === `${host}/sepa-external/mandates/${a.id}`, viaSandbox._links.self.href);
  const pproLive = await cko.sepa.getPPROMandate(a.id);
  assert(pproLive._links.self.href === `${host}/sepa-external/mandates/${a.id}`, pproLive._links.self.href);
  const pproSandbox = await ckoSandbox.sepa.getPPROMandate(a.id);
  assert(pproSandbox._links.self.href === `${host}/sepa-external/mandates/${a.id}`, pproSandbox._links.self.href);

  const canceled = await ckoSandbox.sepa.cancelMandate(a.id);
  assert(canceled._links['sepa:mandate-get'].href === `${host}/sepa-external/mandates/${a.id}`, JSON.stringify(canceled));
  assert((await cko.sepa.getMandate(a.id)).mandate_state === 'Canceled', 'canceled');
  const ev = await poll(async () => received.find((d) => d.verified && d.event.type === 'source_updated' && d.event.data.id === a.id));
  assert(ev.event.data.mandate_state === 'Canceled', JSON.stringify(ev.event.data));
  await expectError(() => pay(a.id), 'ValidationError', 422, 'mandate_canceled');

  const b = await newSource(IBAN.paid);
  await cko.sepa.cancelPPROMandate(b.id);
  assert((await ckoSandbox.sepa.getPPROMandate(b.id)).mandate_state === 'Canceled', 'PPRO cancel');
  const c = await newSource(IBAN.paid);
  await cko.sepa.cancelMandate(c.id);
  await ckoSandbox.sepa.cancelPPROMandate(c.id);
  await expectError(() => cko.sepa.getMandate('src_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
  await expectError(() => ckoSandbox.sepa.cancelMandate('src_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
});

await check('payments.request keeps payment_type and the billing descriptor\'s city', async () => {
  const src = await newSource(IBAN.paid);
  const p = await cko.payments.request({ source: { type: 'id', id: src.id }, amount: 900, currency: 'EUR', reference: 'TYPE',
    payment_type: 'Recurring', billing_descriptor: { name: 'KONTOR BOOKS', city: 'Berlin' } });
  const got = await cko.payments.get(p.id);
  assert(got.payment_type === 'Recurring' && got.billing_descriptor.name === 'KONTOR BOOKS' && got.billing_descriptor.city === 'Berlin',
    JSON.stringify(got));
  // (The SDK itself refuses an unknown payment_type before sending it.)
  await expectError(() => cko.payments.request({ source: { type: 'id', id: src.id }, amount: 900, currency: 'EUR',
    billing_descriptor: { name: 'KONTOR BOOKS' } }), 'ValidationError', 422, 'billing_descriptor_city_required');
});

await check('a single mandate allows exactly one payment', async () => {
  const src = await newSource(IBAN.paid, 'single');
  await pay(src.id);
  await expectError(() => pay(src.id), 'ValidationError', 422, 'mandate_already_used');
});

await check('idempotency: Cko-Idempotency-Key on payments and refunds returns the stored answer, whatever the body', async () => {
  const src = await newSource(IBAN.paid);
  const idem = `node-${uuid()}`;
  const body = () => ({ source: { type: 'id', id: src.id }, amount: 700, currency: 'EUR', reference: 'IDEM' });
  const a = await cko.payments.request(body(), idem);
  const b = await cko.payments.request(body(), idem);
  assert(a.id === b.id, `${a.id} != ${b.id}`);
  const c = await cko.payments.request({ ...body(), amount: 701 }, idem);
  assert(c.id === a.id && c.amount === 700, `another body: ${JSON.stringify(c)}`);
  // A failed request is not stored: the key can be used again.
  const idem2 = `node-${uuid()}`;
  await expectError(() => cko.payments.request({ ...body(), currency: 'USD' }, idem2), 'ValidationError', 422, 'currency_invalid');
  const d = await cko.payments.request(body(), idem2);
  assert(d.id !== a.id, 'a new payment after the failed request');
});

await check('401 for a bad key, 404 for unknown and other accounts\' ids, 422 for bad payments', async () => {
  const bad = new Checkout('not-a-key', { host });
  await expectError(() => bad.payments.get('pay_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'AuthenticationError', 401);
  // Made-up keys answer 401, not 404: only the shapes Checkout.com issues are keys.
  for (const made of ['sk_test_abc', 'sk_test_0b9b5db6-f223-49d0-b68f', 'sk_sbox_abc', 'sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808']) {
    await expectError(() => new Checkout(made, { host }).payments.get('pay_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'AuthenticationError', 401);
  }
  await expectError(() => new Checkout('sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e', { host }).payments.get('pay_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
  await expectError(() => cko.payments.get('pay_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
  const other = new Checkout(`sk_test_${uuid()}`, { host });
  await expectError(() => other.payments.get(flows.paid.payment.id), 'NotFoundError', 404);
  await expectError(() => other.sepa.getMandate(flows.paid.src.id), 'NotFoundError', 404);
  await expectError(() => other.payments.request({ source: { type: 'id', id: flows.paid.src.id }, amount: 100, currency: 'EUR' }), 'ValidationError', 422, 'source_id_invalid');
  await expectError(() => cko.payments.request({ source: { type: 'id', id: flows.paid.src.id }, amount: 100, currency: 'USD' }), 'ValidationError', 422, 'currency_invalid');
});

await check('events.retrieveEvent answers a delivered event', async () => {
  const d = received.find((x) => x.verified && x.event.type === 'payment_paid');
  const ev = await cko.events.retrieveEvent(d.event.id);
  assert(ev.id === d.event.id && ev.type === 'payment_paid' && ev.data.id === d.event.data.id, JSON.stringify(ev));
  await expectError(() => cko.events.retrieveEvent('evt_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
});

await check('events.retrieveEventTypes, retrieveEvents (payment_id, from/to, paging), notifications and retries', async () => {
  const types = await cko.events.retrieveEventTypes();
  assert(Array.isArray(types) && types[0].version === '2.0' && types[0].event_types.includes('payment_chargeback'), JSON.stringify(types));
  const id = flows.RFND.payment.id;
  const list = await cko.events.retrieveEvents({ payment_id: id });
  const names = list.data.map((e) => e.type);
  assert(list.total_count === 4 && names.join() === 'payment_chargeback,payment_paid,payment_captured,payment_pending', names.join());
  assert(list.data[0]._links.self.href === `${host}/events/${list.data[0].id}`, JSON.stringify(list.data[0]._links));
  const second = await cko.events.retrieveEvents({ payment_id: id, limit: 1, skip: 1 });
  assert(second.total_count === 4 && second.data.length === 1 && second.data[0].type === 'payment_paid', JSON.stringify(second));
  const none = await cko.events.retrieveEvents({ from: '2007-03-01T00:00:00Z', to: '2008-03-01T00:00:00Z' });
  assert(Object.keys(none).length === 0, `no events: ${JSON.stringify(none)}`);
  await expectError(() => cko.events.retrieveEvents({ from: 'XXXX' }), 'ValidationError', 422, 'paging_from_invalid');

  const paid = list.data[1];
  // The delivery is recorded as succeeded once the receiver's answer is in.
  const ev = await poll(async () => {
    const e = await cko.events.retrieveEvent(paid.id);
    return e.notifications.some((n) => n.url === receiverURL && n.success === true) && e;
  });
  const ntf = ev.notifications.find((n) => n.url === receiverURL);
  assert(/^ntf_[a-z2-7]{26}$/.test(ntf.id) && ntf.notification_type === 'Webhook', JSON.stringify(ev.notifications));
  assert(ev._links['webhooks-retry'].href === `${host}/events/${paid.id}/webhooks/retry`, JSON.stringify(ev._links));
  const n = await cko.events.retrieveEventNotification({ eventId: paid.id, notificationId: ntf.id });
  assert(n.content_type === 'json' && n.attempts.length >= 1 && n.attempts[0].status_code === 200 && n.attempts[0].send_mode === 'automatic',
    JSON.stringify(n));
  await expectError(() => cko.events.retrieveEventNotification({ eventId: paid.id, notificationId: 'ntf_aaaaaaaaaaaaaaaaaaaaaaaaaa' }), 'NotFoundError', 404);

  const before = received.filter((d) => d.event.id === paid.id).length;
  assert(Object.keys(await cko.events.retry({ eventId: paid.id, webhookId })).length === 0, 'retry answers no body');
  await poll(async () => received.filter((d) => d.event.id === paid.id).length === before + 1);
  assert(Object.keys(await cko.events.retryAll(paid.id)).length === 0, 'retryAll answers no body');
  await poll(async () => received.filter((d) => d.event.id === paid.id).length === before + 2);
  const again = await cko.events.retrieveEvent(paid.id);
  assert(again.notifications.filter((x) => x.url === receiverURL).length === 3, JSON.stringify(again.notifications));
  await expectError(() => cko.events.retry({ eventId: 'evt_aaaaaaaaaaaaaaaaaaaaaaaaaa', webhookId }), 'NotFoundError', 404);
  await expectError(() => cko.events.retry({ eventId: paid.id, webhookId: 'wh_nope' }), 'NotFoundError', 404);
  await expectError(() => cko.events.retryAll('evt_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
});

await check('payments.getPaymentList by reference', async () => {
  const p = flows.paid.payment;
  const list = await cko.payments.getPaymentList({ reference: p.reference });
  assert(list.total_count === 1 && list.data[0].id === p.id && list.data[0].status === 'Refunded', JSON.stringify(list));
  const empty = await cko.payments.getPaymentList({ reference: 'no-such-reference' });
  assert(empty.total_count === 0 && empty.data.length === 0, JSON.stringify(empty));
  await expectError(() => cko.payments.getPaymentList({ limit: 5 }), 'ValidationError', 422, 'reference_required');
});

await check('customers.get, update, delete', async () => {
  const src = await cko.sources.add({ ...sourceRequest(IBAN.paid), customer: { email: `c-${uuid()}@example.com`, name: 'Sophie' } });
  const id = src.customer.id;
  const cu = await cko.customers.get(id);
  assert(cu.id === id && cu.name === 'Sophie' && cu.email === src.customer.email, JSON.stringify(cu));
  assert(Object.keys(await cko.customers.update(id, { name: 'Sophie B.', phone: { country_code: '+33', number: '678910111' }, metadata: { tier: 'gold' } })).length === 0,
    'update answers no body');
  const updated = await cko.customers.get(src.customer.email);
  assert(updated.id === id && updated.name === 'Sophie B.' && updated.phone.number === '678910111' && updated.metadata.tier === 'gold',
    JSON.stringify(updated));
  await expectError(() => cko.customers.update(id, { email: 'not-an-email' }), 'ValidationError', 422, 'customer_email_invalid');
  await cko.customers.delete(id);
  await expectError(() => cko.customers.get(id), 'NotFoundError', 404);
  await expectError(() => cko.customers.delete(id), 'NotFoundError', 404);
});

await check('disputes: a chargeback is a dispute; list, get, accept; no evidence for SEPA', async () => {
  const pay = flows.NSF.payment.id;
  const list = await cko.disputes.get({ payment_id: pay });
  assert(list.total_count === 1 && list.data[0].payment_id === pay && /^dsp_[a-z2-7]{26}$/.test(list.data[0].id), JSON.stringify(list));
  const d = await cko.disputes.getDetails(list.data[0].id);
  assert(d.status === 'lost' && d.reason_code === 'AM04' && d.amount === 5600 && d.payment.id === pay, JSON.stringify(d));
  await cko.disputes.accept(d.id);
  assert((await cko.disputes.getDetails(d.id)).status === 'accepted', 'accepted');
  const accepted = await cko.disputes.get({ statuses: 'accepted' });
  assert(accepted.data.length === 1 && accepted.data[0].id === d.id, JSON.stringify(accepted));
  await expectError(() => cko.disputes.provideEvidence(d.id, { proof_of_delivery_or_service_text: 'x' }), 'ActionNotAllowed', 403,
    'dispute_evidence_not_allowed');
  await expectError(() => cko.disputes.getDetails('dsp_aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'NotFoundError', 404);
  const all = await cko.disputes.get();
  assert(all.total_count === CHARGEBACKS.length, `${all.total_count} disputes`);
});

await check('every delivery verified and carried the registration\'s header', async () => {
  assert(received.length > 0, 'no deliveries');
  const bad = received.filter((d) => !d.verified);
  assert(bad.length === 0, `${bad.length} deliveries failed Cko-Signature verification`);
  assert(received.every((d) => d.headers.authorization === 'node-1234'), 'custom header missing');
  assert(received.every((d) => d.event.version === '2.0' && /^evt_[a-z2-7]{26}$/.test(d.event.id)), 'envelope');
});

await cko.webhooks.removeWebhook(webhookId).catch(() => {});
finish(receiver);
