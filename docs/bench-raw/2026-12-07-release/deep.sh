#!/bin/bash
# A/B base (6e8a34c build, /tmp/verify0) vs new (releasing intermediates, /tmp/ab-new), deep models bn
export OPT_OUT_TRACKING=true
for r in $(seq 1 ${1:-3}); do
  for model in densenet40 densenet-bc100 inception-v3; do
    bs=64; [ $model = inception-v3 ] && bs=32
    for arm in base new; do
      dir=/tmp/verify0; [ $arm = new ] && dir=/tmp/ab-new
      (cd $dir && /usr/bin/time -f "%M" ./mixnorm bench --model $model --norm bn --optimizer sgd --nesterov --batch-size $bs --warmup 2 --repeats 6 --threads 2 --json > /tmp/ab/deep-$model-r$r-$arm.json 2> /tmp/ab/deep-$model-r$r-$arm.err)
      echo "$r $model $arm $(python3 -c "import json; d=json.load(open('/tmp/ab/deep-$model-r$r-$arm.json')); print(round(d['images_per_second'],2), round(d['step_ms_median']))") rss_kb=$(tail -1 /tmp/ab/deep-$model-r$r-$arm.err)"
    done
  done
done
