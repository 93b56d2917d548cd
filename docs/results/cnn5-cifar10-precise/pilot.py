#!/usr/bin/env python3
"""Pilot for issue 16: the rescaling speed-up on the committed runs, and the predicted 95% interval
width for each budget x seed count. Run from this folder: python3 pilot.py (numpy, scipy).
The estimator here is a plain transcription of spec §8's definition; the lab's Java
implementation (io.mixnorm.lab.study.Rescaling) is the one the study's report uses."""
import csv
import numpy as np
from scipy import stats

RES = '../'

def read(path, col):
    rows = list(csv.DictReader(open(path)))
    return np.array([float(r['step']) for r in rows]), np.array([float(r[col]) for r in rows])

def rescale(tb, ab, tv, av, lo=-1.0, hi=2 / 3):
    """r minimising the mean squared gap between BN's evaluations a_B(t) and the variant's curve,
    linear in log-steps, read at (1 - r) t; at least half of BN's evaluations must overlap."""
    ub, uv = np.log(tb), np.log(tv)
    need = max(3, int(np.ceil(len(tb) / 2)))
    best = (np.inf, None)
    for r in np.arange(lo, hi, 0.0005):
        x = np.log(1 - r) + ub
        m = (x >= uv[0] - 1e-12) & (x <= uv[-1] + 1e-12)
        if m.sum() < need:
            continue
        d = np.mean((ab[m] - np.interp(x[m], uv, av)) ** 2)
        if d < best[0]:
            best = (d, r)
    return best[1]

es = RES + 'cnn5-cifar10-eval-stats/runs/'
for col in ['test_accuracy_precise', 'test_accuracy_running']:
    print(f'eval-stats pair (lr 1e-3, seed 1), {col}: r = {rescale(*read(es + "bn/metrics.csv", col), *read(es + "mn/metrics.csv", col)):+.3f}')
for lr in ['0.001', '0.005']:
    for s in [1, 2]:
        d = RES + f'cnn5-cifar10/runs/lr-{lr}/'
        print(f'cnn5-cifar10 lr {lr} seed {s} (running statistics): r = '
              f'{rescale(*read(d + f"bn/seed-{s}/metrics.csv", "test_accuracy"), *read(d + f"mn/seed-{s}/metrics.csv", "test_accuracy")):+.3f}')

# Noise of the precise curves around a smooth trend (cubic in log-steps).
for n in ['bn', 'mn']:
    t, a = read(es + f'{n}/metrics.csv', 'test_accuracy_precise')
    c = np.polyfit(np.log(t), a, 3)
    print(f'{n} precise residual sd: {100 * np.sqrt(np.sum((a - np.polyval(c, np.log(t))) ** 2) / (len(a) - 4)):.2f} points')

# Measurement sd of r from curve noise (0.5 points, both curves), simulated on BN's trend.
rng = np.random.default_rng(11)
t, a = read(es + 'bn/metrics.csv', 'test_accuracy_precise')
u = np.log(t)
c = np.polyfit(u, a, 3)
trend = lambda tt: np.polyval(c, np.clip(np.log(tt), u[0] - 2, u[-1] + 2))
for steps in [1000, 1500]:
    tt = np.arange(100, steps + 1, 100.0)
    sm = max(np.std([rescale(tt, trend(tt) + rng.normal(0, 0.005, len(tt)), tt,
                             trend(tt / (1 - r)) + rng.normal(0, 0.005, len(tt))) for _ in range(300)], ddof=1)
             for r in [0.0, 0.3])
    print(f'budget {steps} steps: measurement sd of r = {sm:.3f}')
    for ss in [0.05, 0.10]:
        sig = np.hypot(ss, sm)
        print(f'  seed-to-seed sd {ss:.2f} -> per-pair sd {sig:.3f}; 95% half-width: ' + ', '.join(
            f'n={n} ±{100 * stats.t.ppf(0.975, n - 1) * sig / np.sqrt(n):.1f}' for n in [3, 4, 6, 8, 10, 12]))
