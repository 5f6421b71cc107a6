#!/bin/sh
# install_test.sh — `make install` as a user meets it: install into a
# temporary PREFIX, build examples/minimal.c from a directory outside the
# source tree with nothing but `pkg-config --cflags --libs --static rnnsimd
# rnnsimd-reference`,
# run it and check what it prints; stage an install with DESTDIR and remove
# it with `make uninstall`; and check that `make help` names every phony
# target of the Makefile.
# Usage: sh tests/install_test.sh [BUILD_DIR]; CC, RUN (qemu for a cross
# build) and ARCH come from the environment (make test passes them);
# USER_CFLAGS are added to the user's compile line (make sanitize passes its
# -fsanitize flags: a library built with them links only into a program that
# has them too).
# Ends with `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-${BUILD:-build}}
CC=${CC:-cc}
RUN=${RUN:-}
USER_CFLAGS=${USER_CFLAGS:-}
ARCH=${ARCH:-$(uname -m)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_install.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# Our own make, not the parent's jobserver (the install is three files).
unset MAKEFLAGS MFLAGS MAKELEVEL
mk() { make --no-print-directory -j1 ARCH="$ARCH" BUILD="$BUILD" "$@"; }

if ! command -v pkg-config >/dev/null 2>&1; then
  echo "FAIL: pkg-config not found (make deps installs it)"; echo "0 passed, 1 failed"; exit 1
fi

# ---- make install PREFIX=... ----
P="$TMP/prefix"
out=$(mk install PREFIX="$P" 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "make install PREFIX=$P exited $rc"; printf '%s\n' "$out" | tail -5; fi
for f in include/rnnsimd.h lib/librnnsimd.a lib/pkgconfig/rnnsimd.pc include/rnnsimd_reference.h \
         lib/librnnsimd_reference.a lib/pkgconfig/rnnsimd-reference.pc; do
  if [ -f "$P/$f" ]; then ok; else bad "make install did not write $P/$f"; fi
done
if grep -qx "prefix=$P" "$P/lib/pkgconfig/rnnsimd.pc" 2>/dev/null; then ok; else
  bad "rnnsimd.pc does not say prefix=$P"; fi
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
flags=$(pkg-config --cflags --libs --static rnnsimd 2>&1); rc=$?
case "$rc: $flags " in
  "0: -I$P/include "*"-L$P/lib -lrnnsimd "*"-lm "*) ok; echo "pkg-config --cflags --libs --static rnnsimd: $flags" ;;
  *) bad "pkg-config --cflags --libs --static rnnsimd (exit $rc): $flags" ;;
esac
ver=$(pkg-config --modversion rnnsimd 2>&1)
want=$(sed -n 's/^#define RNNSIMD_VERSION "\(.*\)"/\1/p' include/rnnsimd.h)
if [ "$ver" = "$want" ]; then ok; else bad "pkg-config --modversion: '$ver', want '$want'"; fi
# The example also checks itself against the reference, a library of its own.
flags=$(pkg-config --cflags --libs --static rnnsimd rnnsimd-reference 2>&1); rc=$?
case "$rc: $flags " in
  "0: "*"-lrnnsimd "*"-lrnnsimd_reference "*) ok ;;
  *) bad "pkg-config --cflags --libs --static rnnsimd rnnsimd-reference (exit $rc): $flags" ;;
esac

# ---- the example, built outside the tree against the installed files only ----
mkdir -p "$TMP/user"
cp examples/minimal.c "$TMP/user/"
# shellcheck disable=SC2086 # flags is a word list
out=$(cd "$TMP/user" && $CC -std=c11 -O2 -Wall -Wextra -Werror $USER_CFLAGS minimal.c $flags -o minimal 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "building minimal.c with pkg-config's flags (exit $rc)"; printf '%s\n' "$out" | head -5; fi
if [ -x "$TMP/user/minimal" ]; then
  out=$($RUN "$TMP/user/minimal" 2>&1); rc=$?
  printf '%s\n' "$out"
  case "$rc:$out" in
    0:*"minimal: ok"*) ok ;;
    *) bad "examples/minimal.c exited $rc without 'minimal: ok'" ;;
  esac
  case "$out" in
    *"lstm many2one T=64 B=1 I=512 H=512 V=256 on "*) ok ;;
    *) bad "examples/minimal.c did not name its problem and table" ;;
  esac
  # A failing call must be reported and stop the program: an ISA the
  # build does not know is refused by rnn_plan_create.
  out=$(RNNSIMD_ISA=sse9 $RUN "$TMP/user/minimal" 2>&1); rc=$?
  case "$rc:$out" in
    1:*"rnn_plan_create"*"failed: unknown instruction set"*) ok ;;
    *) bad "RNNSIMD_ISA=sse9 minimal: exit $rc, want 1 naming rnn_plan_create: $out" ;;
  esac
fi

# ---- DESTDIR staging and make uninstall ----
S="$TMP/stage"
out=$(mk install DESTDIR="$S" PREFIX=/opt/rnnsimd 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -f "$S/opt/rnnsimd/lib/librnnsimd.a" ] && [ -f "$S/opt/rnnsimd/include/rnnsimd.h" ] \
   && grep -qx "prefix=/opt/rnnsimd" "$S/opt/rnnsimd/lib/pkgconfig/rnnsimd.pc"; then ok; else
  bad "make install DESTDIR=$S PREFIX=/opt/rnnsimd (exit $rc): files or prefix line wrong"; fi
out=$(mk uninstall DESTDIR="$S" PREFIX=/opt/rnnsimd 2>&1); rc=$?
left=$(find "$S" -type f | wc -l)
if [ "$rc" -eq 0 ] && [ "$left" -eq 0 ]; then ok; else
  bad "make uninstall (exit $rc) left $left files under $S"; find "$S" -type f | head -3; fi

# ---- make help: every phony target, one line each ----
help=$(mk help 2>&1)
phony=$(sed -n 's/^\.PHONY: *//p' Makefile | tr ' ' '\n' | sed '/^$/d' | sort -u)
missing=""
for t in $phony; do
  printf '%s\n' "$help" | grep -q "^  $t  *[^ ]" || missing="$missing $t"
done
if [ -z "$missing" ]; then ok; echo "make help: $(printf '%s\n' "$phony" | wc -l) phony targets, each with a line"; else
  bad "make help has no line for:$missing (add a '## target: what it does' line to the Makefile)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
