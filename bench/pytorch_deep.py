#!/usr/bin/env python3
"""The lab's deep models in plain PyTorch, for side-by-side throughput with `./mixnorm bench`
(same network, optimizer, batch and synthetic data; see docs/benchmarks.md):

    /usr/bin/python3 bench/pytorch_deep.py --model densenet-bc100 --batch-size 64 --threads 2 [--json]
    /usr/bin/python3 bench/pytorch_deep.py --model inception-v3 --batch-size 32 --threads 2 [--json]

Each network is written out layer by layer as mixnorm-lab builds it (DenseNet.java with
DenseNetBc100's config; InceptionV3.java and InceptionModules.java), and the script prints its
parameter count so that the two sides can be checked to be the same network (`./mixnorm summary
--model NAME` prints mixnorm's). DenseNet-40 has its own script in ../shared/tools.
Debian's python3-torch (apt-get install python3-torch) is enough.
"""
import argparse
import json
import statistics

import torch
from torch import nn

from torch_step import step_times


def conv(cin, cout, k, stride=1, pad=0):
    # Bias-free, as every convolution of the lab's models (a norm layer follows each one).
    return nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False)


# --- DenseNet-BC-100 (k = 12): 3 blocks of 16 bottleneck layers, compression 0.5, first conv 24.


class DenseLayer(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), conv(c, 4 * k, 1),
                               nn.BatchNorm2d(4 * k), nn.ReLU(), conv(4 * k, k, 3, pad=1))

    def forward(self, x):
        return torch.cat([x, self.f(x)], 1)


def densenet_bc100(classes=10, layers=16, k=12, first=24, theta=0.5):
    mods, c = [conv(3, first, 3, pad=1)], first
    for b in range(3):
        for _ in range(layers):
            mods.append(DenseLayer(c, k))
            c += k
        if b < 2:
            out = int(theta * c)
            mods += [nn.BatchNorm2d(c), nn.ReLU(), conv(c, out, 1), nn.AvgPool2d(2)]
            c = out
    mods += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
             nn.Linear(c, classes)]
    return nn.Sequential(*mods)


# --- Inception-V3: torchvision's Mixed blocks, the lab's 32x32 stem, no auxiliary head.


def basic(cin, cout, k, stride=1, pad=0):
    return nn.Sequential(conv(cin, cout, k, stride, pad), nn.BatchNorm2d(cout), nn.ReLU())


class Concat(nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


def seq(*m):
    return nn.Sequential(*m)


def avg3():
    return nn.AvgPool2d(3, stride=1, padding=1)  # count_include_pad=True, as torchvision


def inception_a(cin, pool):
    return Concat(basic(cin, 64, 1),
                  seq(basic(cin, 48, 1), basic(48, 64, 5, pad=2)),
                  seq(basic(cin, 64, 1), basic(64, 96, 3, pad=1), basic(96, 96, 3, pad=1)),
                  seq(avg3(), basic(cin, pool, 1)))


def inception_b(cin):
    return Concat(basic(cin, 384, 3, stride=2),
                  seq(basic(cin, 64, 1), basic(64, 96, 3, pad=1), basic(96, 96, 3, stride=2)),
                  nn.MaxPool2d(3, stride=2))


def inception_c(cin, c7):
    return Concat(basic(cin, 192, 1),
                  seq(basic(cin, c7, 1), basic(c7, c7, (1, 7), pad=(0, 3)),
                      basic(c7, 192, (7, 1), pad=(3, 0))),
                  seq(basic(cin, c7, 1), basic(c7, c7, (7, 1), pad=(3, 0)),
                      basic(c7, c7, (1, 7), pad=(0, 3)), basic(c7, c7, (7, 1), pad=(3, 0)),
                      basic(c7, 192, (1, 7), pad=(0, 3))),
                  seq(avg3(), basic(cin, 192, 1)))


def inception_d(cin):
    return Concat(seq(basic(cin, 192, 1), basic(192, 320, 3, stride=2)),
                  seq(basic(cin, 192, 1), basic(192, 192, (1, 7), pad=(0, 3)),
                      basic(192, 192, (7, 1), pad=(3, 0)), basic(192, 192, 3, stride=2)),
                  nn.MaxPool2d(3, stride=2))


def inception_e(cin):
    return Concat(basic(cin, 320, 1),
                  seq(basic(cin, 384, 1),
                      Concat(basic(384, 384, (1, 3), pad=(0, 1)),
                             basic(384, 384, (3, 1), pad=(1, 0)))),
                  seq(basic(cin, 448, 1), basic(448, 384, 3, pad=1),
                      Concat(basic(384, 384, (1, 3), pad=(0, 1)),
                             basic(384, 384, (3, 1), pad=(1, 0)))),
                  seq(avg3(), basic(cin, 192, 1)))


def inception_v3(classes=10):
    return nn.Sequential(
        basic(3, 32, 3, pad=1), basic(32, 32, 3, pad=1), basic(32, 64, 3, pad=1),
        basic(64, 80, 1), basic(80, 192, 3, pad=1),
        inception_a(192, 32), inception_a(256, 64), inception_a(288, 64), inception_b(288),
        inception_c(768, 128), inception_c(768, 160), inception_c(768, 160),
        inception_c(768, 192), inception_d(768), inception_e(1280), inception_e(2048),
        nn.AdaptiveAvgPool2d(1), nn.Dropout(0.5), nn.Flatten(), nn.Linear(2048, classes))


MODELS = {"densenet-bc100": densenet_bc100, "inception-v3": inception_v3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--mode", choices=["train", "eval"], default="train",
                    help="train: forward, loss, backward, SGD-Nesterov update (mixnorm's "
                         "--optimizer sgd --nesterov); eval: forward under torch.no_grad()")
    ap.add_argument("--params-only", action="store_true", help="print the parameter count")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = MODELS[a.model]()
    params = sum(p.numel() for p in net.parameters())
    if a.params_only:
        print(params)
        return
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                          weight_decay=1e-4)
    x = torch.randn(a.batch_size, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch_size,))
    times = step_times(net, opt, x, y, a.mode, a.warmup, a.repeats)
    med = statistics.median(times)
    out = {"framework": "pytorch " + torch.__version__, "model": a.model, "mode": a.mode,
           "params": params, "threads": torch.get_num_threads(), "batch_size": a.batch_size,
           "step_ms_median": med, "step_ms_min": min(times),
           "images_per_second": a.batch_size / (med / 1e3)}
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print("%s %s, %s step, %d threads, batch %d: median step %.1f ms, %.1f img/s"
              % (out["framework"], a.model, a.mode, out["threads"], a.batch_size, med,
                 out["images_per_second"]))


if __name__ == "__main__":
    main()
