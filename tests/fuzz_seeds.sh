#!/bin/sh
# fuzz_seeds.sh — the committed seed corpora (fuzz/corpus/<target>/) are
# exactly what fuzz/make_seeds.sh makes from the built programs and
# conformance/golden.txt: every file there, byte for byte, and no other.
# Why: the corpus is what `make fuzz` and test_fuzz_replay start from; a
# format that grows a field (golden.txt's kernels=, a case line's stack
# fields) reaches the fuzzer only if its seeds are made again, and a seed
# added by hand would be lost the next time they are.
# Usage: sh tests/fuzz_seeds.sh BUILD_DIR. Ends with `N passed, N failed`.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_fuzz_seeds.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

if ! made=$(BUILD=$BUILD sh fuzz/make_seeds.sh "$TMP/corpus" 2>&1); then
  bad "fuzz/make_seeds.sh failed:"; printf '%s\n' "$made" | sed 's/^/    /' | tail -n 5
  echo "$pass passed, $fail failed"; exit 1
fi

for target in npy golden case charlm_model; do
  committed=$(cd fuzz/corpus/$target 2>/dev/null && ls -A)
  fresh=$(cd "$TMP/corpus/$target" && ls -A)
  [ -n "$fresh" ] && ok || bad "make_seeds.sh made no seeds of $target"
  for f in $fresh; do
    if [ ! -f "fuzz/corpus/$target/$f" ]; then
      bad "fuzz/corpus/$target/$f: made by make_seeds.sh, not committed"
    elif cmp -s "fuzz/corpus/$target/$f" "$TMP/corpus/$target/$f"; then
      ok
    else
      bad "fuzz/corpus/$target/$f differs from what make_seeds.sh makes (run it and commit)"
    fi
  done
  for f in $committed; do
    [ -f "$TMP/corpus/$target/$f" ] ||
      bad "fuzz/corpus/$target/$f: committed, but make_seeds.sh does not make it"
  done
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
