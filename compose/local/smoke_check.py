#!/usr/bin/env python3
"""The checks of compose/smoke.sh against the running compose stack, through its published ports on 127.0.0.1.

Python 3 standard library only. Every wait has a deadline; every check prints what it saw and exits non-zero when it
does not hold.

  burst     N concurrent POST /simulate through nginx over K keys: each key's 200 answers carry exactly the loads
            1..n (none lost, none doubled) and GET /load/{key} answers n
  failover  the same under a steady load while a command (docker-compose stop ingest-api-1) runs part-way through:
            nothing lost or doubled, and requests kept being answered after the stop
  served    Prometheus' counts of counted events per ingest-api instance: every instance served requests
  targets   Prometheus reports every Surge target up
"""
import argparse
import asyncio
import collections
import http.client
import json
import random
import resource
import sys
import time
import urllib.parse
import uuid

# The demo key of compose/ingest-api/api-keys.txt (public: the README gives it). Never printed.
API_KEY = "surge-demo-key"
# Answers after which the same request is sent again with the same Idempotency-Key: nothing was written (429, 503),
# or it may have been and the retry is counted at most once (202: durable but count not back yet; 504; no answer).
RETRIED = {None, 202, 429, 502, 503, 504}
MAX_BACKOFF = 8.0


def log(message):
    print(f"[check] {message}", flush=True)


