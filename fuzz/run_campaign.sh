#!/usr/bin/env bash
# Runs libFuzzer targets for a set time each, JOBS at a time, and fails on any
# finding (crash, violated invariant, leak, timeout, out of memory).
#   fuzz/run_campaign.sh BUILD_DIR SECONDS JOBS [TARGET...]     (make fuzz runs it)
# Each target's new inputs go to BUILD_DIR/fuzz-campaign/<target>/corpus (the
# checked-in seeds in fuzz/corpus/<target> are read, never written); its log and
# any crash-*/leak-*/timeout-* file to BUILD_DIR/fuzz-campaign/<target>/. At the
# end one line per target: executions, exec/s, cov, ft, corpus size, result.
# FUZZ_NICE=10 runs the fuzzers under nice -n 10 (a shared machine).
set -euo pipefail

build=${1:?usage: fuzz/run_campaign.sh BUILD_DIR SECONDS JOBS [TARGET...]}
seconds=${2:-60}
jobs=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz-campaign
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$build"/fuzz/intact_fuzz_*; do
    [ -x "$f" ] && [ "$(basename "$f")" != intact_fuzz_replay ] && targets+=("$(basename "$f" | sed 's/^intact_fuzz_//')")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no libFuzzer targets in $build/fuzz (configure with -DINTACT_FUZZ=ON and clang)" >&2; exit 1; }

run_one() {
  local t=$1 dir=$out/$1
  mkdir -p "$dir/corpus"
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
  local rc=0
  ${FUZZ_NICE:+nice -n "$FUZZ_NICE"} "$build/fuzz/intact_fuzz_$t" "$dir/corpus" "$here/corpus/$t" \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$dir/" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}
export -f run_one
export build seconds out here FUZZ_NICE

echo "fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs at a time; logs in $out/<target>/log"
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

failed=0
printf '%-18s %12s %8s %7s %7s %7s  %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  dir=$out/$t
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$dir/log" | grep -oE '[0-9]+$' || echo "?")
  rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$dir/log" | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[bKM]?b?' <<<"$last" | sed 's/corp: //' || echo "?")
  result=ok
  if [ "$(cat "$dir/rc")" != 0 ] || ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* >/dev/null 2>&1; then
    result="FINDING (see $dir/log)"
    failed=1
  fi
  printf '%-18s %12s %8s %7s %7s %7s  %s\n' "$t" "$execs" "$rate" "$cov" "$ft" "$corp" "$result"
done
exit $failed
