#!/usr/bin/env python3
"""ReLU and batch norm (training, forward and backward of the sum) on (64, C, 32, 32) in plain
PyTorch, medians of 60: the other side of bench/BnReluBench.java.

    GOMP_SPINCOUNT=20000 MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 \
      MALLOC_TOP_PAD_=536870912 /usr/bin/python3 bench/bn_relu_bench.py C [TRACE.json]
"""
import sys, time, torch
torch.set_num_threads(2)
c = int(sys.argv[1]); reps = 60
x = torch.randn(64, c, 32, 32)
def med(f):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1e3)
    return sorted(ts)[reps // 2]
print("relu fwd %.2f ms" % med(lambda: torch.relu(x)))
bn = torch.nn.BatchNorm2d(c); xr = x.clone().requires_grad_(True)
print("bn fwd+bwd (sum) %.2f ms" % med(lambda: bn(xr).sum().backward()))
if len(sys.argv) > 2:
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        print("bn+relu fwd+bwd (sum) %.2f ms" % med(lambda: torch.relu(bn(xr)).sum().backward()))
    prof.export_chrome_trace(sys.argv[2])
else:
    print("bn+relu fwd+bwd (sum) %.2f ms" % med(lambda: torch.relu(bn(xr)).sum().backward()))
