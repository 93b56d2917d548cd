#!/usr/bin/env python3
"""The table of bench/fast-default.sh from its raw JSON files: per row the median img/s over the
rounds and the range, and the ratios the issue's targets are stated in.

    python3 bench/fast_default_table.py OUT_DIR
"""
import glob
import json
import os
import statistics
import sys


def load(out, name):
    """{variant: [img/s per round]} of the files r*-NAME.json."""
    rows = {}
    for f in sorted(glob.glob(os.path.join(out, "r*-%s.json" % name))):
        try:
            d = json.load(open(f))
        except ValueError:
            print("skipped %s: not a complete JSON result (an interrupted run?)" % f,
                  file=sys.stderr)
            continue
        for v in d.get("variants", [d]):
            rows.setdefault(v.get("variant", "-"), []).append(v["images_per_second"])
    return rows


def fmt(xs):
    if not xs:
        return "n/a"
    med = statistics.median(xs)
    return "%.1f (%.1f–%.1f)" % (med, min(xs), max(xs)) if len(xs) > 1 else "%.1f" % med


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    out = sys.argv[1]
    m = {k: load(out, k) for k in ["m-cnn5-launched", "m-cnn5-envtuned", "m-cnn5-off",
                                   "m-cnn5-nchw", "m-densenet40-nchw",
                                   "m-eval-launched", "m-densenet40-launched",
                                   "m-cnn5-beside-train"]}
    p = {k: load(out, k) for k in ["p-cnn5-installed", "p-cnn5-tuned", "p-cnn5-tuned-cl",
                                   "p-eval-installed",
                                   "p-eval-tuned", "p-densenet40-installed",
                                   "p-densenet40-tuned"]}
    train = load(out, "m-train-launched").get("-", [])
    one = lambda d: next(iter(d.values()), [])  # noqa: E731  (single-variant files)
    print("| workload | mixnorm as launched | PyTorch as installed | PyTorch tuned | "
          "launched / PyTorch tuned |")
    print("|---|---|---|---|---|")
    pt, pi = one(p["p-cnn5-tuned"]), one(p["p-cnn5-installed"])
    for v, xs in m["m-cnn5-launched"].items():
        same = v == "bn"
        print("| cnn5 %s, train step, batch 128 | %s | %s | %s | %s |" % (
            v, fmt(xs), fmt(pi) if same else "", fmt(pt) if same else "",
            "%.2f" % (med(xs) / med(pt)) if same else "%.2f× BN's step time" % (
                med(m["m-cnn5-launched"]["bn"]) / med(xs))))
    et, ei = one(p["p-eval-tuned"]), one(p["p-eval-installed"])
    for v, xs in m["m-eval-launched"].items():
        same = v == "bn"
        print("| cnn5 %s, eval forward, batch 100 | %s | %s | %s | %s |" % (
            v, fmt(xs), fmt(ei) if same else "", fmt(et) if same else "",
            "%.2f" % (med(xs) / med(et)) if same else "%.2f× BN's time" % (
                med(m["m-eval-launched"]["bn"]) / med(xs))))
    dt, di = one(p["p-densenet40-tuned"]), one(p["p-densenet40-installed"])
    for v, xs in m["m-densenet40-launched"].items():
        same = v == "bn"
        print("| DenseNet-40 %s, train step (SGD-Nesterov), batch 64 | %s | %s | %s | %s |" % (
            v, fmt(xs), fmt(di) if same else "", fmt(dt) if same else "",
            "%.2f" % (med(xs) / med(dt)) if same else "%.2f× BN's step time" % (
                med(m["m-densenet40-launched"]["bn"]) / med(xs))))
    print()
    env, off, launched = (one(m["m-cnn5-envtuned"]), one(m["m-cnn5-off"]),
                          m["m-cnn5-launched"].get("bn", []))
    print("| variation | img/s | vs launched |")
    print("|---|---|---|")
    print("| mixnorm as launched (mallopt inside) | %s | 1.00 |" % fmt(launched))
    print("| mixnorm, MALLOC_* set by hand | %s | %.2f |" % (fmt(env), med(env) / med(launched)))
    print("| mixnorm, MIXNORM_MALLOC_TUNING=0 (glibc defaults) | %s | %.2f |" % (
        fmt(off), med(off) / med(launched)))
    nchw = one(m["m-cnn5-nchw"])
    print("| mixnorm, MIXNORM_CHANNELS_LAST=0 (NCHW inputs) | %s | %.2f |" % (
        fmt(nchw), med(nchw) / med(launched)))
    pcl = one(p["p-cnn5-tuned-cl"])
    print("| PyTorch tuned, model and input channels_last | %s | %.2f |" % (
        fmt(pcl), med(pcl) / med(launched)))
    dl, dn = m["m-densenet40-launched"].get("bn", []), one(m["m-densenet40-nchw"])
    print("| DenseNet-40 bn (batch 64): mixnorm as launched | %s | 1.00 |" % fmt(dl))
    print("| DenseNet-40 bn: mixnorm, MIXNORM_CHANNELS_LAST=0 | %s | %.2f |" % (
        fmt(dn), med(dn) / med(dl)))
    beside = one(m["m-cnn5-beside-train"])
    print()
    print("| `train` (200 steps, mini set) vs `bench` right after it, cnn5 bn, batch 128 | img/s |")
    print("|---|---|")
    print("| train, summary images_per_second (training seconds only) | %s |" % fmt(train))
    print("| bench | %s |" % fmt(beside))
    print("| train / bench | %.2f |" % (med(train) / med(beside)))


if __name__ == "__main__":
    main()
