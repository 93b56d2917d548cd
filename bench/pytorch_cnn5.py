#!/usr/bin/env python3
"""The cnn5 training step in plain PyTorch, for a side-by-side throughput comparison with
`./mixnorm bench` (same network, optimizer, batch and synthetic data; see docs/benchmarks.md).

    /usr/bin/python3 bench/pytorch_cnn5.py --batch-size 128 --threads 2 [--mode eval] [--json]

Debian's python3-torch (apt-get install python3-torch) is enough.
"""
import argparse
import json
import statistics

import torch
from torch import nn

from torch_step import step_times


def cnn5(classes=10):
    layers, cin = [], 3
    for i, w in enumerate([64, 128, 128, 256]):
        # Same as mixnorm's Cnn5: 5x5 "same" convs without bias, BN (eps 1e-5, momentum 0.1), ReLU,
        # 3x3/2 max pools with padding 1, then global average pool and a linear head.
        layers += [nn.Conv2d(cin, w, 5, padding=2, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        if i < 3:
            layers.append(nn.MaxPool2d(3, 2, padding=1))
        cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--mode", choices=["train", "eval"], default="train",
                    help="train: forward, loss, backward, AdamW update; eval: forward in inference "
                         "mode under torch.no_grad(), as mixnorm's bench --mode eval")
    ap.add_argument("--channels-last", action="store_true",
                    help="model and input in torch.channels_last (mixnorm's default input format)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = cnn5()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    x = torch.randn(a.batch_size, 3, 32, 32)
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (a.batch_size,))
    times = step_times(net, opt, x, y, a.mode, a.warmup, a.repeats)
    med = statistics.median(times)
    out = {"framework": "pytorch " + torch.__version__, "mode": a.mode,
           "channels_last": a.channels_last,
           "threads": torch.get_num_threads(),
           "batch_size": a.batch_size, "step_ms_median": med, "step_ms_min": min(times),
           "images_per_second": a.batch_size / (med / 1e3)}
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print("%s, %s step, %d threads, batch %d: median step %.1f ms, %.1f img/s"
              % (out["framework"], a.mode, out["threads"], a.batch_size, med,
                 out["images_per_second"]))


if __name__ == "__main__":
    main()
