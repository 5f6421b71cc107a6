#!/bin/sh
# mutants.sh — `make mutants`: plants each fault of tests/mutants.txt in a
# copy of the tree and checks that the test suite catches it (docs/testing.md
# §4 says what, how and the last run's result).
#
# The tracked files (as they are in the working tree, uncommitted edits
# included) are copied once into a mktemp directory and built there once;
# the suite is run there once unmutated (a baseline that fails stops
# everything: it would "catch" every mutant). Then for each mutant: its find
# text must occur exactly once in its file (else the line is stale), the
# file is changed, `make -j$JOBS all` rebuilds what depends on it (a mutant
# that does not compile is "not built", its build log kept), the expected
# program runs and, only if it passes, every other program of the suite
# (scripts/run_tests.sh --list, the command-line scripts last: cli_tests.sh
# and cli_bench.sh take about a minute each) one by one, stopping at the first that fails.
# Then the file is put back, touched so that the next build rebuilds it.
#
# One line a mutant: `caught by test_kernels (12 failures)`, `SURVIVED`,
# `not built`, `stale`, with the time since the start. The last line is
# `N passed, N failed`: passed = caught, failed = survived + stale + not
# built (a line of the list that plants nothing proves nothing; fix it).
# Exit status 0 only when every mutant is caught.
#
# --check plants nothing: it reads the list against the working tree (each
# line well formed, its file there and built for the list's architecture,
# its find text there exactly once, its program one of the suite's) in seconds,
# nothing built. `make test` runs it on both lists (tests/mutants_lists.sh), so a
# change that moves or rewrites a line a fault is planted in fails there,
# not at the next hour-long `make mutants`.
#
# --arch aarch64 (or ARCH=aarch64) does the same for the neon table: the
# copy is built with `make ARCH=aarch64` (the cross compiler, build-aarch64/)
# and every program runs under qemu-aarch64 as `make test ARCH=aarch64` runs
# it; the list is then tests/mutants_neon.txt. Each list holds only its own
# architecture's faults: a line for kernels/neon/ in the x86-64 run, or for
# kernels/avx2/ or kernels/avx512/ in the aarch64 run, would plant a fault
# in a file that is not built, so it counts as stale.
set -u

usage() {
  cat <<'EOF'
usage: sh scripts/mutants.sh [--arch ARCH] [--only PATTERN] [--no-baseline] [--list FILE]
                            [--check]
  Plants each fault of tests/mutants.txt in a copy of the tree, rebuilds it
  and runs the test suite; every fault must be caught.
  --arch ARCH      x86_64 (the host's, default) or aarch64: the neon table's
                   faults (tests/mutants_neon.txt), the copy built with
                   make ARCH=aarch64 and every program run under qemu-aarch64
  --only PATTERN   only the mutants whose file or description matches
                   PATTERN (an extended regular expression, grep -E)
  --no-baseline    skip the unmutated run of the whole suite first
  --list FILE      the mutants file (default tests/mutants.txt, or
                   tests/mutants_neon.txt with --arch aarch64)
  --check          plant nothing: check that each line of the list still
                   applies to the working tree (its file there, its find text
                   there once, its program one of the suite's); one line a
                   stale fault, then `N passed, N failed`
  --help           this text
Environment: ARCH (as --arch), JOBS (make's jobs and the baseline's programs
at a time, default 2), MUTANT_TIMEOUT (seconds a test program may take,
default 900; under qemu programs run several times slower), MUTANTS_LOGS
(where build logs of mutants that did not compile and the output of the
program that caught each mutant go, default build/mutants, or
build-aarch64/mutants).
EOF
}

die_usage() {
  echo "mutants: $1" >&2
  echo "usage: sh scripts/mutants.sh [--arch ARCH] [--only PATTERN] [--no-baseline] [--list FILE] [--check] (--help says more)" >&2
  exit 2
}

only="" baseline=1 list="" arch=${ARCH:-} check=0
while [ $# -gt 0 ]; do
  case $1 in
    --arch) [ $# -ge 2 ] || die_usage "--arch needs x86_64 or aarch64"; arch=$2; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --only) [ $# -ge 2 ] || die_usage "--only needs a PATTERN"
            [ -n "$2" ] || die_usage "--only needs a non-empty PATTERN"
            only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; [ -n "$only" ] || die_usage "--only needs a non-empty PATTERN"; shift ;;
    --no-baseline) baseline=0; shift ;;
    --check) check=1; shift ;;
    --list) [ $# -ge 2 ] || die_usage "--list needs a FILE"; list=$2; shift 2 ;;
    --list=*) list=${1#--list=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
# (No /dev/null anywhere: nothing here writes to a device.)
if [ -n "$only" ]; then
  msg=$(printf 'x\n' | grep -cE -e "$only" 2>&1)
  [ $? -le 1 ] || die_usage "--only '$only' is not an extended regular expression: $msg"
fi

# The target: the host's, or aarch64 cross-built and run under qemu (as the
# Makefile does it: the multiarch loader, -L /).
host=$(uname -m)
arch=${arch:-$host}
RUN="" BUILD=build CROSS_CC=""
case $arch in
  "$host") ;;
  aarch64)
    BUILD=build-aarch64 CROSS_CC=aarch64-linux-gnu-gcc
    if [ "$check" = 0 ]; then # --check runs nothing
      qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static) ||
        die_usage "--arch aarch64: no qemu-aarch64 (make deps ARCH=aarch64 installs it)"
      RUN="$qemu -L /"
    fi ;;
  *) die_usage "--arch $arch: expected the host's ($host) or aarch64" ;;
