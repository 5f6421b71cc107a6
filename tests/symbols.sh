#!/bin/sh
# symbols.sh — the symbol surface and the layering of the two archives, read
# with nm, so that linking rnnsimd beside another library cannot collide and
# no layer calls one it may not:
#   - every global symbol librnnsimd.a and librnnsimd_reference.a define
#     starts with rnn_ (kernels rnn_k_<entry>__<isa>, the reference's own
#     rnn_ref_*);
#   - the product never calls the oracle and the oracle never calls the
#     product: neither archive's undefined symbols are defined by the other;
#   - kernels/ never calls core/: no kernel object's undefined symbol is
#     defined by a core object;
#   - the library holds only the library: each of its symbols is a kernel
#     (rnn_k_*), an ISA's table (rnn_kernels_<isa>, named by isas.inc) or
#     declared in the public header or in a header of core/ or
#     kernels/, so the programs' plumbing (npy files, tolerances, atomic
#     files: libsupport.a, declared in support/) stays out of it; and it
#     neither defines nor calls a symbol of libsupport.a;
#   - no source of kernels/, core/ or reference/ includes by a relative
#     path (which would step around the include paths the Makefile gives
#     each part).
# Usage: sh tests/symbols.sh BUILD_DIR (NM overrides nm). Ends with
# `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-build}
NM=${NM:-nm}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

LIB=$BUILD/librnnsimd.a
REF=$BUILD/librnnsimd_reference.a
SUP=$BUILD/libsupport.a
for a in "$LIB" "$REF" "$SUP"; do
  [ -f "$a" ] || { echo "FAIL: $a not built"; echo "0 passed, 1 failed"; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_symbols.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

# The global symbols an archive defines, and those it uses but leaves
# undefined, one a line, sorted. Names with a leading __ are the
# implementation's (C11 7.1.3), e.g. the sanitizers' __odr_asan.* twins of
# our globals: not ours to prefix.
defined() {
  $NM -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $3 !~ /^__/ { print $3 }' | sort -u
}
undefined() {
  $NM -u "$1" 2>/dev/null | awk 'NF >= 2 && !/:$/ { print $NF }' | sort -u
}

defined "$LIB" >"$TMP/lib.def"
defined "$REF" >"$TMP/ref.def"
undefined "$LIB" >"$TMP/lib.undef"
undefined "$REF" >"$TMP/ref.undef"
[ -s "$TMP/lib.def" ] && [ -s "$TMP/ref.def" ] && ok || bad "$NM found no symbols in $LIB or $REF"

for a in lib ref; do
  n=$(wc -l <"$TMP/$a.def")
  stray=$(grep -v '^rnn_' "$TMP/$a.def")
  if [ -z "$stray" ]; then ok; else
    bad "$(echo "$stray" | wc -l) of $n symbols of the $a archive lack the rnn_ prefix:" $stray
  fi
  echo "$a archive: $n global symbols"
done
# The reference's internals say so in their names.
stray=$(grep -v -e '^rnn_ref' -e '^rnn_fill_' -e '^rnn_prng_' "$TMP/ref.def")
[ -z "$stray" ] && ok || bad "reference symbols neither rnn_ref*, rnn_fill_* nor rnn_prng_*:" $stray

# Every library symbol is a kernel or declared by the library's own headers.
HERE=$(dirname "$0")/..
cat "$HERE"/include/rnnsimd.h "$HERE"/core/*.h "$HERE"/kernels/*.h "$HERE"/kernels/*/*.h \
    "$HERE"/kernels/*.inc "$HERE"/kernels/*/*.inc 2>/dev/null |
  grep -o 'rnn_[A-Za-z0-9_]*' | sort -u >"$TMP/lib.declared"
stray=$(grep -v -e '^rnn_k_' -e '^rnn_kernels_' "$TMP/lib.def" | comm -23 - "$TMP/lib.declared")
[ -z "$stray" ] && ok || bad "library symbols declared outside include/rnnsimd.h, core/ and kernels/:" $stray
defined "$SUP" >"$TMP/sup.def"
[ -s "$TMP/sup.def" ] && ok || bad "$NM found no symbols in $SUP"
crossed=$(comm -12 "$TMP/sup.def" "$TMP/lib.def")
[ -z "$crossed" ] && ok || bad "symbols in both libsupport.a and the library:" $crossed
crossed=$(comm -12 "$TMP/lib.undef" "$TMP/sup.def")
[ -z "$crossed" ] && ok || bad "the library calls libsupport.a:" $crossed
echo "support archive: $(wc -l <"$TMP/sup.def") global symbols"

crossed=$(comm -12 "$TMP/ref.undef" "$TMP/lib.def")
[ -z "$crossed" ] && ok || bad "the reference calls the library:" $crossed
crossed=$(comm -12 "$TMP/lib.undef" "$TMP/ref.def")
[ -z "$crossed" ] && ok || bad "the library calls the reference:" $crossed

# The parts' objects, as the Makefile built them into the archive.
$NM -g --defined-only "$BUILD"/obj/core/*.o 2>/dev/null | awk 'NF == 3 { print $3 }' |
  sort -u >"$TMP/core.def"
find "$BUILD/obj/kernels" -name '*.o' -exec $NM -u {} + 2>/dev/null | awk 'NF >= 2 { print $NF }' |
  sort -u >"$TMP/kernels.undef"
[ -s "$TMP/core.def" ] && [ -s "$TMP/kernels.undef" ] && ok ||
  bad "no core or kernel objects under $BUILD/obj"
crossed=$(comm -12 "$TMP/kernels.undef" "$TMP/core.def")
[ -z "$crossed" ] && ok || bad "kernels call core:" $crossed

rel=$(grep -n '#include "\.\.' "$HERE"/kernels/*.[ch] "$HERE"/kernels/*/*.[ch] "$HERE"/kernels/*/*.inc \
        "$HERE"/core/*.[ch] "$HERE"/reference/*.[ch] "$HERE"/support/*.[ch] 2>/dev/null)
[ -z "$rel" ] && ok || bad "relative includes in the library's parts: $rel"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
