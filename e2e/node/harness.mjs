// Shared pieces of the Node end-to-end scripts: numbered checks with a
// closing "N passed, M failed" line, and a local webhook receiver.

let passed = 0;
let failed = 0;

// assert throws msg unless cond holds.
export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// check runs one named check and prints "ok - name" or "not ok - name: why".
export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    const body = err && err.body ? ` ${JSON.stringify(err.body)}` : '';
    console.log(`not ok - ${name}: ${err && err.message ? err.message : err}${body}`);
  }
}

// finish closes the receivers, prints the summary line and exits non-zero if a check failed.
export function finish(...receivers) {
  for (const r of receivers) r.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// startReceiver listens on 127.0.0.1; entry(body, headers) turns each
// request into the recorded delivery and returns [delivery, status].
export async function startReceiver(http, entry) {
  const received = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const [delivery, status] = entry(Buffer.concat(chunks).toString('utf8'), req.headers);
      received.push(delivery);
      res.writeHead(status).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    url: (path) => `http://127.0.0.1:${server.address().port}${path}`,
    close: () => server.close(),
    // waitFor resolves with the first delivery matching pred, waiting up to ms.
    waitFor(pred, ms = 30000, what = 'matching webhook') {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
        const look = () => {
          const hit = received.find(pred);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else {
            waiters.push(look);
          }
        };
        look();
      });
    },
  };
}

// stripeReceiver records Stripe deliveries with their Stripe-Signature header.
export function stripeReceiver(http) {
  return startReceiver(http, (body, headers) => [{ body, signature: headers['stripe-signature'] }, 200]);
}

// stripeClient points the npm stripe client at KONTOR_URL.
export function stripeClient(Stripe, base, key) {
  return new Stripe(key, {
    host: base.hostname,
    port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
    protocol: base.protocol.replace(':', ''),
    maxNetworkRetries: 0,
    telemetry: false,
  });
}
