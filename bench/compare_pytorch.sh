#!/usr/bin/env bash
# cnn5-BN training step: mixnorm (DJL + PyTorch 2.7.1 native) vs plain PyTorch (Debian's
# python3-torch), measured alternately in one run on the same machine, same batch and threads.
#   bench/compare_pytorch.sh [BATCH] [THREADS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
batch="${1:-128}"; threads="${2:-2}"; rounds="${3:-2}"
py="${PYTHON:-/usr/bin/python3}"
# Both run with the environment as it is: no allocator tuning (see docs/benchmarks.md for its effect).
for r in $(seq "$rounds"); do
  m=$("$here/mixnorm" bench --norm bn --batch-size "$batch" --threads "$threads" --peak-gflops 1 --json \
      | "$py" -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')
  p=$("$py" "$here/bench/pytorch_cnn5.py" --batch-size "$batch" --threads "$threads" --json \
      | "$py" -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')
  "$py" -c "print('round $r: mixnorm %.1f img/s, pytorch %.1f img/s, ratio %.3f' % ($m, $p, $m / $p))"
done
