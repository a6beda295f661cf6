// The Checkout.com half of Kontor's bank file round trip, with the official
// checkout-sdk-node client. e2e/bank_node_test.go runs it in two steps
// around the bank's answers, against an account with bank_connection=iso20022:
//
//   KONTOR_URL=… KONTOR_CKO_KEY=… node bank.mjs pay
//     creates a source and three payments and prints
//     `PAYMENTS {"rejected": "pay_…", "booked": "pay_…", "returned": "pay_…"}`
//   KONTOR_URL=… KONTOR_CKO_KEY=… KONTOR_PAYMENTS='{…}' node bank.mjs answered
//     checks what the bank's files did to them and refunds part of the booked
//     one, printing `REFUND act_…`
//
// Prints one line per check and a closing "N passed, M failed" line.
import { Checkout } from 'checkout-sdk-node';
import { assert, check, finish } from './harness.mjs';

const base = new URL(process.env.KONTOR_URL || 'http://127.0.0.1:12111');
const cko = new Checkout(process.env.KONTOR_CKO_KEY, { host: `${base.protocol}//${base.host}` });
const step = process.argv[2];

function sourceRequest(iban) {
  return {
    type: 'sepa',
    reference: 'BANK-ROUND-TRIP',
    source_data: {
      first_name: 'Sophie', last_name: 'Bonneville', account_iban: iban, bic: 'PBNKDEFFXXX',
      billing_descriptor: 'Thanks for shopping', mandate_type: 'recurring',
    },
    billing_address: { address_line1: '101 Avenue de Gaulle', city: 'Paris', zip: '75013', country: 'FR' },
    customer: { email: 'sophie.bonneville@ckomail.com' },
  };
}

if (step === 'pay') {
  await check('payments wait for the bank', async () => {
    const src = await cko.sources.add(sourceRequest('DE25100100101234567893'));
    const ids = {};
    for (const [name, amount] of [['rejected', 2500], ['booked', 5600], ['returned', 4200]]) {
      const p = await cko.payments.request({ source: { type: 'id', id: src.id }, amount, currency: 'EUR', reference: `ORD-${name}` });
      assert(p.status === 'Pending', `${name}: ${p.status}`);
      ids[name] = p.id;
    }
    console.log(`PAYMENTS ${JSON.stringify(ids)}`);
  });
} else if (step === 'answered') {
  const ids = JSON.parse(process.env.KONTOR_PAYMENTS);
  await check('a pain.002 rejection declines with the reason\'s response code', async () => {
    const p = await cko.payments.get(ids.rejected);
    const capture = p.actions.find((a) => a.type === 'Capture');
    assert(p.status === 'Declined' && capture && capture.response_code === '20051', `${p.status} ${JSON.stringify(p.actions)}`);
  });
  await check('a camt.054 booking captures', async () => {
    const p = await cko.payments.get(ids.booked);
    assert(['Captured', 'Paid'].includes(p.status) && p.approved, `${p.status}`);
    const actions = await cko.payments.getActions(ids.booked);
    assert(actions.some((a) => a.type === 'Capture' && a.approved), JSON.stringify(actions));
  });
  await check('a return after settlement leaves the payment captured (the chargeback is a webhook)', async () => {
    const p = await cko.payments.get(ids.returned);
    assert(['Captured', 'Paid'].includes(p.status), `${p.status}`);
  });
  await check('a refund waits for the bank', async () => {
    const r = await cko.payments.refund(ids.booked, { amount: 1000, reference: 'RF-1' });
    assert(/^act_/.test(r.action_id), JSON.stringify(r));
    console.log(`REFUND ${r.action_id}`);
  });
} else {
  console.log(`unknown step ${step}`);
  process.exit(2);
}
finish();
