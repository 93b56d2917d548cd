#!/usr/bin/env bash
# The eval-stats experiment, from the frozen build in /work/frozen15 (see docs/results/cnn5-cifar10-eval-stats).
set -u
export OPT_OUT_TRACKING=true MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912
cd /work/main   # the repository root; ../shared/data is the shared data folder
for norm in mn bn; do
  java -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Djava.awt.headless=true -Dmixnorm.home=/work/main \
    -cp "/work/frozen15/mixnorm-lab-0.1.0-SNAPSHOT.jar:/work/frozen15/lib/*" io.mixnorm.lab.cli.Main \
    train --norm $norm --data ../shared/data/cifar-10-binary.tar.gz --steps 1500 --batch-size 128 --lr 1e-3 \
    --optimizer adamw --seed 1 --eval-every 100 --eval-batch-size 500 --eval-stats precise,running,batch \
    --precise-batches 20 --keep-checkpoints 16 --threads 2 --quiet --out /work/runs15/$norm $([ -f /work/runs15/$norm/config.json ] && echo --resume) \
    > /work/runs15/$norm.log 2>&1
  echo "$norm exit $?" >> /work/runs15/done.txt
done
