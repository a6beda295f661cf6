"""Create the objects the wrk scripts use, on Kontor or on stripe-mock.

usage: setup.py BASE_URL SECRET_KEY COUNT DIR

Writes DIR/customers.txt and DIR/charges.txt, one id a line: COUNT customers,
each with a reusable SEPA Direct Debit source as its default source, and one
charge of each. stripe-mock keeps no state and refuses the source parameters,
so there the customers are created without one; the requests the wrk scripts
send are the same for both servers.
"""
import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

base, key, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
auth = "Basic " + base64.b64encode((key + ":").encode()).decode()


def post(path, **params):
    req = urllib.request.Request(base + path, data=urllib.parse.urlencode(params).encode(),
                                 headers={"Authorization": auth})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["id"]


customers, charges = [], []
for _ in range(count):
    try:
        src = post("/v1/sources", type="sepa_debit", currency="eur", **{
            "sepa_debit[iban]": "DE89370400440532013000", "owner[name]": "Jenny Rosen"})
        cus = post("/v1/customers", source=src)
    except urllib.error.HTTPError as e:
        if e.headers.get("Stripe-Mock-Version") is None:
            raise
        cus = post("/v1/customers", name="Jenny Rosen")
    customers.append(cus)
    charges.append(post("/v1/charges", amount=1000, currency="eur", customer=cus))

with open(out + "/customers.txt", "w") as f:
    f.write("\n".join(customers) + "\n")
with open(out + "/charges.txt", "w") as f:
    f.write("\n".join(charges) + "\n")
