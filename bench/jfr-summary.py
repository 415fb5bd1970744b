#!/usr/bin/env python3
"""Summarises the CPU samples of a JFR recording: bench/profile.sh runs it on each process of the stack.

    bench/jfr-summary.py RECORDING.jfr [--since HH:MM:SS]

Prints the share of samples per thread group, per component (the innermost frame of a known library: Jetty,
Javalin, Jackson, Kafka producer/consumer/Streams/broker, RocksDB, Micrometer, Surge...) and the busiest frames.
Reads the recording with the JDK's `jfr` tool; only JDK and Python's standard library are needed.
"""
import collections
import re
import subprocess
import sys

COMPONENTS = [
    ("com.fasterxml.jackson", "Jackson"), ("org.rocksdb", "RocksDB"), ("io.micrometer", "Micrometer"),
    ("io.javalin", "Javalin"), ("kotlin.", "Javalin"), ("org.eclipse.jetty", "Jetty"), ("io.netty", "Netty"),
    ("org.apache.kafka.streams", "Kafka Streams"), ("org.apache.kafka.clients.producer", "Kafka producer"),
    ("org.apache.kafka.clients.consumer", "Kafka consumer"), ("org.apache.kafka.common.metrics", "Kafka metrics"),
    ("org.apache.kafka.common.record", "Kafka records"), ("org.apache.kafka.common.network", "Kafka network"),
    ("kafka.", "Kafka broker"), ("org.apache.kafka.storage", "Kafka broker (log)"),
    ("org.apache.kafka.server", "Kafka broker"), ("org.apache.kafka.coordinator", "Kafka broker (coordinators)"),
    ("org.apache.kafka.raft", "Kafka broker (KRaft)"), ("org.apache.kafka", "Kafka (other)"),
    ("dev.surge", "Surge"), ("io.github.resilience4j", "resilience4j"), ("sun.nio.ch", "JDK NIO"),
    ("jdk.jfr", "JFR"),
]


def component(frames):
    for frame in frames:
        for prefix, name in COMPONENTS:
            if frame.startswith(prefix):
                return name
    return "JDK (" + frames[0].split("(")[0].rsplit(".", 1)[0] + ")" if frames else "?"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    since = sys.argv[sys.argv.index("--since") + 1] if "--since" in sys.argv else "00:00:00"
    out = subprocess.run(["jfr", "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", sys.argv[1]],
                         capture_output=True, text=True, check=True).stdout
    threads, components, frames_self = collections.Counter(), collections.Counter(), collections.Counter()
    n = 0
    for event in out.split("jdk.ExecutionSample {")[1:]:
        if re.search(r"startTime = (\S+)", event).group(1) < since:
            continue
        n += 1
        thread = re.search(r'sampledThread = "([^"]*)"', event).group(1)
        threads[re.sub(r"\d+", "N", re.sub(r"surge-counter-[0-9a-f-]+", "surge-counter", thread))] += 1
        stack = event.split("stackTrace = [")[1].split("\n")[1:]
        frames = [re.sub(r"\(.*", "", line.strip()) for line in stack
                  if line.strip() and line.strip() not in ("]", "}", "...")]
        components[component(frames)] += 1
        if frames:
            frames_self[frames[0]] += 1
    if n == 0:
        print("no CPU samples")
        return
    pct = lambda v: f"{100 * v / n:.0f} %"
    print(f"samples: {n}")
    print("threads: " + ", ".join(f"{k} {pct(v)}" for k, v in threads.most_common(8)))
    print("components: " + ", ".join(f"{k} {pct(v)}" for k, v in components.most_common(12)))
    print("busiest frames: " + ", ".join(f"{k} {pct(v)}" for k, v in frames_self.most_common(6)))


if __name__ == "__main__":
    main()
