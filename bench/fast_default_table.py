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
                                   "m-cnn5-nchw", "m-densenet40-nchw", "m-cnn5-cl", "m-densenet40-cl",
                                   "m-bc100-nchw", "m-inception-nchw",
                                   "m-eval-launched", "m-densenet40-launched",
                                   "m-bc100-launched", "m-inception-launched",
                                   "m-cnn5-beside-train"]}
    p = {k: load(out, k) for k in ["p-cnn5-installed", "p-cnn5-tuned", "p-cnn5-tuned-cl",
                                   "p-eval-installed",
                                   "p-eval-tuned", "p-densenet40-installed",
                                   "p-densenet40-tuned", "p-bc100-installed",
                                   "p-bc100-tuned", "p-inception-installed",
                                   "p-inception-tuned"]}
    train = load(out, "m-train-launched").get("-", [])
    one = lambda d: next(iter(d.values()), [])  # noqa: E731  (single-variant files)
    print("| workload | mixnorm as launched | PyTorch as installed | PyTorch tuned | "
          "launched / PyTorch tuned |")
    print("|---|---|---|---|---|")
    workloads = [("cnn5 %s, train step, batch 128", "cnn5", "m-cnn5-launched"),
                 ("cnn5 %s, eval forward, batch 100", "eval", "m-eval-launched"),
                 ("DenseNet-40 %s, train step (SGD-Nesterov), batch 64", "densenet40",
                  "m-densenet40-launched"),
                 ("DenseNet-BC-100 %s, train step (SGD-Nesterov), batch 64", "bc100",
                  "m-bc100-launched"),
                 ("Inception-V3 %s, train step (SGD-Nesterov), batch 32", "inception",
                  "m-inception-launched")]
    for label, torch_name, mine in workloads:
        pi, pt = one(p["p-%s-installed" % torch_name]), one(p["p-%s-tuned" % torch_name])
        bn = m[mine].get("bn", [])
        if not bn:  # a row this round's script did not measure (older raw folders)
            continue
        for v, xs in m[mine].items():
            if v == "bn":  # PyTorch has BN only: the ratio to it; MN rows: the ratio to BN's time
                cells = (fmt(pi), fmt(pt), "%.2f" % (med(xs) / med(pt)))
            else:
                cells = ("", "", "%.2f× BN's time" % (med(bn) / med(xs)))
            print("| %s | %s | %s | %s | %s |" % ((label % v, fmt(xs)) + cells))
    print()
    env, off, launched = (one(m["m-cnn5-envtuned"]), one(m["m-cnn5-off"]),
                          m["m-cnn5-launched"].get("bn", []))
    print("| variation | img/s | vs launched |")
    print("|---|---|---|")
    print("| mixnorm as launched (mallopt inside) | %s | 1.00 |" % fmt(launched))
    print("| mixnorm, MALLOC_* set by hand | %s | %.2f |" % (fmt(env), med(env) / med(launched)))
    print("| mixnorm, MIXNORM_MALLOC_TUNING=0 (glibc defaults) | %s | %.2f |" % (
        fmt(off), med(off) / med(launched)))
    # the format switch's row: the variation is the non-default format, =0 ("nchw") while
    # channels-last is the default (before b53d8dd and again since it was cleared), =1 ("cl") in
    # the raw folders of the hours in between
    fmt_key, fmt_label = (("cl", "MIXNORM_CHANNELS_LAST=1 (channels-last inputs)")
                          if m["m-cnn5-cl"] else ("nchw", "MIXNORM_CHANNELS_LAST=0 (NCHW inputs)"))
    other = one(m["m-cnn5-" + fmt_key])
    print("| mixnorm, %s | %s | %.2f |" % (fmt_label, fmt(other), med(other) / med(launched)))
    pcl = one(p["p-cnn5-tuned-cl"])
    print("| PyTorch tuned, model and input channels_last | %s | %.2f |" % (
        fmt(pcl), med(pcl) / med(launched)))
    for key, label in [("densenet40", "DenseNet-40 bn (batch 64)"),
                       ("bc100", "DenseNet-BC-100 bn (batch 64)"),
                       ("inception", "Inception-V3 bn (batch 32)")]:
        dl, dn = m["m-%s-launched" % key].get("bn", []), one(m.get("m-%s-%s" % (key, fmt_key), {}))
        if not dl or not dn:  # not measured in this raw folder
            continue
        print("| %s: mixnorm as launched | %s | 1.00 |" % (label, fmt(dl)))
        print("| %s: mixnorm, %s | %s | %.2f |" % (
            label.split(" (")[0], fmt_label.split(" (")[0], fmt(dn), med(dn) / med(dl)))
    beside = one(m["m-cnn5-beside-train"])
    print()
    print("| `train` (200 steps, mini set) vs `bench` right after it, cnn5 bn, batch 128 | img/s |")
    print("|---|---|")
    print("| train, summary images_per_second (training seconds only) | %s |" % fmt(train))
    print("| bench | %s |" % fmt(beside))
    print("| train / bench | %.2f |" % (med(train) / med(beside)))


if __name__ == "__main__":
    main()
