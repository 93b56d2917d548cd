#!/usr/bin/env bash
# The allocator settings side by side, alternating in one script (docs/benchmarks.md#allocator):
#   launched  ./mixnorm as it is (NativeMemory.tune: glibc's mallopt from inside the process)
#   envvars   the same settings by hand (the library sees them and leaves the allocator alone)
#   off       MIXNORM_MALLOC_TUNING=0: glibc's defaults
#   jemalloc  LD_PRELOAD of libjemalloc.so.2, when JEMALLOC=path/to/libjemalloc.so.2 is given
# Prints img/s, the median step, and the process's CPU seconds and minor page faults (GNU time),
# which stay comparable when the machine is shared.
#   bench/malloc-ab.sh [ROUNDS] [bench options...]     default: 3 rounds of the command below
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-3}"; shift || true
opts=("$@"); [ ${#opts[@]} -gt 0 ] || opts=(--norm bn --batch-size 128 --warmup 5 --repeats 15)
./mixnorm summary > /dev/null   # build once, outside the timings
out="$(mktemp -d)"
run() {
  env "$@" /usr/bin/time -o "$out/time" -f "%U %S %R" ./mixnorm bench "${opts[@]}" --json 2>/dev/null > "$out/json"
  python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/json")); u, s, f = open(sys.argv[1] + "/time").read().split()[-3:]
print("%6.1f img/s  step %6.0f ms  user %6s s  sys %5s s  minor faults %8s  peak RSS %4.0f MB  %s"
      % (d["images_per_second"], d["step_ms_median"], u, s, f, d["peak_rss_mb"], d["malloc_tuning"]))
PY
}
for r in $(seq 1 "$rounds"); do
  echo "round $r $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  echo "launched: $(run MIXNORM_AB=launched)"
  echo "envvars:  $(run MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912)"
  echo "off:      $(run MIXNORM_MALLOC_TUNING=0)"
  if [ -n "${JEMALLOC:-}" ]; then echo "jemalloc: $(run LD_PRELOAD="$JEMALLOC")"; fi
done
rm -rf "$out"
