#!/usr/bin/env python3
"""Per-operator self time from a Chrome trace of libtorch's profiler: mixnorm's
(bench/ProfileStep.java) or plain PyTorch's (bench/profile_torch.py), so the two sides are
summarized the same way.

    python3 bench/trace_ops.py TRACE.json [STEPS] [TOP]

Self time = an event's duration minus its direct children's (events nested in time on the same
thread), summed per operator name and divided by STEPS (default 1): ms per training step.
"""
import collections
import json
import sys


def self_times(events):
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") in ("cpu_op", "Operator"):
            by_thread[(e.get("pid"), e.get("tid"))].append(e)
    totals = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, self]
        def close(upto):
            while stack and stack[-1][0] <= upto:
                end, name, own = stack.pop()
                totals[name] += own
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            close(ts)
            if stack:
                stack[-1][2] -= dur
            stack.append([ts + dur, e["name"], dur])
            calls[e["name"]] += 1
        close(float("inf"))
    return totals, calls


def main():
    trace = json.load(open(sys.argv[1]))
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    totals, calls = self_times(events)
    whole = sum(totals.values())
    print("%-42s %10s %7s %8s" % ("operator", "ms/step", "share", "calls"))
    for name, us in totals.most_common(top):
        print("%-42s %10.1f %6.1f%% %8.1f" % (name[:42], us / 1e3 / steps, 100 * us / whole,
                                               calls[name] / steps))
    print("%-42s %10.1f" % ("all operators", whole / 1e3 / steps))


if __name__ == "__main__":
    main()
