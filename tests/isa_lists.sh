#!/bin/sh
# isa_lists.sh — every list of instruction sets a program prints (help texts
# and messages of rnnsimd, rnnsimd-conformance, rnnsimd-bench) is exactly
# kernels/isas.inc's, in its order, and no program source types such a list
# by hand: the programs build them from the library (support/cmdline.h), so
# adding an instruction set to isas.inc updates every one.
# Usage: sh tests/isa_lists.sh BUILD_DIR. Ends with `N passed, N failed`.
set -u
BUILD=${1:-build}
HERE=$(dirname "$0")/..
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

names=$(sed -n 's/^RNN_ISA([A-Z0-9_]*, *\([a-z0-9_]*\),.*/\1/p' "$HERE/kernels/isas.inc" | tr '\n' ' ')
names=${names% }
[ -n "$names" ] && ok || bad "no RNN_ISA rows in kernels/isas.inc"
alt=$(echo "$names" | tr ' ' '|')
# A list: three or more names joined by '|', ',', ' or ' or ', or' (two may
# be features: "avx512 or avx2,fma").
SEP='( *[|,] *| or |, or )'
LIST="($alt)($SEP($alt)){2,}"

# check WHAT TEXT: every list in TEXT names all of isas.inc, in order.
check() {
  what=$1
  lists=$(printf '%s\n' "$2" | grep -oE "$LIST" | sed -E "s/$SEP/ /g")
  if [ -z "$lists" ]; then bad "$what: no list of instruction sets found"; return; fi
  stale=$(printf '%s\n' "$lists" | grep -vxF "$names")
  if [ -z "$stale" ]; then ok; else
    bad "$what lists '$(printf '%s' "$stale" | head -n 1)', kernels/isas.inc has '$names'"
  fi
}

R="${RUN:-} $BUILD/rnnsimd"
C="${RUN:-} $BUILD/rnnsimd-conformance"
for c in info run gradflow "charlm train" "charlm sample"; do
  check "rnnsimd $c --help" "$($R $c --help 2>&1)"
done
check "rnnsimd run --isa sse9" "$($R run --cell lstm --in . --out . --isa sse9 2>&1)"
check "rnnsimd-conformance --help" "$($C --help 2>&1)"
check "rnnsimd-conformance --isa sse9" "$($C --isa sse9 2>&1)"
if [ -x "$BUILD/rnnsimd-bench" ] && [ -z "${RUN:-}" ]; then
  check "rnnsimd-bench --help" "$("$BUILD/rnnsimd-bench" --help 2>&1)"
  check "rnnsimd-bench --cpu=sse9" "$("$BUILD/rnnsimd-bench" --cpu=sse9 --list 2>&1)"
fi

# No program source types a list of three or more by hand.
typed=$(grep -rnoE "$LIST" "$HERE/tools" "$HERE/conformance" "$HERE/bench" \
          "$HERE/examples" "$HERE/support" 2>/dev/null)
[ -z "$typed" ] && ok || bad "hand-typed lists of instruction sets:" "$typed"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
