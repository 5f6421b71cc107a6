#!/bin/sh
# mutants_lists.sh — the faults lists (tests/mutants.txt, and
# tests/mutants_neon.txt for the neon table) still plant every fault they
# name: `scripts/mutants.sh --check` on each, which reads each line against
# the working tree (file there, find text there exactly once, program one of
# the suite's). A change that moves or rewrites a line a fault is planted in
# fails here, in `make test`, rather than in the next `make mutants`, which
# takes an hour. Then the check itself on a list of stale lines of each kind:
# it must name every one and fail.
# Usage: sh tests/mutants_lists.sh BUILD_DIR. Ends with `N passed, N failed`.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run_check LIST ARCH: mutants.sh --check's output; its status in $rc.
run_check() {
  out=$(cd "$HERE" && env -u ARCH sh scripts/mutants.sh --check --arch "$2" --list "$1" 2>&1)
  rc=$?
}

for pair in tests/mutants.txt:x86_64 tests/mutants_neon.txt:aarch64; do
  list=${pair%:*} arch=${pair#*:}
  [ "$arch" = x86_64 ] && [ "$(uname -m)" != x86_64 ] && continue # its kernels are not built here
  run_check "$list" "$arch"
  summary=$(printf '%s\n' "$out" | tail -n 1)
  n=$(grep -cvE '^[[:space:]]*(#|$)' "$HERE/$list")
  if [ "$rc" -eq 0 ] && [ "$summary" = "$n passed, 0 failed" ]; then ok; else
    bad "$list: a fault that no longer plants (exit $rc):"
    printf '%s\n' "$out" | grep -v ' passed, '
  fi
done

# The check must fail, and name each stale line, on a list of them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_mutants_lists.XXXXXX") || { echo "0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/stale.txt" <<'LIST'
# a good line, then one stale line of each kind
core/plan.c|rnn_status rnn_plan_create(|rnn_status rnn_plan_create_(|test_plan|good: renames a function
core/plan.c|a text that is not in the file at all|x|test_plan|find text gone
core/no_such_file.c|x|y|test_plan|file gone
core/plan.c|rnn_status rnn_plan_create(|rnn_status rnn_plan_create_(|test_no_such_program|program gone
core/plan.c|rnn_status rnn_plan_create(|rnn_status rnn_plan_create(|test_plan|nothing replaced
core/plan.c|#include|#include|test_plan|find text twice
kernels/neon/gemm_neon.c|float|double|test_kernels|another architecture's kernel
core/plan.c|x|y|test_plan
LIST
if ! grep -qF 'rnn_status rnn_plan_create(' "$HERE/core/plan.c"; then
  bad "core/plan.c no longer defines rnn_plan_create: this test's good line must change"
fi
run_check "$tmp/stale.txt" x86_64
[ "$rc" -ne 0 ] && ok || bad "--check passed a list of stale lines"
summary=$(printf '%s\n' "$out" | tail -n 1)
[ "$summary" = "1 passed, 7 failed" ] && ok || bad "--check on 1 good and 7 stale lines ends '$summary'"
for why in "find text occurs 0 times" "malformed line or no such file" "no test program 'test_no_such_program'" \
           "the replacement is the find text" "find text occurs [0-9]+ times" "not built for x86_64"; do
  printf '%s\n' "$out" | grep -qE "stale \($why" && ok || bad "--check did not say '$why'"
done
printf '%s\n' "$out" | grep -q 'good: renames' && bad "--check called the good line stale" || ok

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
