"""Issue 16's acceptance against a running `./surge up --brokers 3`:

    python3 bench/cluster-acceptance.py API_PORT DATA_DIR SURGE_HOME

Lists every topic's replication (bench/DescribeTopics.java, Kafka's Admin client), then 16 clients post for 45 s
(8 keys, each event with its own Idempotency-Key, retried with it until answered 200, 202 or 503) and 12 s in the
broker that leads the most load-events partitions is SIGKILLed (it stays down: ./surge up does not restart it).
Prints the answers, the longest time without a 200 (one key, all keys) in the 20 s after the kill, the 503 share
and p50/p99 there, repeated acked loads, and once quiet whether each key's count equals its accepted events.
Load bounded: 16 clients, 45 s, 127.0.0.1 only."""
import json, os, signal, subprocess, sys, threading, time, uuid, http.client
API_PORT = int(sys.argv[1]); DATA = sys.argv[2]; HOME = sys.argv[3]
RUN = uuid.uuid4().hex[:6]
CLIENTS, DURATION, KILL_AT, KEYS = 16, 45, 12, [f"acc-{RUN}-k{i}" for i in range(8)]
lock = threading.Lock(); log = []  # (key, sent, answered, status, load, duplicate)
t0 = time.monotonic()
def post(key, idem):
    c = http.client.HTTPConnection("127.0.0.1", API_PORT, timeout=20)
    try:
        c.request("POST", "/simulate", json.dumps({"key": key}), {"Content-Type": "application/json", "Idempotency-Key": idem})
        r = c.getresponse(); body = r.read()
        d = json.loads(body) if r.status in (200, 202) else {}
        return r.status, d.get("load"), bool(d.get("duplicate"))
    except Exception:
        return 0, None, False
    finally:
        c.close()
def client(n):
    i = 0
    while time.monotonic() - t0 < DURATION:
        key = KEYS[(n + i) % len(KEYS)]; i += 1; idem = str(uuid.uuid4())
        while True:  # retry with the same Idempotency-Key until answered 2xx or 503
            sent = time.monotonic() - t0; st, load, dup = post(key, idem); ans = time.monotonic() - t0
            with lock: log.append((key, idem, sent, ans, st, load, dup))
            if st in (200, 202, 503) or time.monotonic() - t0 > DURATION + 60: break
            time.sleep(0.2)
        if st == 503: time.sleep(0.2)
def describe():
    out = subprocess.run(["java", "-cp", HOME + "/local-stack/target/lib/*", HOME + "/bench/DescribeTopics.java", bootstrap], capture_output=True, text=True).stdout
    return "\n".join(l for l in out.splitlines() if not l.startswith("SLF4J"))
stack = json.load(open(DATA + "/stack.json")); bootstrap = stack["kafka"]
brokers = {p["port"]: p["pid"] for p in stack["processes"] if p["role"] == "broker"}
before = describe(); print(before)
leaders = {}
for line in before.splitlines():
    if line.startswith("load-events "):
        leaders = {int(k): int(v) for k, v in [kv.split("=") for kv in line.split("leaders {")[1].rstrip("}").split(", ")]}
victim = max(leaders, key=leaders.get); port = sorted(brokers)[victim - 1]
t0 = time.monotonic()
threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]; [t.start() for t in threads]
time.sleep(KILL_AT)
kill_at = time.monotonic() - t0; os.kill(brokers[port], signal.SIGKILL)
print(f"SIGKILL broker {victim} (port {port}, pid {brokers[port]}, led {leaders[victim]} of 12 load-events partitions) at {kill_at:.2f} s")
[t.join() for t in threads]
stopped = time.monotonic() - t0
print(f"load stopped at {stopped:.1f} s")
statuses = {}
for e in log: statuses[e[4]] = statuses.get(e[4], 0) + 1
print("answers:", statuses)
bad = {s: n for s, n in statuses.items() if s not in (200, 202, 503)}
accepted = {}  # idem -> key for events answered 2xx at least once
loads = {}
for key, idem, sent, ans, st, load, dup in log:
    if st in (200, 202): accepted[idem] = key
    if st == 200 and not dup: loads.setdefault(key, []).append(load)
dups = {k: len(v) - len(set(v)) for k, v in loads.items() if len(v) != len(set(v))}
# longest without a 200, per key and overall, from the kill for 20 s; 503 share and p99 in that window
def gap(times, a, b):
    times = sorted(t for t in times if a <= t <= b); prev, g = a, 0
    for t in times: g = max(g, t - prev); prev = t
    return max(g, b - prev)
a, b = kill_at, min(kill_at + 20, DURATION)
per_key = max(gap([e[3] for e in log if e[0] == k and e[4] == 200], a, b) for k in KEYS)
overall = gap([e[3] for e in log if e[4] == 200], a, b)
win = [e for e in log if a <= e[2] < b]; lat = sorted(e[3] - e[2] for e in win)
print(f"from the kill for {b - a:.1f} s: longest without a 200 for one key {per_key:.2f} s, for all keys {overall:.2f} s; "
      f"{len(win)} requests, 503 share {100 * sum(1 for e in win if e[4] == 503) / max(1, len(win)):.1f} %, "
      f"p50 {lat[len(lat) // 2]:.2f} s, p99 {lat[max(0, int(len(lat) * 0.99) - 1)]:.2f} s")
print("answers other than 200/202/503:", bad or "none", "| repeated acked loads per key:", dups or "none")
expected = {k: 0 for k in KEYS}
for idem, key in accepted.items(): expected[key] += 1
deadline = time.monotonic() + 120
while True:
    counts = {}
    for k in KEYS:
        c = http.client.HTTPConnection("127.0.0.1", API_PORT, timeout=10); c.request("GET", "/load/" + k)
        r = c.getresponse(); counts[k] = json.loads(r.read()).get("load") if r.status == 200 else None; c.close()
    if counts == expected or time.monotonic() > deadline: break
    time.sleep(1)
print("expected (accepted events):", expected); print("counts:", counts)
print("COUNTS EXACT" if counts == expected else "COUNTS DIFFER")
