#!/usr/bin/env python3
"""Per-operator times of the same training step in plain PyTorch, as a Chrome trace for
bench/trace_ops.py (the mixnorm side is bench/ProfileStep.java).

    /usr/bin/python3 bench/profile_torch.py cnn5|densenet40|densenet-bc100|inception-v3 \
        BATCH THREADS STEPS TRACE.json

cnn5 comes from bench/pytorch_cnn5.py (AdamW), DenseNet-40 from ../shared/tools/
densenet40_torch_bench.py, DenseNet-BC-100 and Inception-V3 from bench/pytorch_deep.py (those
three with SGD-Nesterov), with the optimizers those scripts use.
"""
import importlib.util
import os
import sys
import time

import torch
import torch.nn.functional as F


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    model, batch, threads, steps, trace = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4]), sys.argv[5]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    here = os.path.dirname(os.path.abspath(__file__))
    if model == "cnn5":
        net = load(os.path.join(here, "pytorch_cnn5.py"), "pytorch_cnn5").cnn5()
        opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    else:
        if model == "densenet40":
            tools = os.environ.get("TOOLS", os.path.join(here, "..", "..", "shared", "tools"))
            net = load(os.path.join(tools, "densenet40_torch_bench.py"), "dn").densenet40()
        else:
            sys.path.insert(0, here)  # pytorch_deep imports torch_step from bench/
            net = load(os.path.join(here, "pytorch_deep.py"), "deep").MODELS[model]()
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                              weight_decay=1e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        ms = (time.perf_counter() - t0) * 1e3 / steps
    prof.export_chrome_trace(trace)
    print("%s batch %d: %.1f ms per step while profiling" % (model, batch, ms))


if __name__ == "__main__":
    main()
