#!/usr/bin/env python3
"""Scaling acceptance against a running `./surge up` (loopback only, bounded in count and time).

  ./surge up --counter-instances 2 --data-dir DIR        # in another terminal
  python3 bench/scaling.py --data-dir DIR [--clients 16] [--rate 0] [--partitions 24] [--steps kill,start,rescale]

A recording client posts over 240 keys with one Idempotency-Key per event (a 503 or 504 is retried with the same key, so an
event is either accepted once or reported unresolved). While it runs the script, in turn: SIGKILLs one counter-streams
instance, runs `./surge start counter-streams`, runs `./surge rescale --partitions P`, with 15-20 s of load between
steps. Then, once quiet, it checks:
  - every answer is 200 or 202 (503/504 only while retried; the same Idempotency-Key keeps a 504's event once);
  - acked loads never repeat per key;
  - each key's queried count equals its accepted events;
  - `./surge status --json` reports P partitions on the count path;
and reports, around each step, the longest stretch without any 200 and the longest a key's request waited for a
200 of that key.
Exits non-zero when a check fails.
"""
import argparse
import bisect
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SURGE = os.path.join(HERE, "..", "surge")


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), (json.loads(data) if data else None)
    finally:
        conn.close()


class Recorder:
    """Clients that post until stopped; every answer is kept as (time, key, idempotency key, status, load, dup, sent)."""

    def __init__(self, port, clients, rate, keys, deadline_s):
        self.port, self.clients, self.rate, self.keys = port, clients, rate, keys
        self.answers = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.deadline = time.monotonic() + deadline_s
        self.unresolved = []

    def post(self, conn, key, idem):
        """One POST on this client's keep-alive connection; a fresh connection after any error."""
        try:
            if conn[0] is None:
                conn[0] = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn[0].request("POST", "/simulate", body=json.dumps({"key": key}),
                            headers={"Idempotency-Key": idem, "Content-Type": "application/json"})
            response = conn[0].getresponse()
            data = response.read()
            return response.status, dict(response.getheaders()), (json.loads(data) if data else None)
        except (OSError, http.client.HTTPException) as e:
            if conn[0] is not None:
                conn[0].close()
            conn[0] = None
            return -1, {}, {"error": str(e)}

    def run_client(self, index):
        rng = random.Random(index)
        conn = [None]
        interval = self.clients / self.rate if self.rate > 0 else 0
        due = time.monotonic()
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            key = rng.choice(self.keys)
            idem = uuid.uuid4().hex
            for attempt in range(20):
                sent = time.monotonic()
                status, headers, body = self.post(conn, key, idem)
                now = time.monotonic()
                with self.lock:
                    self.answers.append((now, key, idem, status, (body or {}).get("load"),
                                         bool((body or {}).get("duplicate")), sent))
                if status in (200, 202):
                    break
                time.sleep(float(headers.get("Retry-After", "0.2")) if status in (503, 504) else 0.2)
            else:
                with self.lock:
                    self.unresolved.append((key, idem))
            if interval:
                due += interval
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                else:
                    due = time.monotonic()

    def start(self):
        self.threads = [threading.Thread(target=self.run_client, args=(i,), daemon=True) for i in range(self.clients)]
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def snapshot(self):
        with self.lock:
            return list(self.answers)


def longest_gaps(answers, start, end):
    """Longest stretch without any 200 within [start, end]; and, per key, the longest wait for a 200 of the same key.

    The per-key figure is measured from requests, not between answers: for each request of key k sent in
    [start, end], the time from its sending until key k's next 200 answer (this request's own, or a later one). So a
    key that nobody asked for does not count as waiting (with 240 keys at a few hundred events/s, plain gaps between
    one key's 200s run past 10 s from sampling alone), while a key whose requests get 202s or slow answers does.
    """
    oks = sorted((t, key) for t, key, _, status, _, _, _ in answers if status == 200 and start <= t <= end)
    overall = 0.0
    previous = start
    for t, _ in oks:
        overall = max(overall, t - previous)
        previous = t
    overall = max(overall, end - previous)
    answered_by_key = {}
    for t, key, _, status, _, _, _ in sorted(answers):
        if status == 200:
            answered_by_key.setdefault(key, []).append(t)
    per_key = 0.0
    for t, key, _, _, _, _, sent in answers:
        if not start <= sent <= end:
            continue
        times = answered_by_key.get(key, [])
        i = bisect.bisect_left(times, sent)
        waited = (times[i] if i < len(times) else end) - sent
        per_key = max(per_key, waited)
    return overall, per_key


