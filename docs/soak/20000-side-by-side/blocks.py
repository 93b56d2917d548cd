"""Soak CSVs: median RSS per 2000-step block, and the least-squares slope of RSS after step 2000
with a 95% interval from a moving-block bootstrap of the residuals (blocks of 10 samples, 1000
steps, so the evaluation/trim cycle's correlation stays inside a block).

    python3 blocks.py run1.csv run2.csv ...
"""
import csv
import random
import statistics
import sys


def slope(steps, rss):
    mx, my = statistics.fmean(steps), statistics.fmean(rss)
    sxy = sum((s - mx) * (r - my) for s, r in zip(steps, rss))
    sxx = sum((s - mx) ** 2 for s in steps)
    return 1000 * sxy / sxx


for f in sys.argv[1:]:
    pts = [(int(r["step"]), float(r["rss_mb"])) for r in csv.DictReader(open(f))]
    last = pts[-1][0]
    blocks = []
    for b in range(0, last, 2000):
        v = [r for s, r in pts if b <= s < b + 2000]
        blocks.append("%d-%d: %.1f" % (b, b + 2000, statistics.median(v)))
    after = [p for p in pts if 2000 <= p[0] < last]  # the end sample comes after the last trim
    steps = [p[0] for p in after]
    rss = [p[1] for p in after]
    s0 = slope(steps, rss)
    mx, my = statistics.fmean(steps), statistics.fmean(rss)
    fit = [my + s0 / 1000 * (s - mx) for s in steps]
    resid = [r - q for r, q in zip(rss, fit)]
    rnd, n, block, boot = random.Random(1), len(after), 10, []
    for _ in range(2000):
        e = []
        while len(e) < n:
            i = rnd.randrange(0, n - block + 1)
            e.extend(resid[i : i + block])
        boot.append(slope(steps, [q + x for q, x in zip(fit, e[:n])]))
    boot.sort()
    print("%s: %d samples after step 2000, last step %d" % (f.split("/")[-1], n, last))
    print("  median RSS per block (MB): " + "; ".join(blocks))
    print("  slope: %+.2f MB per 1000 steps, 95%% [%+.2f, %+.2f]" % (s0, boot[50], boot[1949]))
