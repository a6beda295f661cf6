"""End-to-end checks of Kontor with the official Python client (Debian's python3-stripe).

    KONTOR_URL=http://127.0.0.1:12111 [KONTOR_KEY=sk_test_...] python3 suite.py

Covers the seed flows: Sofort sources and their redirect, SEPA Direct Debit sources and charges, SEPA Credit
Transfer sources, PaymentIntents, SetupIntents, Checkout in setup mode, and webhooks verified with
stripe.Webhook.construct_event. Prints one line per check and a closing "N passed, M failed" line; exits
non-zero when a check fails. e2e/python_test.go runs it against an in-process server.
"""

import html.parser
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import stripe

BASE = os.environ.get("KONTOR_URL", "http://127.0.0.1:12111").rstrip("/")
stripe.api_key = os.environ.get("KONTOR_KEY") or "sk_test_py" + secrets.token_hex(12)
stripe.api_base = BASE
stripe.max_network_retries = 0
WAIT = float(os.environ.get("KONTOR_WAIT", "60"))

passed = 0
failed = 0


def check(name):
    """Runs the decorated function at once as one named check."""

    def run(fn):
        global passed, failed
        try:
            fn()
            passed += 1
            print("ok - " + name, flush=True)
        except Exception as err:  # a failed check is reported, the suite goes on
            failed += 1
            print("not ok - %s: %s: %s" % (name, type(err).__name__, err), flush=True)
        return fn

    return run


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Receiver:
    """A local webhook receiver recording each delivery's body and Stripe-Signature."""

    def __init__(self):
        self.deliveries = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.cond:
                    receiver.deliveries.append((body, self.headers.get("Stripe-Signature", "")))
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hooks" % self.server.server_address[1]

    def event(self, secret, type_, object_id):
        """Waits for a delivery of type_ about object_id and returns it verified with construct_event."""
        deadline = time.monotonic() + WAIT
        with self.cond:
            while True:
                for body, sig in self.deliveries:
                    text = body.decode("utf-8")
                    if ('"%s"' % type_) in text and object_id in text:
                        ev = stripe.Webhook.construct_event(body, sig, secret)
                        if ev.type == type_ and ev.data.object.id == object_id:
                            return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no %s webhook for %s within %ss" % (type_, object_id, WAIT))
                self.cond.wait(left)

    def close(self):
        self.server.shutdown()


