#!/usr/bin/env python3
"""Load for the cluster tests (tests/cluster/run); standard library only.

  load.py webhooks BASE SANDBOX WHSEC COPIES THREADS
      every event the Stripe sandbox holds, COPIES times each, shuffled,
      signed as Stripe signs them, POSTed to BASE/stripe/webhook (nginx: both
      app hosts) by THREADS threads; prints "sent N events x COPIES: <status
      counts>" and exits 1 when any answer is not 200.
  load.py allocate BASE KEY ACCOUNT N
      N invoices of $10.00 issued on ACCOUNT and 2N cash payments of $10.00
      left unallocated (JSON API); then all 2N allocations at once, two
      payments for each invoice, each the whole $10.00 (nginx spreads them on
      both hosts). Prints "invoices <ids>" and the answer counts; exactly one
      allocation per invoice may succeed (the caller checks the database).
  load.py bench BASE SANDBOX WHSEC EMAIL PASSWORD N THREADS
      figures (no assertion): N GETs of the signed-in staff home page, and N
      new signed webhook events (copies of the sandbox's payment_intent
      .succeeded events under new ids: each is stored and checked against the
      sandbox), by THREADS threads through nginx; requests per second.
  load.py get BASE PATHS N THREADS
      N GETs of the comma-separated PATHS through nginx; prints the status
      counts and exits 1 when any answer is not 200.
"""
import hashlib
import hmac
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter


def fetch_events(sandbox):
    events, after = [], None
    while True:
        url = sandbox + "/v1/events?limit=100" + (("&starting_after=" + after) if after else "")
        req = urllib.request.Request(url, headers={"Authorization": "Bearer sk_test_sandbox"})
        with urllib.request.urlopen(req, timeout=30) as r:
            page = json.load(r)
        data = page.get("data", [])
        events.extend(data)
        if not page.get("has_more") or not data:
            return events
        after = data[-1]["id"]


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:  # connection reset, timeout: counted as a failure
        return 0


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def run_threads(jobs, nthreads, fn):
    counts, lock, it = Counter(), threading.Lock(), iter(jobs)

    def worker():
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                return
            st = fn(job)
            with lock:
                counts[st] += 1

    ts = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return counts


def cmd_webhooks(base, sandbox, whsec, copies, nthreads):
    events = fetch_events(sandbox)
    bodies = [json.dumps(e, separators=(",", ":")).encode() for e in events] * copies
    random.shuffle(bodies)

    def send(body):
        ts = int(time.time())
        sig = hmac.new(whsec.encode(), b"%d." % ts + body, hashlib.sha256).hexdigest()
        return post(base + "/stripe/webhook", body, {
            "Content-Type": "application/json",
            "Stripe-Signature": "t=%d,v1=%s" % (ts, sig)})

    counts = run_threads(bodies, nthreads, send)
    print("sent %d events x %d: %s" % (len(events), copies, dict(counts)))
    return 0 if set(counts) <= {200} and events else 1


def api(base, key, path, body, idem=None):
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    if idem:
        h["Idempotency-Key"] = idem
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=h,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def cmd_allocate(base, key, account, n):
    invoices, payments = [], []
    for i in range(n):
        st, inv = api(base, key, "/api/v1/invoices", {"account_id": account, "lines": [
            {"description": "Race %d" % i, "rate_cents": 1000}]})
        if st != 201 and st != 200:
            print("invoice create: HTTP %d" % st)
            return 1
        st, _ = api(base, key, "/api/v1/invoices/%d/issue" % inv["id"], {})
        if st != 200:
            print("invoice %d just created, issue: HTTP %d" % (inv["id"], st))
            return 1
        invoices.append(inv["id"])
    for i in range(2 * n):
        st, pay = api(base, key, "/api/v1/payments", {"account_id": account, "method": "cash",
                      "amount_cents": 1000, "allocate": "none"}, "race-pay-%d-%d" % (account, i))
        if pay is None:
            print("payment create: HTTP %d" % st)
            return 1
        payments.append(pay["id"])
    barrier = threading.Barrier(2 * n)
    counts, lock = Counter(), threading.Lock()

    def one(k):
        barrier.wait()
        st, _ = api(base, key, "/api/v1/payments/%d/allocations" % payments[k],
                    {"invoice_id": invoices[k // 2], "amount_cents": 1000},
                    "race-alloc-%d" % payments[k])
        with lock:
            counts[st] += 1

    ts = [threading.Thread(target=one, args=(k,)) for k in range(2 * n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("invoices %s" % ",".join(str(i) for i in invoices))
    print("allocations: %s" % dict(counts))
    return 0


def staff_opener(base, email, password):
    import http.cookiejar
    import re
    import urllib.parse
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = op.open(base + "/login", timeout=30).read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]*)"', page).group(1)
    body = urllib.parse.urlencode({"_csrf": csrf, "email": email, "password": password})
    op.open(base + "/login", data=body.encode(), timeout=30).read()
    return op


def timed(jobs, nthreads, fn):
    t = time.monotonic()
    counts = run_threads(jobs, nthreads, fn)
    return counts, time.monotonic() - t


def cmd_bench(base, sandbox, whsec, email, password, n, nthreads):
    op = staff_opener(base, email, password)

    def home(_):
        try:
            with op.open(base + "/", timeout=60) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except Exception:
            return 0

    counts, dt = timed(range(n), nthreads, home)
    print("staff home page: %d in %.1f s = %.0f/s %s" % (n, dt, n / dt, dict(counts)))
    evs = [e for e in fetch_events(sandbox) if e.get("type") == "payment_intent.succeeded"]
    tag = "%x" % int(time.time() * 1000)
    bodies = []
    for k in range(n):
        e = dict(evs[k % len(evs)])
        e["id"] = "%s_b%s_%d" % (e["id"], tag, k)
        bodies.append(json.dumps(e, separators=(",", ":")).encode())

    def send(body):
        ts = int(time.time())
        sig = hmac.new(whsec.encode(), b"%d." % ts + body, hashlib.sha256).hexdigest()
        return post(base + "/stripe/webhook", body, {
            "Content-Type": "application/json",
            "Stripe-Signature": "t=%d,v1=%s" % (ts, sig)})

    counts, dt = timed(bodies, nthreads, send)
    print("webhook ingest (new events): %d in %.1f s = %.0f/s %s" % (n, dt, n / dt, dict(counts)))
    return 0


def cmd_get(base, paths, n, nthreads):
    urls = [base + p for p in paths.split(",")]
    counts = run_threads([urls[i % len(urls)] for i in range(n)], nthreads, get)
    print("%d GETs: %s" % (n, dict(counts)))
    return 0 if set(counts) <= {200} else 1


def main(argv):
    if len(argv) == 7 and argv[1] == "webhooks":
        return cmd_webhooks(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    if len(argv) == 6 and argv[1] == "allocate":
        return cmd_allocate(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 9 and argv[1] == "bench":
        return cmd_bench(argv[2], argv[3], argv[4], argv[5], argv[6], int(argv[7]),
                         int(argv[8]))
    if len(argv) == 6 and argv[1] == "get":
        return cmd_get(argv[2], argv[3], int(argv[4]), int(argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