def stack(data_dir):
    with open(os.path.join(data_dir, "stack.json")) as f:
        return json.load(f)


def surge(*args):
    started = time.monotonic()
    result = subprocess.run([SURGE, *args], capture_output=True, text=True, timeout=600)
    print(f"$ ./surge {' '.join(args)}  ({time.monotonic() - started:.1f} s, exit {result.returncode})")
    for line in (result.stdout + result.stderr).strip().splitlines()[-8:]:
        print("   ", line)
    if result.returncode != 0:
        sys.exit(f"FAILED: ./surge {' '.join(args)} exited {result.returncode}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="total events/s (0: as fast as answers come)")
    parser.add_argument("--partitions", type=int, default=24)
    parser.add_argument("--steps", default="kill,start,rescale")
    parser.add_argument("--settle", type=float, default=20, help="seconds of load before and after each step")
    args = parser.parse_args()

    api = next(p for p in stack(args.data_dir)["processes"] if p["role"] == "ingest-api")["port"]
    run = uuid.uuid4().hex[:6]
    keys = [f"scale-{run}-{i}" for i in range(240)]
    recorder = Recorder(api, args.clients, args.rate, keys, deadline_s=600)
    print(f"{args.clients} clients on 127.0.0.1:{api}, 240 keys, rate {'max' if not args.rate else args.rate}/s")
    recorder.start()
    time.sleep(args.settle)
    marks = []
    for step in [s for s in args.steps.split(",") if s]:
        at = time.monotonic()
        if step == "kill":
            counters = [p for p in stack(args.data_dir)["processes"] if p["role"] == "counter-streams"]
            victim = counters[-1]
            os.kill(victim["pid"], signal.SIGKILL)
            print(f"SIGKILL counter-streams pid {victim['pid']} (port {victim['port']})")
        elif step == "start":
            surge("start", "counter-streams", "--data-dir", args.data_dir)
        elif step == "rescale":
            surge("rescale", "--partitions", str(args.partitions), "--data-dir", args.data_dir)
        else:
            sys.exit(f"unknown step {step}")
        done = time.monotonic()
        time.sleep(args.settle)
        marks.append((step, at, done))
    recorder.finish()
    answers = recorder.snapshot()
    t0 = answers[0][0] if answers else 0

    statuses = {}
    for _, _, _, status, _, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    accepted = {}
    loads = {}
    for _, key, idem, status, load, dup, _ in answers:
        if status in (200, 202):
            accepted.setdefault(key, set()).add(idem)
        if status == 200 and not dup:
            loads.setdefault(key, []).append(load)
    events = sum(len(v) for v in accepted.values())
    print(f"{len(answers)} answers, {events} events accepted: statuses {statuses}; unresolved {len(recorder.unresolved)}")
    failures = []
    if any(s not in (200, 202, 503, 504) for s in statuses):
        failures.append(f"answers other than 200/202/503/504: {statuses}")
    for key, values in loads.items():
        if len(values) != len(set(values)):
            failures.append(f"{key}: an acked load repeats")
    for step, at, done in marks:
        overall, per_key = longest_gaps(answers, at - 1, done + args.settle)
        print(f"  {step:8s} at +{at - t0:5.1f} s (took {done - at:4.1f} s): longest stretch without a 200: "
              f"{overall:.2f} s overall; longest wait for a key's next 200: {per_key:.2f} s")
    overall, per_key = longest_gaps(answers, t0, answers[-1][0] if answers else t0)
    print(f"  whole run: longest stretch without a 200: {overall:.2f} s overall, {per_key:.2f} s for one key")

    deadline = time.monotonic() + 60
    while True:
        wrong = {}
        for key, ids in accepted.items():
            status, _, body = request(api, "GET", f"/load/{key}")
            if status != 200 or body["load"] != len(ids):
                wrong[key] = (status, body and body.get("load"), len(ids))
        if not wrong or time.monotonic() > deadline:
            break
        time.sleep(1)
    if wrong:
        failures.append(f"{len(wrong)} keys' counts differ from their accepted events, e.g. {list(wrong.items())[:3]}")
    else:
        print(f"every key's count equals its accepted events ({len(accepted)} keys, {events} events)")
    if "rescale" in args.steps:
        status = json.loads(surge("status", "--data-dir", args.data_dir, "--json"))
        partitions = status.get("countPath", {}).get("partitions")
        print(f"status --json: count path {json.dumps(status.get('countPath'))}")
        if partitions != args.partitions:
            failures.append(f"status reports {partitions} partitions, not {args.partitions}")
    if failures:
        for failure in failures:
            print("FAILED:", failure)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
