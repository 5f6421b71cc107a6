#!/bin/sh
# fuzz.sh — `make fuzz`: builds the fuzz targets of fuzz/targets.h with clang,
# libFuzzer, ASan and UBSan into build-fuzz/, then runs each for FUZZ_SECONDS
# (default 60) from its committed seed corpus (fuzz/corpus/<target>/) and its
# regression inputs (fuzz/regressions/<target>/). New inputs collect in
# build-fuzz/corpus/<target>/ (not committed); a crash is saved under
# build-fuzz/crashes/<target>/ and fails the run: fix the parser, then copy
# the input into fuzz/regressions/<target>/, where tests/test_fuzz_replay.c
# replays it on every `make test`.
# Env: FUZZ_SECONDS (per target), FUZZ_TARGETS (default: all four), JOBS
# (targets at a time; default every core).
# Ends with `N passed, N failed` (one per target).
set -u
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-npy golden case charlm_model}
B=build-fuzz

GROUP=fuzz sh scripts/deps.sh check || exit 1
mkdir -p $B
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# The library and the parsers outside it, instrumented for coverage
# (fuzzer-no-link), but for the x86 kernel tables (SIMD_EXTRA_CFLAGS empty):
# no target runs a kernel, and clang's ASan takes minutes over them.
make -j2 --no-print-directory BUILD=$B CC=clang OPT=-O1 \
  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $SAN" SIMD_EXTRA_CFLAGS= \
  $B/librnnsimd.a $B/librnnsimd_reference.a $B/libsupport.a $B/obj/conformance/case.o $B/obj/conformance/golden.o \
  $B/obj/examples/charlm/charlm_model.o >$B/build.log 2>&1 || {
  echo "fuzz: building the instrumented library failed; see $B/build.log"; tail -20 $B/build.log; exit 1; }
LIBS="-lxxhash -llapacke -llapack -lopenblas -lmpfr -lgmp -lm -lpthread"
CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Wno-missing-field-initializers -Werror -D_GNU_SOURCE -Iinclude -Ikernels/table -Isupport $SAN"

# Link every target, then run them JOBS at a time (default: every core; each
# libFuzzer process uses one), so two cores run four targets of N seconds in
# 2N seconds; each target still gets its full FUZZ_SECONDS. Their reports
# follow in TARGETS' order once all have ended.
pass=0; fail=0
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
case $JOBS in
  ''|*[!0-9]*|0*) echo "fuzz: JOBS=$JOBS is not a positive whole number of targets at a time"
                  echo "fuzz: 0 passed, 1 failed"; exit 2 ;;
esac
linked=""
for t in $TARGETS; do
  bin=$B/fuzz_$t
  clang $CFLAGS -fsanitize=fuzzer -DFUZZ_TARGET=fuzz_$t fuzz/libfuzzer_main.c fuzz/targets.c \
    $B/obj/conformance/case.o $B/obj/conformance/golden.o $B/obj/examples/charlm/charlm_model.o \
    $B/libsupport.a $B/librnnsimd_reference.a $B/librnnsimd.a $LIBS -o "$bin" || { echo "fuzz $t: link failed"; fail=$((fail + 1)); continue; }
  mkdir -p "$B/corpus/$t" "$B/crashes/$t" "fuzz/regressions/$t"
  rm -f "$B/fuzz_$t.rc"
  echo "== fuzz $t: $SECONDS_EACH s from fuzz/corpus/$t ($(ls fuzz/corpus/$t | wc -l) seeds)"
  linked="$linked $t"
done
export B SECONDS_EACH
printf '%s\n' $linked | xargs -r -P "$JOBS" -I {} sh -c '
  "$B/fuzz_$1" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -use_value_profile=1 -dict="fuzz/dict/$1.dict" -artifact_prefix="$B/crashes/$1/" \
    -print_final_stats=1 "$B/corpus/$1" "fuzz/corpus/$1" "fuzz/regressions/$1" >"$B/fuzz_$1.log" 2>&1
  echo $? >"$B/fuzz_$1.rc"' _ {}
for t in $linked; do
  bin=$B/fuzz_$t
  log=$B/fuzz_$t.log
  rc=$(cat "$B/fuzz_$t.rc" 2>/dev/null || echo "none: it did not end")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  if [ "$rc" = 0 ]; then
    pass=$((pass + 1))
    echo "fuzz $t: ok, ${execs:-?} inputs (${rate:-?}/s), $cov, corpus $(ls "$B/corpus/$t" | wc -l) new"
  else
    fail=$((fail + 1))
    echo "FAIL fuzz $t (exit $rc); crash inputs in $B/crashes/$t/:"
    ls "$B/crashes/$t" | sed 's/^/    /'
    grep -E 'ERROR|property broken|SUMMARY' "$log" | head -5 | sed 's/^/    /'
    echo "    full log: $log; reproduce: $bin $B/crashes/$t/<file>"
  fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
