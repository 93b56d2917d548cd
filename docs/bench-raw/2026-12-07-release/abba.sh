#!/bin/bash
# ABBA A/B: base (6e8a34c build, /tmp/verify0) vs new (/tmp/frozen = the change without its last PaddedConv2d tidy-up), MODEL bn
export OPT_OUT_TRACKING=true
model=${MODEL:-densenet40}; bs=${BS:-64}
i=0
for block in $(seq 1 ${1:-3}); do
  for arm in base new new base; do
    i=$((i+1))
    dir=/tmp/verify0; [ $arm = new ] && dir=/tmp/frozen
    (cd $dir && /usr/bin/time -f "%M" ./mixnorm bench --model $model --norm bn --optimizer sgd --nesterov --batch-size $bs --warmup 2 --repeats 8 --threads 2 --json > /tmp/ab/abba-$model-$i-$arm.json 2> /tmp/ab/abba-$model-$i-$arm.err)
    echo "$block $i $arm $(python3 -c "import json; d=json.load(open('/tmp/ab/abba-$model-$i-$arm.json')); print(round(d['images_per_second'],2), round(d['step_ms_median']))") rss_kb=$(tail -1 /tmp/ab/abba-$model-$i-$arm.err)"
  done
done