class FormReader(html.parser.HTMLParser):
    """Collects the first form of a page: its action and its hidden inputs."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.hidden = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


browser = urllib.request.build_opener(NoRedirect)


def submit_page(page_url, fields):
    """Reads a hosted page's form and submits it with fields, as a browser on that page would.

    Returns the status and the Location header of the answer (redirects are not followed)."""
    with urllib.request.urlopen(page_url) as resp:
        form = FormReader()
        form.feed(resp.read().decode("utf-8"))
    expect(form.action, "page %s has no form" % page_url)
    data = dict(form.hidden)
    data.update(fields)
    origin = "%s://%s" % urllib.parse.urlsplit(page_url)[:2]
    req = urllib.request.Request(
        urllib.parse.urljoin(page_url, form.action),
        data=urllib.parse.urlencode(data).encode(),
        headers={"Origin": origin, "Sec-Fetch-Site": "same-origin", "Referer": page_url},
    )
    try:
        with browser.open(req) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", "")


def expect_error(fn, status, code, param=None):
    try:
        fn()
    except stripe.error.StripeError as err:
        expect(err.http_status == status, "status %s, want %s" % (err.http_status, status))
        if code is not None:
            expect(err.code == code, "code %s, want %s" % (err.code, code))
        if param is not None:
            expect(err.param == param, "param %s, want %s" % (err.param, param))
        body = err.json_body["error"]
        expect(body.get("message"), "a message")
        if code is not None:
            want = "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
            expect(body.get("doc_url") == want, "doc_url %s, want %s" % (body.get("doc_url"), want))
        return err
    raise AssertionError("no error raised")


receiver = Receiver()
endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=["*"])
SECRET = endpoint.secret
customer = stripe.Customer.create(email="python@example.com", name="Jenny Rosen")
state = {}


@check("webhook endpoint: secret on create, modify(disabled=True) and back")
def _():
    expect(SECRET.startswith("whsec_"), "secret %s" % SECRET)
    we = stripe.WebhookEndpoint.modify(endpoint.id, disabled=True)
    expect(we.status == "disabled", "status %s" % we.status)
    we = stripe.WebhookEndpoint.modify(endpoint.id, disabled=False)
    expect(we.status == "enabled", "status %s" % we.status)


@check("Sofort source: redirect, authorise on the hosted page, chargeable, charge succeeds")
def _():
    src = stripe.Source.create(
        type="sofort",
        amount=1099,
        currency="eur",
        statement_descriptor="ORDER 6735",
        redirect={"return_url": "https://shop.example/return"},
        sofort={"country": "DE"},
        owner={"name": "Jenny Rosen"},
    )
    expect(src.status == "pending" and src.flow == "redirect", "%s %s" % (src.status, src.flow))
    expect(src.redirect.status == "pending" and src.redirect.url.startswith(BASE), src.redirect.url)
    status, location = submit_page(src.redirect.url, {"decision": "authorize"})
    expect(status == 303, "authorise: %s" % status)
    back = urllib.parse.urlsplit(location)
    query = urllib.parse.parse_qs(back.query)
    expect(location.startswith("https://shop.example/return"), location)
    expect(query["source"] == [src.id] and query["client_secret"] == [src.client_secret], location)
    receiver.event(SECRET, "source.chargeable", src.id)
    ch = stripe.Charge.create(amount=1099, currency="eur", source=src.id)
    expect(ch.status == "pending" and ch.payment_method_details.type == "sofort", ch.status)
    ev = receiver.event(SECRET, "charge.succeeded", ch.id)
    expect(ev.data.object.paid is True and ev.data.object.amount == 1099, "paid")


@check("Sofort source: failing the hosted page fails the source")
def _():
    src = stripe.Source.create(
        type="sofort", amount=500, currency="eur",
        redirect={"return_url": "https://shop.example/return"}, sofort={"country": "AT"},
    )
    status, _ = submit_page(src.redirect.url, {"decision": "fail"})
    expect(status == 303, "fail: %s" % status)
    receiver.event(SECRET, "source.failed", src.id)
    expect(stripe.Source.retrieve(src.id).status == "failed", "status")


@check("SEPA Direct Debit source attached to a customer, charged, succeeded")
def _():
    src = stripe.Source.create(
        type="sepa_debit", currency="EUR",
        sepa_debit={"iban": "DE89370400440532013000"},
        owner={"name": "Jenny Rosen", "email": "jenny@example.com"},
    )
    expect(src.status == "chargeable" and src.sepa_debit.last4 == "3000", src.status)
    expect(src.currency == "eur", "currency %s" % src.currency)
    expect(src.sepa_debit.mandate_reference and src.sepa_debit.mandate_url, "mandate")
    stripe.Customer.create_source(customer.id, source=src.id)
    cus = stripe.Customer.retrieve(customer.id)
    expect(cus.default_source == src.id, "default_source %s" % cus.default_source)
    ch = stripe.Charge.create(amount=2000, currency="eur", customer=customer.id)
    expect(ch.status == "pending" and ch.source.id == src.id, ch.status)
    receiver.event(SECRET, "charge.succeeded", ch.id)
    state["charge"] = ch.id


@check("SEPA Direct Debit charge from the failing test IBAN fails with account_closed")
def _():
    src = stripe.Source.create(
        type="sepa_debit", currency="eur",
        sepa_debit={"iban": "DE62370400440532013001"}, owner={"name": "Jenny Rosen"},
    )
    cus = stripe.Customer.create(source=src.id)
    ch = stripe.Charge.create(amount=1500, currency="eur", customer=cus.id)
    ev = receiver.event(SECRET, "charge.failed", ch.id)
    expect(ev.data.object.failure_code == "account_closed", ev.data.object.failure_code)


@check("refund of a succeeded SEPA debit")
def _():
    expect("charge" in state, "no succeeded charge from an earlier check")
    re = stripe.Refund.create(charge=state["charge"], amount=500)
    expect(re.amount == 500 and re.charge == state["charge"], "refund")
    receiver.event(SECRET, "charge.refunded", state["charge"])
    expect(stripe.Charge.retrieve(state["charge"]).amount_refunded == 500, "amount_refunded")
    state["refund"] = re.id


@check("API versions: charge.refunds embedded before 2022-11-15, unknown versions refused")
def _():
    expect("refund" in state, "no refund from an earlier check")
    old = stripe.Charge.retrieve(state["charge"], stripe_version="2022-08-01")
    expect(old.last_response.headers.get("Stripe-Version") == "2022-08-01", "Stripe-Version header")
    expect([r.id for r in old.refunds.data] == [state["refund"]], "refunds %s" % old.get("refunds"))
    cur = stripe.Charge.retrieve(state["charge"])
    expect("refunds" not in cur, "today's charge embeds refunds")
    try:
        stripe.Charge.retrieve(state["charge"], stripe_version="1999-99-99")
    except stripe.error.InvalidRequestError as err:
        expect(err.http_status == 400 and "Invalid Stripe API version: 1999-99-99" in str(err), str(err))
    else:
        raise AssertionError("an unknown version was accepted")


@check("SEPA Credit Transfer source receives a transfer and becomes chargeable")
def _():
    src = stripe.Source.create(
        type="sepa_credit_transfer", currency="eur",
        owner={"name": "Jenny Rosen", "email": "amount_1500@example.com"},
    )
    expect(src.flow == "receiver" and src.receiver.address, "flow %s" % src.flow)
    expect(src.sepa_credit_transfer.iban and src.sepa_credit_transfer.bic, "receiver account %s" % src)
    receiver.event(SECRET, "source.chargeable", src.id)
    expect(stripe.Source.retrieve(src.id).receiver.amount_received == 1500, "amount_received")
    txs = stripe.Source.list_source_transactions(src.id)
    expect(len(txs.data) == 1 and txs.data[0].amount == 1500, "source transactions %s" % txs)


@check("PaymentIntent with SEPA Direct Debit, confirm=True: processing, then succeeded")
def _():
    pi = stripe.PaymentIntent.create(
        amount=1099, currency="EUR", customer=customer.id,
        payment_method_types=["sepa_debit"],
        payment_method_data={
            "type": "sepa_debit",
            "sepa_debit": {"iban": "AT611904300234573201"},
            "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
        },
        mandate_data={"customer_acceptance": {"type": "online", "online": {"ip_address": "203.0.113.9", "user_agent": "python"}}},
        confirm=True,
    )
    expect(pi.status == "processing" and pi.currency == "eur", "%s %s" % (pi.status, pi.currency))
    receiver.event(SECRET, "payment_intent.succeeded", pi.id)
    pi = stripe.PaymentIntent.retrieve(pi.id)
    expect(pi.status == "succeeded" and pi.amount_received == 1099, pi.status)


@check("SetupIntent for SEPA Direct Debit with a mandate")
def _():
    si = stripe.SetupIntent.create(
        customer=customer.id, payment_method_types=["sepa_debit"],
        payment_method_data={"type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"},
                             "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"}},
        mandate_data={"customer_acceptance": {"type": "offline", "offline": {}}},
        confirm=True,
    )
    expect(si.status == "succeeded" and si.mandate, si.status)
    mandate = stripe.Mandate.retrieve(si.mandate)
    expect(mandate.status == "active" and mandate.type == "multi_use", mandate.status)
    receiver.event(SECRET, "setup_intent.succeeded", si.id)
    state["payment_method"] = si.payment_method


@check("off-session PaymentIntent with off_session=True and confirm=True")
def _():
    expect("payment_method" in state, "no payment method set up by an earlier check")
    pm = state["payment_method"]
    pi = stripe.PaymentIntent.create(
        amount=2500, currency="eur", customer=customer.id, payment_method_types=["sepa_debit"],
        payment_method=pm, off_session=True, confirm=True,
    )
    expect(pi.status == "processing", pi.status)
    receiver.event(SECRET, "payment_intent.succeeded", pi.id)


@check("Checkout in setup mode with Sofort: hosted page, authorisation, generated SEPA Direct Debit")
def _():
    cs = stripe.checkout.Session.create(
        mode="setup", currency="eur", payment_method_types=["sofort"], customer=customer.id,
        success_url="https://shop.example/ok?cs={CHECKOUT_SESSION_ID}", cancel_url="https://shop.example/cancel",
    )
    expect(cs.url.startswith(BASE) and cs.status == "open", cs.url)
    status, location = submit_page(cs.url, {"payment_method": "sofort", "country": "DE", "name": "Jenny Rosen"})
    expect(status == 303 and location, "checkout page: %s" % status)
    status, location = submit_page(urllib.parse.urljoin(cs.url, location), {"decision": "authorize"})
    expect(status == 303 and location.startswith(BASE + "/hosted/checkout/"), "authorise: %s %s" % (status, location))
    try:
        browser.open(location)
        raise AssertionError("the return page did not redirect")
    except urllib.error.HTTPError as err:
        status, location = err.code, err.headers.get("Location", "")
    expect(status == 303 and location == "https://shop.example/ok?cs=" + cs.id, "return: %s %s" % (status, location))
    ev = receiver.event(SECRET, "checkout.session.completed", cs.id)
    si = stripe.SetupIntent.retrieve(ev.data.object.setup_intent, expand=["latest_attempt"])
    expect(si.status == "succeeded", si.status)
    generated = si.latest_attempt.payment_method_details.sofort.generated_sepa_debit
    expect(generated and generated.startswith("pm_"), "generated_sepa_debit %s" % generated)


@check("automatic payment methods, currency in any case")
def _():
    pi = stripe.PaymentIntent.create(amount=1099, currency="EUR", automatic_payment_methods={"enabled": True, "allow_redirects": "never"})
    expect(pi.currency == "eur", pi.currency)
    apm = pi.automatic_payment_methods
    expect(apm and apm.enabled is True and apm.allow_redirects == "never", "automatic_payment_methods %s" % apm)
    expect(pi.payment_method_types == ["sepa_debit"], "payment_method_types %s" % pi.payment_method_types)


@check("errors: unknown parameter, unknown ids in the path and in the body, idempotent replay")
def _():
    err = expect_error(lambda: stripe.Customer.create(favourite_colour="blue"), 400, "parameter_unknown", "favourite_colour")
    expect(isinstance(err, stripe.error.InvalidRequestError), type(err).__name__)
    expect_error(lambda: stripe.Customer.retrieve("cus_nope"), 404, "resource_missing", "id")
    expect_error(lambda: stripe.Refund.create(charge="py_nope"), 400, "resource_missing", "charge")
    expect_error(lambda: stripe.PaymentIntent.retrieve("pi_nope"), 404, "resource_missing", "intent")
    expect_error(lambda: stripe.PaymentIntent.create(amount=100000000, currency="eur", payment_method_types=["sepa_debit"]),
                 400, "amount_too_large", "amount")
    key = "py-" + secrets.token_hex(8)
    a = stripe.Customer.create(email="idem@example.com", idempotency_key=key)
    b = stripe.Customer.create(email="idem@example.com", idempotency_key=key)
    expect(a.id == b.id, "%s != %s" % (a.id, b.id))
    expect(b.last_response.headers.get("Idempotent-Replayed") == "true", "Idempotent-Replayed")
    err = expect_error(lambda: stripe.Customer.create(email="other@example.com", idempotency_key=key), 400, None)
    expect(isinstance(err, stripe.error.IdempotencyError), type(err).__name__)


@check("a wrong webhook secret does not verify")
def _():
    body, sig = receiver.deliveries[0]
    try:
        stripe.Webhook.construct_event(body, sig, "whsec_wrong")
    except stripe.error.SignatureVerificationError:
        return
    raise AssertionError("verified with a wrong secret")


receiver.close()
print("%d passed, %d failed" % (passed, failed))
sys.exit(0 if failed == 0 else 1)
