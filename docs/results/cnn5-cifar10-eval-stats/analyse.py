#!/usr/bin/env python3
"""Late means and scatter of the three scorings in each run's metrics.csv (plain Python, no packages).

usage: analyse.py RUN_DIR [RUN_DIR ...]
late mean: mean test accuracy over the evaluations at steps 1000-1500;
scatter: sd of each curve's residuals from its 3-point running median (end points excluded), the statistic
declared before the runs; it is 0 for any curve that rises monotonically, so also (decided after seeing that):
sd of the residuals from a least-squares fit a + b*ln(step) + c*ln(step)^2 (a smooth trend).
"""
import math
import csv
import statistics
import sys

KINDS = ["running", "precise", "batch"]


def scatter(v):
    res = [v[i] - statistics.median(v[i - 1:i + 2]) for i in range(1, len(v) - 1)]
    return statistics.pstdev(res) if res else float("nan")


def trend_sd(steps, v):
    x = [math.log(s) for s in steps]
    cols = [[1.0] * len(x), x, [t * t for t in x]]
    a = [[sum(ci[i] * cj[i] for i in range(len(x))) for cj in cols] for ci in cols]
    y = [sum(ci[i] * v[i] for i in range(len(x))) for ci in cols]
    for i in range(3):  # Gauss-Jordan on the 3x3 normal equations
        p = a[i][i]
        for j in range(3):
            if j != i:
                f = a[j][i] / p
                a[j] = [aj - f * ai for aj, ai in zip(a[j], a[i])]
                y[j] -= f * y[i]
    coef = [y[i] / a[i][i] for i in range(3)]
    res = [v[i] - (coef[0] + coef[1] * x[i] + coef[2] * x[i] ** 2) for i in range(len(x))]
    return statistics.pstdev(res)


for run in sys.argv[1:]:
    rows = list(csv.DictReader(open(f"{run}/metrics.csv")))
    print(f"## {run}: {len(rows)} evaluations, last step {rows[-1]['step']}")
    print("| statistics | late mean, steps 1000-1500 (n) | sd around 3-point median | sd around log-quadratic trend "
          "| gap to batch, min to max |")
    print("|---|---|---|---|---|")
    steps = [int(r["step"]) for r in rows]
    for k in KINDS:
        v = [100 * float(r[f"test_accuracy_{k}"]) for r in rows]
        late = [100 * float(r[f"test_accuracy_{k}"]) for r in rows if 1000 <= int(r["step"]) <= 1500]
        b = [100 * float(r["test_accuracy_batch"]) for r in rows]
        gaps = [x - y for x, y in zip(v, b)]
        lm = f"{statistics.mean(late):.2f}% ({len(late)})" if late else "-"
        print(f"| {k} | {lm} | {scatter(v):.2f} | {trend_sd(steps, v):.2f} | {min(gaps):+.2f} to {max(gaps):+.2f} |")
    print()
