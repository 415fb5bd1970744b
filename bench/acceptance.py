#!/usr/bin/env python3
"""Acceptance checks against a running ./surge up (loopback only, bounded in count and time).

  python3 bench/acceptance.py pipeline  [--api 8080]                 # 2,000 POSTs, 64 in flight, 20 keys
  python3 bench/acceptance.py queries   [--api 8080] [--counters 8081,8082]   # 300 events, 30 keys, every port
  python3 bench/acceptance.py admission [--api 8080]                 # with SURGE_RATE_LIMIT=50 on the stack

Each prints what it checked and exits non-zero on the first broken expectation.
"""
import argparse
import concurrent.futures
import http.client
import json
import sys
import time
import uuid


def request(port, method, path, body=None, headers=None, timeout=10):
    """One request; a body is sent as JSON (ingest-api answers 415 to a body of any other Content-Type)."""
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        parsed = json.loads(data) if data else None
        return response.status, dict(response.getheaders()), parsed
    finally:
        conn.close()


def check(condition, message):
    if not condition:
        print("FAILED:", message)
        sys.exit(1)


def pipeline(args):
    run = uuid.uuid4().hex[:6]
    keys = [f"acc-{run}-{i}" for i in range(20)]
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(lambda i: request(args.api, "POST", "/simulate",
                                                  json.dumps({"key": keys[i % 20]})), range(2000)))
    elapsed = time.time() - started
    statuses = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"2000 POSTs over 20 keys, 64 in flight, in {elapsed:.1f} s: statuses {statuses}")
    check(statuses == {200: 2000}, "every response should be 200")
    loads = {}
    for _, _, body in results:
        loads.setdefault(body["key"], []).append(body["load"])
    for key, values in loads.items():
        check(sorted(values) == list(range(1, len(values) + 1)), f"{key}: loads {sorted(values)} are not 1..n")
    print("each key's load values are exactly 1..n:", {k: len(v) for k, v in list(loads.items())[:3]}, "...")
    status, _, body = request(args.api, "POST", "/simulate")
    check(status == 200 and body["status"] == "success", f"bodyless POST: {status} {body}")
    print("bodyless POST:", json.dumps(body))
    status, headers, body = request(args.api, "POST", "/simulate", "{\"key\":")
    check(status == 400 and headers.get("Content-Type", "").startswith("application/problem+json"),
          f"malformed JSON: {status} {headers}")
    print("malformed JSON:", status, json.dumps(body))


def queries(args):
    counters = [int(p) for p in args.counters.split(",")]
    run = uuid.uuid4().hex[:6]
    keys = [f"iq-{run}-{i}" for i in range(30)]
    before = request(counters[0], "GET", "/load")[2]["total"]
    acked = {}
    for i in range(300):
        status, _, body = request(args.api, "POST", "/simulate", json.dumps({"key": keys[i % 30]}))
        check(status == 200, f"POST {i}: {status} {body}")
        acked[body["key"]] = body["load"]
        port = [args.api] + counters
        status, _, now = request(port[i % len(port)], "GET", "/load/" + body["key"])
        check(status == 200 and now["load"] >= body["load"], f"read-your-acks: ack {body['load']}, query {now}")
    print("300 acked events over 30 keys; every query right after an ack returned at least the ack's load")
    for port in [args.api] + counters:
        for key, load in acked.items():
            status, _, body = request(port, "GET", "/load/" + key)
            check(status == 200 and body["load"] == load, f"port {port} {key}: {body}, expected {load}")
        status, _, total = request(port, "GET", "/load")
        check(status == 200 and total["total"] == before + 300, f"port {port} total {total}, expected {before + 300}")
        print(f"port {port}: 30 keys exact, GET /load total {total['total']} = {before} + 300, "
              f"instances {total['instances']}, recent {total['recent']}")
    status, _, body = request(args.api, "GET", "/load/" + keys[0])
    print("a key:", json.dumps(body))
    status, _, body = request(args.api, "GET", "/load/never-" + run)
    check(status == 200 and body["load"] == 0, f"unknown key: {body}")


def admission(args):
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda i: request(args.api, "POST", "/simulate"), range(400)))
    statuses = {}
    for status, headers, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
        if status == 429:
            check(all(h in headers for h in ("Retry-After", "RateLimit", "RateLimit-Policy")),
                  f"429 without the rate-limit headers: {headers}")
    print("burst of 400 from one client:", statuses)
    check(set(statuses) <= {200, 429} and 429 in statuses, "only 200 and 429 expected")
    time.sleep(1.1)  # let the 1-second limiter window refill before the next checks
    big = "{\"key\":\"" + "x" * 100_000 + "\"}"
    status, _, _ = request(args.api, "POST", "/simulate", big)
    check(status == 413, f"100 KB body: {status}")
    conn = http.client.HTTPConnection("127.0.0.1", args.api, timeout=10)
    conn.putrequest("POST", "/simulate")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    for _ in range(100):
        conn.send(b"400\r\n" + b"x" * 1024 + b"\r\n")
    conn.send(b"0\r\n\r\n")
    chunked = conn.getresponse().status
    conn.close()
    check(chunked == 413, f"100 KB chunked body: {chunked}")
    print("100 KB body: 413, chunked: 413")
    key = f"idem-{uuid.uuid4().hex[:8]}"
    retry = {"Idempotency-Key": "order-" + key}
    first = request(args.api, "POST", "/simulate", json.dumps({"key": key}), retry)
    again = request(args.api, "POST", "/simulate", json.dumps({"key": key}), retry)
    check(first[0] == 200 and again[0] == 200 and first[2]["load"] == again[2]["load"] == 1,
          f"idempotent retry: {first[2]} then {again[2]}")
    print("Idempotency-Key retry:", json.dumps(again[2]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["pipeline", "queries", "admission"])
    parser.add_argument("--api", type=int, default=8080)
    parser.add_argument("--counters", default="8081")
    args = parser.parse_args()
    {"pipeline": pipeline, "queries": queries, "admission": admission}[args.check](args)
    print("OK")


if __name__ == "__main__":
    main()
