"""The timed step shared by bench/pytorch_cnn5.py and bench/pytorch_deep.py: what mixnorm's
`bench` times, in plain PyTorch (imported from the scripts' own folder)."""
import time

import torch
from torch import nn


def step_times(net, opt, x, y, mode, warmup, repeats):
    """Milliseconds of each of `repeats` steps after `warmup` untimed ones. train: forward, loss,
    backward, optimizer update; eval: forward in inference mode under torch.no_grad()."""
    loss_fn = nn.CrossEntropyLoss()
    net.train(mode == "train")
    times = []
    for i in range(warmup + repeats):
        t0 = time.perf_counter()
        if mode == "train":
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            loss.item()
        else:
            with torch.no_grad():
                net(x).argmax(1).sum().item()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return times
