#!/usr/bin/env python3
"""The timeline of one broker kill of `./surge faults --brokers 3` (leader-kill, coordinator-kill, controller-kill).

Usage: python3 bench/failover-timeline.py DATA_DIR FAULTS_OUTPUT

DATA_DIR is the run's --data-dir (faults-requests.csv, logs/broker-N.log), FAULTS_OUTPUT the file its output was
saved to (it names the killed broker and prints "killed at <UTC time> (run clock N ms)"). Prints, in seconds after
the kill:
  - when a new active controller activated (only when the killed broker was the active controller),
  - when the surviving brokers first applied a leader change of __consumer_offsets/__transaction_state, i.e. when the
    controller had fenced the killed broker and moved its leaderships (the same metadata change moves every partition),
  - the two longest stretches without a 200 among answers up to 10.5 s after the kill,
  - from when on no stretch without a 200 exceeded 1 s (counting again for every partition, not only for the
    transactions that did not touch the killed broker), and how many requests sent while it was down got 202.
"""
import csv
import datetime
import glob
import re
import sys


def main(data_dir, output):
    text = open(output, encoding="utf-8").read()
    killed = re.search(r"killed at (\S+) \(run clock (\d+) ms\)", text)
    victim = int(re.search(r"SIGKILL broker (\d+)", text).group(1))
    kill_wall = datetime.datetime.fromisoformat(killed.group(1)[:26])
    kill_run = int(killed.group(2))
    activated = moved = None
    for log in glob.glob(f"{data_dir}/logs/broker-*.log"):
        if log.endswith(f"broker-{victim}.log"):
            continue
        for line in open(log, encoding="utf-8", errors="replace"):
            try:
                at = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S,%f")
            except ValueError:
                continue
            if at < kill_wall:
                continue
            if "Performing controller activation" in line and (activated is None or at < activated):
                activated = at
            if re.search(r"Scheduling loading of metadata from __(consumer_offsets|transaction_state)", line) \
                    and (moved is None or at < moved):
                moved = at
    rows = list(csv.DictReader(open(f"{data_dir}/faults-requests.csv", encoding="utf-8")))
    counted = sorted(int(r["answered_ms"]) for r in rows if r["status"] == "200" and int(r["answered_ms"]) >= kill_run)
    gaps, previous = [], kill_run
    for at in counted:
        if at > kill_run + 10_500:
            break
        gaps.append((at - previous, previous - kill_run, at - kill_run))
        previous = at
    steady_from = max([end for gap, _, end in gaps if gap > 1_000], default=0)
    sent_down = [r for r in rows if kill_run <= int(r["sent_ms"]) < kill_run + 10_000]
    after = lambda at: f"+{(at - kill_wall).total_seconds():.2f} s" if at else "-"
    print(f"broker {victim} killed at {kill_wall.time()}; new controller active {after(activated)}; "
          f"leaders moved {after(moved)}")
    print("longest without a 200: " + ", ".join(f"{g / 1000:.2f} s (+{a / 1000:.2f} to +{b / 1000:.2f})"
                                                 for g, a, b in sorted(gaps, reverse=True)[:2]))
    print(f"no stretch without a 200 over 1 s from +{steady_from / 1000:.2f} s; "
          f"202 to {sum(1 for r in sent_down if r['status'] == '202')} of {len(sent_down)} requests sent while down")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
