#!/bin/bash
# A/B: base (HEAD build in /tmp/verify0) vs new (releasing intermediates, /tmp/ab-new); DenseNet-40 bn batch 64
export OPT_OUT_TRACKING=true
for r in $(seq 1 ${1:-4}); do
  for arm in base new; do
    dir=/tmp/verify0; [ $arm = new ] && dir=/tmp/ab-new
    (cd $dir && /usr/bin/time -f "%M KB maxrss" ./mixnorm bench --model ${MODEL:-densenet40} --norm bn --optimizer sgd --nesterov --batch-size ${BS:-64} --warmup ${WARM:-2} --repeats ${REP:-6} --threads 2 --json > /tmp/ab/${MODEL:-densenet40}-r$r-$arm.json 2> /tmp/ab/${MODEL:-densenet40}-r$r-$arm.err)
    echo "$r $arm $(python3 -c "import json,sys; d=json.load(open('/tmp/ab/${MODEL:-densenet40}-r$r-$arm.json')); print(d if not isinstance(d,dict) else {k:v for k,v in d.items() if 'per_second' in k or 'median' in k})" 2>&1 | head -c 300) $(tail -1 /tmp/ab/${MODEL:-densenet40}-r$r-$arm.err)"
  done
done
