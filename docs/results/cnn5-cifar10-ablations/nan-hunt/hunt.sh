#!/usr/bin/env bash
# worker: bash hunt.sh SEED... ; runs each seed in turn (see PREDICTION.md)
cd /work/hunt/build
cfg=docs/results/cnn5-cifar10-ablations/layers/runs/lr-0.001/mn-all/seed-3/config.json
for s in "$@"; do
  echo "seed $s start $(date -u +%T)"
  OPT_OUT_TRACKING=true ./mixnorm train --config "$cfg" --seed "$s" --deterministic \
    --data /work/shared/data/cifar-10-binary.tar.gz --steps 1500 --checkpoint-every 25 \
    --keep-checkpoints 4 --out /work/hunt/seed-$s > /work/hunt/seed-$s.log 2>&1
  rc=$? # before the date below replaces $? (the runs' own logs printed date's 0; summary.json says "finished")
  echo "seed $s end $(date -u +%T) rc=$rc"
done