esac
[ -n "$list" ] || { [ "$arch" = aarch64 ] && list=tests/mutants_neon.txt || list=tests/mutants.txt; }

# count_and_apply FILE FIND REPLACE [count]: prints how many times FIND
# occurs in FILE and, when once and not asked only to count, writes FILE with
# it replaced to FILE.mutant.
count_and_apply() {
  FIND=$2 REPL=$3 ONLY=${4:-} awk '
    BEGIN { f = ENVIRON["FIND"]; r = ENVIRON["REPL"]; n = 0 }
    { line = $0; out = ""
      while ((i = index(line, f)) > 0) {
        n++; out = out substr(line, 1, i - 1) r; line = substr(line, i + length(f))
      }
      lines[NR] = out line }
    END { print n
          if (n == 1 && ENVIRON["ONLY"] == "") for (k = 1; k <= NR; k++) print lines[k] > (FILENAME ".mutant") }' "$1"
}

# line_problem DIR: why the line just read (file, find, repl, expect, what)
# plants no fault in the tree at DIR, or nothing when it does: a missing
# field or file, a program the suite does not have (known_program), a file
# not built for $arch, a replacement that is the find text itself, or a find
# text not there exactly once.
line_problem() {
  if [ -z "$file" ] || [ -z "$find" ] || [ -z "$expect" ] || [ -z "$what" ] || [ ! -f "$1/$file" ]; then
    echo "malformed line or no such file"; return
  fi
  known_program "$expect" || { echo "no test program '$expect'"; return; }
  # A table's kernels are built for their architecture only.
  case $arch:$file in
    aarch64:kernels/avx2/*|aarch64:kernels/avx512/*|x86_64:kernels/neon/*)
      echo "not built for $arch: its list is another architecture's"; return ;;
  esac
  [ "$find" != "$repl" ] || { echo "the replacement is the find text: nothing changes"; return; }
  n=$(count_and_apply "$1/$file" "$find" "$repl" count)
  [ "$n" = 1 ] || echo "find text occurs $n times"
}

if [ "$check" = 1 ]; then
  root=$(cd "$(dirname "$0")/.." && pwd) || exit 2 # no git needed: the tree this script is in
  [ -f "$list" ] || die_usage "no mutants file '$list'"
  # The suite's programs by their sources (nothing need be built).
  known_program() {
    case $1 in
      conformance) return 0 ;;
      *_selftest) [ -f "$root/bench/$1.py" ] ;;
      test_*) [ -f "$root/tests/$1.c" ] ;;
      *) [ -f "$root/tests/$1.sh" ] ;;
    esac
  }
  ok=0 bad=0 n=0
  while IFS= read -r line <&3 || [ -n "$line" ]; do
    case $line in ''|'#'*) continue ;; esac
    case $line in *[![:space:]]*) ;; *) continue ;; esac
    n=$((n + 1))
    IFS='|' read -r file find repl expect what <<EOF
$line
EOF
    if [ -n "$only" ] && ! printf '%s\n%s\n' "$file" "$what" | grep -qE -e "$only"; then
      continue
    fi
    why=$(line_problem "$root")
    if [ -n "$why" ]; then
      echo "[$(printf '%02d' "$n")] $file: $what: stale ($why)"
      bad=$((bad + 1))
    else
      ok=$((ok + 1))
    fi
  done 3<"$list"
  echo "mutants --check ${list#"$root"/} ($arch): $ok lines plant a fault, $bad stale"
  echo "$ok passed, $bad failed"
  [ "$bad" -eq 0 ]
  exit
fi

JOBS=${JOBS:-2}
case $JOBS in ''|*[!0-9]*|0*) die_usage "JOBS=$JOBS is not a positive whole number" ;; esac
MUTANT_TIMEOUT=${MUTANT_TIMEOUT:-900}
case $MUTANT_TIMEOUT in ''|*[!0-9]*|0*) die_usage "MUTANT_TIMEOUT=$MUTANT_TIMEOUT is not a positive whole number of seconds" ;; esac

root=$(git rev-parse --show-toplevel 2>&1) || { echo "mutants: not in a git repository: $root" >&2; exit 2; }
cd "$root" || exit 2
[ -f "$list" ] || die_usage "no mutants file '$list'"
case $list in /*) ;; *) list=$root/$list ;; esac
logs=${MUTANTS_LOGS:-$BUILD/mutants}
case $logs in /*) ;; *) logs=$root/$logs ;; esac
mkdir -p "$logs" || exit 2

t_start=$(date +%s)
elapsed() {
  s=$(( $(date +%s) - t_start ))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

work=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_mutants.XXXXXX") || { echo "mutants: mktemp failed" >&2; exit 2; }
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
tree=$work/tree
mkdir -p "$tree" "$work/out"
cp "$list" "$work/mutants.txt" || exit 2 # read from the copy: the list may be edited meanwhile
: >"$work/empty" # every program's stdin (the list is read on fd 3)

# The tracked files that exist (a deleted one is skipped), mtimes kept.
echo "== copying the tracked files into $tree"
git ls-files -z | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
  tar --null -T - -cf - | tar -C "$tree" -xf - || { echo "mutants: copying the tree failed" >&2; exit 2; }

build() { # build LOG: make all in the copy, quietly
  (cd "$tree" && make -j"$JOBS" ARCH="$arch" all) <"$work/empty" >"$1" 2>&1
}
# The programs' environment, as `make test ARCH=...` gives it.
suite_env() {
  env BUILD="$BUILD" RUN="$RUN" ARCH="$arch" ${CROSS_CC:+CC="$CROSS_CC"} "$@"
}

echo "== building the copy (make -j$JOBS ARCH=$arch all${RUN:+; programs run under ${RUN%% *}}) [$(elapsed)]"
if ! build "$work/build0.log"; then
  cp "$work/build0.log" "$logs/baseline.build.log"
  echo "mutants: the unmutated tree does not build: $logs/baseline.build.log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# The suite's programs, the command-line scripts (the slowest) last.
progs=$(cd "$tree" && suite_env sh scripts/run_tests.sh --list) || { echo "mutants: run_tests.sh --list failed" >&2; exit 2; }
# mutants_lists is left out: it checks the lists' find texts against the tree, so a
# fault planted on a line a list names fails it by construction, which says nothing
# of what the suite catches.
fast="" slow=""
for n in $progs; do
  case $n in mutants_lists) ;; cli_*) slow="$slow $n" ;; *) fast="$fast $n" ;; esac
done
progs="$fast $slow"

if [ "$baseline" = 1 ]; then
  echo "== the unmutated suite (JOBS=$JOBS) [$(elapsed)]"
  if ! (cd "$tree" && suite_env JOBS="$JOBS" sh scripts/run_tests.sh) <"$work/empty" >"$work/baseline.log" 2>&1; then
    cp "$work/baseline.log" "$logs/baseline.log"
    echo "mutants: the unmutated suite fails ($(tail -n 1 "$work/baseline.log")): $logs/baseline.log" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "   $(tail -n 1 "$work/baseline.log") [$(elapsed)]"
fi

# run_one NAME DIR: runs one program of the suite in the copy; sets verdict
# to "" (it passed) or what it failed with.
run_one() {
  name=$1 dir=$2
  rm -f "$dir/$name.out" "$dir/$name.rc"
  (cd "$tree" && suite_env timeout "$MUTANT_TIMEOUT" sh scripts/run_test_program.sh "$name" "$dir") <"$work/empty" >"$dir/run.log" 2>&1
  trc=$?
  if [ "$trc" -eq 124 ] || [ "$trc" -eq 137 ]; then
    verdict="timed out after $MUTANT_TIMEOUT s"; return
  fi
  rc=1
  [ -f "$dir/$name.rc" ] && rc=$(cat "$dir/$name.rc")
  last=""
  [ -f "$dir/$name.out" ] &&
    last=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$dir/$name.out" | tail -n 1)
  if [ -z "$last" ]; then
    verdict="exit $rc, no summary line"; return
  fi
  f=$(printf '%s' "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
  if [ "$f" -gt 0 ]; then
    [ "$f" -eq 1 ] && verdict="1 failure" || verdict="$f failures"
  elif [ "$rc" -ne 0 ]; then
    verdict="exit $rc"
  else
    verdict=""
  fi
}

# The programs of the suite, as built in the copy.
known_program() {
  case " $progs " in *" $1 "*) return 0 ;; esac
  return 1
}

total=$(grep -cvE '^[[:space:]]*(#|$)' "$work/mutants.txt")
idx=0 caught=0 survived=0 stale=0 unbuilt=0
survivors=""
echo "== $total mutants in ${list#"$root"/} ($arch)${only:+, those matching '$only'} [$(elapsed)]"
while IFS= read -r line <&3 || [ -n "$line" ]; do
  case $line in ''|'#'*) continue ;; esac
  case $line in *[![:space:]]*) ;; *) continue ;; esac
  idx=$((idx + 1))
  IFS='|' read -r file find repl expect what <<EOF
$line
EOF
  if [ -n "$only" ] && ! printf '%s\n%s\n' "$file" "$what" | grep -qE -e "$only"; then
    continue
  fi
  tag=$(printf '%02d' "$idx")
  head="[$tag $(elapsed)] $file: $what"
  why=$(line_problem "$tree")
  if [ -n "$why" ]; then
    echo "$head: stale ($why)"
    stale=$((stale + 1)); survivors="$survivors $tag"; continue
  fi
  target=$tree/$file
  rm -f "$target.mutant"
  count_and_apply "$target" "$find" "$repl" >"$work/count"
  cp -p "$target" "$work/orig"
  cat "$target.mutant" >"$target" && rm -f "$target.mutant"
  touch "$target"
  t0=$(date +%s)
  if ! build "$work/build.log"; then
    cp "$work/build.log" "$logs/$tag.build.log"
    result="not built (log: ${logs#"$root"/}/$tag.build.log)"
    unbuilt=$((unbuilt + 1)); survivors="$survivors $tag"
  else
    tb=$(( $(date +%s) - t0 ))
    dir=$work/out/$tag
    mkdir -p "$dir"
    result=""
    for p in $expect $(printf '%s\n' $progs | grep -vxF -e "$expect"); do
      run_one "$p" "$dir"
      if [ -n "$verdict" ]; then
        result="caught by $p ($verdict)"
        [ "$p" = "$expect" ] || result="$result, not by $expect"
        [ -f "$dir/$p.out" ] && cp "$dir/$p.out" "$logs/$tag.$p.out"
        break
      fi
    done
    if [ -n "$result" ]; then
      caught=$((caught + 1))
    else
      result="SURVIVED"
      survived=$((survived + 1)); survivors="$survivors $tag"
    fi
    result="$result (build $tb s, tests $(( $(date +%s) - t0 - tb )) s)"
    rm -rf "$dir"
  fi
  # Put the file back; a new mtime, so that the next build rebuilds it.
  cat "$work/orig" >"$target"
  touch "$target"
  echo "$head: $result"
done 3<"$work/mutants.txt"

ran=$((caught + survived + stale + unbuilt))
echo "== $ran mutants in $(elapsed): $caught caught, $survived survived, $stale stale, $unbuilt not built"
[ -n "$survivors" ] && echo "not caught:$survivors"
echo "$caught passed, $((survived + stale + unbuilt)) failed"
[ $((survived + stale + unbuilt)) -eq 0 ]
