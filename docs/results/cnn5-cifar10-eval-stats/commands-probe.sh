#!/usr/bin/env bash
set -u
export OPT_OUT_TRACKING=true MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912
cd /work/main   # the repository root; ../shared/data is the shared data folder
java -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Djava.awt.headless=true -Dmixnorm.home=/work/main \
  -cp "/work/frozen15-probe/mixnorm-lab-0.1.0-SNAPSHOT.jar:/work/frozen15-probe/lib/*" io.mixnorm.lab.cli.Main \
  probe-stats --run /work/runs15/mn --steps 300,600,900,1200,1500 --precise-batches 20 --test-images 5000 --threads 2 \
  --json /work/runs15/probe-mn.json > /work/runs15/probe-mn.md 2> /work/runs15/probe-mn.err
echo "probe exit $?" >> /work/runs15/done.txt
