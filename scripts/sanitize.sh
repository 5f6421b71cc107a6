#!/bin/sh
# sanitize.sh — `make sanitize`: the whole test suite (unit tests, the quick
# conformance matrix on every kernel table this CPU runs, the CLI tests) built
# with AddressSanitizer + UndefinedBehaviorSanitizer into build-san/, any
# report fatal; then tests/test_concurrency.c, test_threads.c,
# test_stack_plan.c (the stacks' two-thread schedules), test_tune.c
# (MEASURE plans and the wisdom on two threads at once) and test_timing.c
# (a workspace's timing sums, which only the calling thread adds to) built
# with ThreadSanitizer into build-tsan/ (only those: TSan and ASan cannot
# share a binary). Both sets run JOBS programs at a time (default every core).
# Ends with one `N passed, N failed` over both.
set -u
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
t0=$(date +%s)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
case $JOBS in
  ''|*[!0-9]*|0*) echo "sanitize: JOBS=$JOBS is not a positive whole number of programs at a time"
                  echo "0 passed, 1 failed"; exit 2 ;;
esac
export JOBS
mkdir -p build-san build-tsan
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
echo "== build-san: gcc $SAN"
make -j2 --no-print-directory BUILD=build-san OPT=-O1 EXTRA_CFLAGS="$SAN" EXTRA_LDFLAGS="$SAN" \
  all >build-san/build.log 2>&1 || { tail -30 build-san/build.log; echo "sanitize: build failed (build-san/build.log)"; echo "0 passed, 1 failed"; exit 1; }
t1=$(date +%s)
# allocator_may_return_null: the hostile tests ask for absurd sizes and expect
# RNN_ERR_NOMEM, not an ASan abort. halt_on_error: the first report fails.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Left out: the programs that run no code of ours, so nothing instrumented
# (the tracking's Python self-tests, the plots' test, deps.sh against a fake
# apt-get); `make test` runs them.
# cli_nomem.sh fails at most 12 allocation points of each command here (one
# in every few: its every-point sweep is `make test`'s).
NOMEM_MAX=12 USER_CFLAGS="$SAN" BUILD=build-san \
  SKIP="gate_selftest history_selftest merge_selftest targets_selftest plots_test deps_test" \
  sh scripts/run_tests.sh >build-san/tests.log 2>&1
rc=$?
grep -E '^(FAIL|==[0-9]+==ERROR|SUMMARY|broken|.*runtime error)' build-san/tests.log | head -20
san_line=$(tail -n 1 build-san/tests.log)
echo "asan+ubsan: $san_line"
t2=$(date +%s)

# Each TSan test: its summary line, any report fatal (halt_on_error).
TSAN_TESTS="test_concurrency test_threads test_stack_plan test_tune test_timing"
tsan_p=0; tsan_f=0
echo "== build-tsan: $TSAN_TESTS with -fsanitize=thread"
targets=""
for t in $TSAN_TESTS; do targets="$targets build-tsan/tests/$t"; done
if make -j2 --no-print-directory BUILD=build-tsan OPT=-O1 EXTRA_CFLAGS="-fsanitize=thread" \
     EXTRA_LDFLAGS="-fsanitize=thread" $targets >build-tsan/build.log 2>&1; then
  # JOBS at a time (default every core), as scripts/run_tests.sh runs them.
  # High-entropy ASLR can put mappings where TSan's shadow expects none;
  # setarch -R runs each test without ASLR.
  rm -f build-tsan/*.rc
  printf '%s\n' $TSAN_TESTS | xargs -P "$JOBS" -I {} sh -c '
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" setarch "$(uname -m)" -R \
      build-tsan/tests/{} >build-tsan/{}.log 2>&1
    echo $? >build-tsan/{}.rc'
  for t in $TSAN_TESTS; do
    trc=$(cat build-tsan/$t.rc 2>/dev/null || echo 1)
    grep -E '^(FAIL|WARNING: ThreadSanitizer|SUMMARY)' build-tsan/$t.log | head -10
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' build-tsan/$t.log | tail -n 1)
    [ -n "$line" ] || line="0 passed, 1 failed"
    [ $trc -eq 0 ] || case $line in *" 0 failed") line="${line%% passed*} passed, 1 failed";; esac
    echo "tsan $t: $line"
    tsan_p=$((tsan_p + $(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')))
    tsan_f=$((tsan_f + $(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')))
  done
else
  tail -20 build-tsan/build.log; echo "sanitize: the tsan build failed (build-tsan/build.log)"
  tsan_f=1
fi
tsan_line="$tsan_p passed, $tsan_f failed"
echo "tsan: $tsan_line"
t3=$(date +%s)
echo "times: asan+ubsan build $((t1 - t0)) s, tests $((t2 - t1)) s; tsan $((t3 - t2)) s"
p=$(( $(echo "$san_line" | sed -nE 's/^([0-9]+) passed.*/\1/p') + $(echo "$tsan_line" | sed -nE 's/^([0-9]+) passed.*/\1/p') ))
f=$(( $(echo "$san_line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p') + $(echo "$tsan_line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p') ))
[ $rc -eq 0 ] || [ "$f" -gt 0 ] || f=1
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
