#!/bin/bash
export OPT_OUT_TRACKING=true
for r in $(seq 1 ${1:-3}); do
  for arm in base new; do
    dir=/tmp/verify0; [ $arm = new ] && dir=/tmp/ab-new
    (cd $dir && /usr/bin/time -f "%M KB maxrss" ./mixnorm bench ${MODE:-} --variants ${VARIANTS:-bn,mn:conv2,mn:all} --batch-size ${BS:-128} --warmup 5 --repeats 15 --threads 2 --json > /tmp/ab/cnn5${TAG:-}-r$r-$arm.json 2> /tmp/ab/cnn5${TAG:-}-r$r-$arm.err)
    echo "$r $arm $(python3 -c "
import json; d=json.load(open('/tmp/ab/cnn5${TAG:-}-r$r-$arm.json'))
rows=d if isinstance(d,list) else d.get('results', d.get('variants', d))
print([(x.get('variant', x.get('norm')), round(x['images_per_second'],1)) for x in rows] if isinstance(rows,list) else str(d)[:300])" 2>&1 | head -c 400) $(tail -1 /tmp/ab/cnn5${TAG:-}-r$r-$arm.err)"
  done
done