def fail(message):
    print(f"[check] FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def request(host, port, method, path, body=None, headers=None, timeout=15.0):
    """One HTTP exchange on a new connection (for Prometheus): (status or None when no answer, body bytes, headers)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    except (OSError, http.client.HTTPException) as e:
        return None, repr(e).encode(), {}
    finally:
        connection.close()


class Operation:
    """One event a client wants counted: a load key and the Idempotency-Key all its attempts carry."""

    def __init__(self, key):
        self.key = key
        self.idempotency_key = str(uuid.uuid4())
        self.load = None
        self.duplicate = False
        self.attempts = 0
        self.error = None
        self.done_at = None


class Connection:
    """One keep-alive HTTP/1.1 connection (asyncio: thousands of them cost one thread), reopened after an error."""

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.reader = None
        self.writer = None

    async def exchange(self, method, path, body=b"", headers=None, timeout=15.0):
        """(status or None when no answer, body bytes, lower-case headers)."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers or {}), timeout)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            self.close()
            return None, repr(e).encode(), {}

    async def _exchange(self, method, path, body, headers):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        answer_headers = {}
        while True:
            line = (await self.reader.readuntil(b"\r\n")).decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        if answer_headers.get("transfer-encoding", "").lower() == "chunked":
            payload = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                payload += chunk[:-2]
        else:
            payload = await self.reader.readexactly(int(answer_headers.get("content-length", "0")))
        if answer_headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload, answer_headers

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Client:
    def __init__(self, host, port, deadline):
        self.host = host
        self.port = port
        self.deadline = deadline
        self.statuses = collections.Counter()

    async def run(self, connection, operation):
        """Sends the operation until it gets 200 (its count), a refusal it must not retry, or the deadline."""
        body = json.dumps({"key": operation.key}).encode()
        headers = {"Authorization": "Bearer " + API_KEY, "Content-Type": "application/json",
                   "Idempotency-Key": operation.idempotency_key}
        while True:
            operation.attempts += 1
            status, payload, answer_headers = await connection.exchange("POST", "/simulate", body, headers)
            self.statuses[status] += 1
            if status == 200:
                answer = json.loads(payload)
                operation.load = int(answer["load"])
                operation.duplicate = bool(answer.get("duplicate", False))
                operation.done_at = time.monotonic()
                return
            if status not in RETRIED:
                operation.error = f"{status} {payload[:300]!r}"
                return
            if time.monotonic() > self.deadline:
                operation.error = f"no 200 before the deadline (last answer {status})"
                return
            # As README's "What clients should do": at least Retry-After, backing off exponentially with jitter, so
            # thousands of refused clients do not come back all at once.
            try:
                retry_after = float(answer_headers.get("retry-after", "0"))
            except ValueError:
                retry_after = 0.0
            backoff = min(MAX_BACKOFF, 0.25 * 2 ** min(operation.attempts, 6))
            await asyncio.sleep(max(retry_after, backoff) * random.uniform(0.5, 1.5))

    async def load_of(self, connection, key):
        status, payload, _ = await connection.exchange("GET", "/load/" + urllib.parse.quote(key),
                                                       headers={"Authorization": "Bearer " + API_KEY})
        if status != 200:
            return None, f"{status} {payload[:200]!r}"
        return int(json.loads(payload)["load"]), None


def raise_open_files_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        fail(f"open files limit {soft} < {needed} needed for the concurrent connections (ulimit -n)")


async def verify_exact(client, operations, deadline):
    """Each key's 200 answers carry exactly 1..n, and GET /load/{key} answers n (never more)."""
    failed = [op for op in operations if op.error is not None]
    if failed:
        fail(f"{len(failed)} of {len(operations)} requests got no count, e.g. {failed[0].key}: {failed[0].error}")
    by_key = collections.defaultdict(list)
    for op in operations:
        by_key[op.key].append(op.load)
    for key, loads in sorted(by_key.items()):
        n = len(loads)
        if sorted(loads) != list(range(1, n + 1)):
            counts = collections.Counter(loads)
            doubled = sorted(load for load, times in counts.items() if times > 1)
            missing = sorted(set(range(1, n + 1)) - set(loads))
            fail(f"key {key}: the loads of its {n} answers are not 1..{n}: doubled {doubled[:10]}, "
                 f"missing {missing[:10]}, above n {sorted(load for load in loads if load > n)[:10]}")
    connection = Connection(client.host, client.port)
    rereads = 0
    for key, loads in sorted(by_key.items()):
        n = len(loads)
        while True:
            load, problem = await client.load_of(connection, key)
            if load == n:
                break
            if load is not None and load > n:
                fail(f"GET /load/{key} = {load}, more than the {n} events sent: doubled")
            if time.monotonic() > deadline:
                fail(f"GET /load/{key} = {load if load is not None else problem}, expected {n}")
            rereads += 1
            await asyncio.sleep(0.2)
    connection.close()
    duplicates = sum(1 for op in operations if op.duplicate)
    sizes = ", ".join(sorted({str(len(v)) for v in by_key.values()}))
    log(f"exact: {len(by_key)} keys, each key's 200 answers carry exactly 1..n (n = {sizes}), "
        f"GET /load/{{key}} = n for every key ({rereads} re-reads); {duplicates} were retries answered "
        f"duplicate:true with the first attempt's count")


def summary(client, operations, started):
    elapsed = time.monotonic() - started
    attempts = sum(op.attempts for op in operations)
    statuses = ", ".join(f"{'no answer' if status is None else status}: {count}"
                         for status, count in sorted(client.statuses.items(), key=lambda item: str(item[0])))
    log(f"{len(operations)} events answered 200 in {elapsed:.1f} s after {attempts} attempts; "
        f"all answers: {statuses}")


def progress(client, operations, started):
    answered = sum(1 for op in operations if op.load is not None)
    statuses = ", ".join(f"{'no answer' if status is None else status}: {count}"
                         for status, count in sorted(client.statuses.items(), key=lambda item: str(item[0])))
    return f"{time.monotonic() - started:.0f} s: {answered} of {len(operations)} counted; answers so far {statuses}"


async def wait_all(tasks, client, operations, started, deadline, timeout):
    """Waits for the workers, printing progress every 15 s; fails at the deadline."""
    pending = set(tasks)
    while pending:
        _, pending = await asyncio.wait(pending, timeout=min(15.0, max(0.0, deadline - time.monotonic())))
        if pending and time.monotonic() >= deadline:
            fail(f"requests still unanswered after {timeout} s; {progress(client, operations, started)}")
        if pending:
            log(progress(client, operations, started))


async def burst(args):
    raise_open_files_limit(args.concurrency + 256)
    deadline = time.monotonic() + args.timeout
    client = Client(args.host, args.port, deadline)
    keys = [f"{args.prefix}-{i:02d}" for i in range(args.keys)]
    operations = [Operation(keys[i % args.keys]) for i in range(args.requests)]
    pending = collections.deque(operations)
    connections = [Connection(args.host, args.port) for _ in range(args.concurrency)]
    gate = asyncio.Event()

    async def worker(connection):
        await gate.wait()
        while pending:
            await client.run(connection, pending.popleft())
        connection.close()

    tasks = [asyncio.create_task(worker(connection)) for connection in connections]
    await asyncio.sleep(0)
    started = time.monotonic()
    gate.set()
    await wait_all(tasks, client, operations, started, deadline, args.timeout)
    log(f"burst: {args.requests} POST /simulate over {args.keys} keys, {args.concurrency} at once through "
        f"{args.host}:{args.port}")
    summary(client, operations, started)
    await verify_exact(client, operations, deadline)


async def failover(args):
    raise_open_files_limit(args.concurrency + 256)
    deadline = time.monotonic() + args.timeout
    client = Client(args.host, args.port, deadline)
    keys = [f"{args.prefix}-{i:02d}" for i in range(args.keys)]
    operations = [Operation(keys[i % args.keys]) for i in range(args.requests)]
    pending = collections.deque(operations)
    completed = [0]
    stop = {"started": None, "finished": None, "code": None, "stderr": b""}
    interval = 1.0 / args.rate
    next_send = [time.monotonic()]

    async def stopper():
        stop["started"] = time.monotonic()
        log(f"stopping under load: {' '.join(args.stop_command)}")
        process = await asyncio.create_subprocess_exec(*args.stop_command, stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.PIPE)
        _, stop["stderr"] = await process.communicate()
        stop["code"] = process.returncode
        stop["finished"] = time.monotonic()

    stop_task = []

    async def worker(connection):
        while pending:
            op = pending.popleft()
            # Paced: the load lasts long enough that the stop lands in the middle of it.
            send_at = next_send[0]
            next_send[0] = max(send_at + interval, time.monotonic())
            if send_at > time.monotonic():
                await asyncio.sleep(send_at - time.monotonic())
            await client.run(connection, op)
            completed[0] += 1
            if completed[0] == args.stop_after:
                stop_task.append(asyncio.create_task(stopper()))
        connection.close()

    started = time.monotonic()
    tasks = [asyncio.create_task(worker(Connection(args.host, args.port))) for _ in range(args.concurrency)]
    await wait_all(tasks, client, operations, started, deadline, args.timeout)
    if not stop_task:
        fail("the stop command never ran")
    await asyncio.wait(stop_task, timeout=max(0.0, deadline - time.monotonic()))
    if stop["finished"] is None:
        fail("the stop command did not finish before the deadline")
    if stop["code"] != 0:
        fail(f"{' '.join(args.stop_command)} exited {stop['code']}: {stop['stderr'][-500:]!r}")
    log(f"failover: {args.requests} POST /simulate over {args.keys} keys, {args.concurrency} clients at about "
        f"{args.rate:g}/s; the stop began after {args.stop_after} answers and took "
        f"{stop['finished'] - stop['started']:.1f} s")
    summary(client, operations, started)
    during = sum(1 for op in operations if op.done_at and stop["started"] <= op.done_at <= stop["finished"])
    after = sum(1 for op in operations if op.done_at and op.done_at > stop["finished"])
    log(f"answered 200 while the instance stopped: {during}; after it had stopped: {after}")
    if after == 0:
        fail("no request was answered after the instance stopped: the stop did not happen under load")
    await verify_exact(client, operations, deadline)


def prometheus_get(args, path):
    status, payload, _ = request(args.host, args.port, "GET", path)
    if status != 200:
        return None
    answer = json.loads(payload)
    return answer["data"] if answer.get("status") == "success" else None


def served(args):
    """Counted events per ingest-api instance, read once two scrapes in a row agree (the load is over by then)."""
    query = 'sum by (instance, outcome) (surge_events_total{job="ingest-api"})'
    deadline = time.monotonic() + args.timeout
    previous = None
    while True:
        data = prometheus_get(args, "/api/v1/query?query=" + urllib.parse.quote(query))
        outcomes = collections.defaultdict(dict)
        for r in (data or {}).get("result", []):
            outcomes[r["metric"]["instance"]][r["metric"]["outcome"]] = int(float(r["value"][1]))
        counted = {instance: by_outcome.get("counted", 0) for instance, by_outcome in outcomes.items()}
        if len(counted) >= args.instances and all(counted.values()) and outcomes == previous:
            break
        if time.monotonic() > deadline:
            fail(f"Prometheus' events per ingest-api instance after {args.timeout} s: {dict(outcomes) or 'none'} "
                 f"(expected {args.instances} instances that each counted events, steady over two scrapes)")
        previous = outcomes
        time.sleep(6)
    for instance, by_outcome in sorted(outcomes.items()):
        log(f"served: {instance} counted {by_outcome.get('counted', 0)} events; surge_events_total by outcome "
            + ", ".join(f"{outcome} {count}" for outcome, count in sorted(by_outcome.items())))


def targets(args):
    deadline = time.monotonic() + args.timeout
    while True:
        data = prometheus_get(args, "/api/v1/targets?state=active")
        found = {(t["labels"]["job"], t["labels"]["instance"]): t["health"]
                 for t in (data or {}).get("activeTargets", [])}
        surge = {target: health for target, health in found.items() if target[0] in ("ingest-api", "counter-streams")}
        if len(surge) == args.expected and all(health == "up" for health in surge.values()):
            break
        if time.monotonic() > deadline:
            fail(f"Prometheus targets after {args.timeout} s: {surge or found or 'none'} "
                 f"(expected {args.expected} Surge targets up)")
        time.sleep(1)
    log("targets: " + ", ".join(f"{job}/{instance} {health}" for (job, instance), health in sorted(surge.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, function in (("burst", burst), ("failover", failover)):
        command = commands.add_parser(name)
        command.set_defaults(function=function)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8080)
        command.add_argument("--requests", type=int, default=2000)
        command.add_argument("--keys", type=int, default=20)
        command.add_argument("--concurrency", type=int, default=2000)
        command.add_argument("--prefix", required=True)
        command.add_argument("--timeout", type=float, default=120)
        if name == "failover":
            command.add_argument("--rate", type=float, default=300, help="POSTs started per second")
            command.add_argument("--stop-after", type=int, default=500, help="answers before the stop command")
            command.add_argument("stop_command", nargs=argparse.REMAINDER)
    command = commands.add_parser("served")
    command.set_defaults(function=served)
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=9090)
    command.add_argument("--instances", type=int, default=2)
    command.add_argument("--timeout", type=float, default=60)
    command = commands.add_parser("targets")
    command.set_defaults(function=targets)
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=9090)
    command.add_argument("--expected", type=int, default=4)
    command.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if args.command == "failover":
        if args.stop_command[:1] == ["--"]:
            args.stop_command = args.stop_command[1:]
        if not args.stop_command:
            parser.error("failover needs the stop command after --")
    result = args.function(args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


if __name__ == "__main__":
    main()
