# rnnsimd — build, test, conformance, benchmarks, install.
# `make` builds into build/; `make test` runs every test; `make help` lists every
# target (each has a `## target: what it does` line below, which is what help prints).
# Only kernels/<isa>/ files get their ISA's -m flags: the rest is baseline, so one
# binary runs everywhere and dispatches at run time.

# Every core by default; a -j on the command line wins.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

ARCH ?= $(shell uname -m)
HOST_ARCH := $(shell uname -m)

ifeq ($(ARCH),$(HOST_ARCH))
  BUILD ?= build
  CC := gcc
  CXX := g++
  RUN :=
else ifeq ($(ARCH),aarch64)
  BUILD ?= build-aarch64
  CC := aarch64-linux-gnu-gcc
  CXX := aarch64-linux-gnu-g++
  # Lazy (=): expanded in recipes only, after deps-check may have installed qemu-user.
  # -L /: the loader of the multiarch libc6:arm64, which matches the libc.so.6 that
  # ld.so.cache finds; the cross toolchain's /usr/aarch64-linux-gnu holds another
  # glibc build, and that loader with this libc hangs in pthread_create.
  QEMU = $(shell command -v qemu-aarch64 || command -v qemu-aarch64-static)
  RUN = $(if $(QEMU),$(QEMU) -L /,$(error qemu-aarch64 not found: run make deps ARCH=aarch64))
else
  $(error ARCH=$(ARCH): only the host architecture ($(HOST_ARCH)) and aarch64 are supported)
endif

OPT ?= -O2
# -Wno-missing-field-initializers: rnnsimd.h promises that fields a positional
# initializer leaves out are zero and mean the default (rnn_desc's L and
# bidirectional, rnn_params' and rnn_grads' layers), so single-layer code
# written before those fields existed is not rewritten.
CFLAGS_COMMON := -std=c11 $(OPT) -g -Wall -Wextra -Wno-missing-field-initializers -Werror -D_GNU_SOURCE -MMD -MP
CFLAGS_BASE := $(CFLAGS_COMMON) $(EXTRA_CFLAGS)
# The x86 tables' objects (kernels/avx2/, kernels/avx512/) take EXTRA_CFLAGS
# too unless SIMD_EXTRA_CFLAGS says otherwise. The fuzz build sets it empty:
# no fuzz target runs a kernel, and clang's ASan+UBSan spends a minute and a
# half on the fused GEMV's inlined tiles alone (gcc's, in `make sanitize`,
# six seconds: that build keeps every kernel instrumented).
SIMD_EXTRA_CFLAGS ?= $(EXTRA_CFLAGS)
CFLAGS_SIMD := $(CFLAGS_COMMON) $(SIMD_EXTRA_CFLAGS)
CXXFLAGS_BASE := -std=c++17 $(OPT) -g -Wall -Wextra -Werror -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS_BASE := $(EXTRA_LDFLAGS)

# The layers, each with only the include paths it may use, so that reaching
# across a rule is a compile error (see docs/design.md, "Layers"):
#   kernels/    the public header and kernels/ itself;
#   core/       the public header, the kernel table's header (kernels/table/)
#               and core/;
#   reference/  the public headers and reference/ alone: the oracle shares
#               no code with what it judges;
#   support/    the public header and support/ alone: the programs' plumbing
#               (npy files, tolerances, atomic files, JSON, the clock, the
#               option parser), outside the library.
# The programs (conformance, tools, bench, examples, fuzz) see the public
# headers, the kernel table and support/; the unit tests also see the lists
# of kernels/ and core/'s internal headers (they test below the API).
INC_KERNELS := -Iinclude -Ikernels -Ikernels/table
INC_CORE := -Iinclude -Ikernels/table -Icore
INC_REFERENCE := -Iinclude -Ireference
INC_SUPPORT := -Iinclude -Isupport
INC_PROGRAMS := -Iinclude -Ikernels/table -Isupport
INC_TESTS := $(INC_PROGRAMS) -Ikernels -Icore

# The reference: no contraction, so a*b+c rounds twice on every machine and its
# bits (and the golden hashes) are the same on x86-64 and aarch64.
REF_FLAGS := -ffp-contract=off
AVX2_FLAGS := -mavx2 -mfma
AVX512_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma
# The x86 gate kernels with GCC's first scheduling pass, which -O2 leaves off
# on x86: it interleaves a chunk's independent activations (lstm's five, gru's
# two sigmoids), whose long dependent chains otherwise come one after the
# other (docs/performance.md §5.29). Same operations, so the same bits. Clang
# has no such pass to turn on.
CC_IS_CLANG := $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -c __clang__)
GATES_SCHED_FLAGS := $(if $(filter 0,$(CC_IS_CLANG)),-fschedule-insns -fsched-pressure)

# librnnsimd.a, the product: the drivers and the kernel tables of this ARCH.
LIB_SRC := $(wildcard core/*.c kernels/*.c kernels/generic/*.c)
ifeq ($(ARCH),x86_64)
  LIB_SRC += $(wildcard kernels/avx2/*.c kernels/avx512/*.c)
endif
ifeq ($(ARCH),aarch64)
  LIB_SRC += $(wildcard kernels/neon/*.c)
endif
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/librnnsimd.a
# librnnsimd_reference.a, the oracle: the reference and its portable fills.
REF_SRC := $(wildcard reference/*.c)
REF_OBJ := $(REF_SRC:%.c=$(BUILD)/obj/%.o)
REF_LIB := $(BUILD)/librnnsimd_reference.a
# libsupport.a, the programs' plumbing: never installed, never in the library.
SUPPORT_SRC := $(wildcard support/*.c)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
SUPPORT_LIB := $(BUILD)/libsupport.a
LIBS_OURS := $(SUPPORT_LIB) $(REF_LIB) $(LIB)

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
CONF_SRC := $(wildcard conformance/*.c)
CONF_BIN := $(BUILD)/rnnsimd-conformance
# bench/peak.c, bench/elementwise.c: `rnnsimd info --probe` times the probes as rnnsimd-bench does.
TOOL_SRC := $(wildcard tools/*.c examples/charlm/*.c) bench/peak.c bench/elementwise.c
TOOL_BIN := $(BUILD)/rnnsimd
BENCH_C := $(wildcard bench/*.c)
BENCH_CC := $(wildcard bench/*.cc)
BENCH_BIN := $(BUILD)/rnnsimd-bench

LIBS := -lxxhash -llapacke -llapack -lopenblas -lmpfr -lgmp -lm -lpthread
DNNL_LIBS := -ldnnl
# Cross aarch64 on Debian: libdnnl-dev:arm64 cannot be co-installed with the host's
# libdnnl-dev (their dnnl_config.h differ, in DNNL_GPU_RUNTIME only), so the host's
# arch-independent C headers serve and the arm64 runtime (libdnnl2:arm64, which
# has no libdnnl.so link) is linked by its file name.
ifneq ($(ARCH),$(HOST_ARCH))
  DNNL_LIBS := -l:libdnnl.so.2
endif

.PHONY: all lib tests test conformance golden bench clean deps deps-check help
# The benchmark binary is part of every build, so `make test` runs its quick
# checks (tests/cli_tests.sh) and a cross aarch64 build proves the benchmark
# path (scripts/deps.sh installs g++-aarch64-linux-gnu and libbenchmark-dev:arm64).
## all: check the Debian packages, build the library, tests, runner, rnnsimd command, benchmark (the default)
all: deps-check lib tests $(if $(CONF_SRC),$(CONF_BIN)) $(if $(TOOL_SRC),$(TOOL_BIN)) $(BENCH_BIN) \
  $(BUILD)/tests/rnnsimd_nomem $(BUILD)/tests/conformance_nomem $(BUILD)/tests/bench_nomem

## deps-check: install missing Debian packages when root (saying how many and how large), else print the apt-get command
deps-check:
	@ARCH=$(ARCH) sh scripts/deps.sh check

## deps: install the Debian packages the build needs (apt-get, as root)
deps:
	@ARCH=$(ARCH) sh scripts/deps.sh install

## lib: build the static libraries build/librnnsimd.a (the product), build/librnnsimd_reference.a (the oracle) and build/libsupport.a (the programs' plumbing)
lib: $(LIB) $(REF_LIB) $(SUPPORT_LIB)
$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(REF_LIB): $(REF_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(SUPPORT_LIB): $(SUPPORT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Only kernels/<isa>/ files get their ISA's -m flags: the rest is baseline, so
# one binary runs everywhere and dispatches at run time. (make picks the
# pattern with the shortest stem: the most specific folder.)
$(BUILD)/obj/reference/%.o: reference/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REF_FLAGS) $(INC_REFERENCE) -c $< -o $@
$(BUILD)/obj/support/%.o: support/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_SUPPORT) -c $< -o $@
$(BUILD)/obj/core/%.o: core/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_CORE) -c $< -o $@
$(BUILD)/obj/kernels/%.o: kernels/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_KERNELS) -c $< -o $@
$(BUILD)/obj/kernels/avx2/%.o: kernels/avx2/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SIMD) $(INC_KERNELS) $(AVX2_FLAGS) -c $< -o $@
$(BUILD)/obj/kernels/avx512/%.o: kernels/avx512/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SIMD) $(INC_KERNELS) $(AVX512_FLAGS) -c $< -o $@
$(BUILD)/obj/kernels/avx2/elementwise_avx2.o $(BUILD)/obj/kernels/avx512/elementwise_avx512.o: \
  CFLAGS_SIMD += $(GATES_SCHED_FLAGS)
$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_PROGRAMS) -c $< -o $@

# Header dependencies, as the compiler saw them (-MMD); and the Makefile, whose
# flags every object is built with.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

## tests: build the unit test programs into build/tests/
tests: $(TEST_BIN)
$(BUILD)/tests/%: tests/%.c $(LIB) $(REF_LIB) $(SUPPORT_LIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_TESTS) $< -o $@ $(LIBS_OURS) $(LIBS) $(LDFLAGS_BASE)

CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/obj/%.o)
$(CONF_BIN): $(CONF_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	$(CC) $(CONF_OBJ) -o $@ $(LIBS_OURS) $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE)

TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
$(TOOL_BIN): $(TOOL_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	$(CC) $(TOOL_OBJ) -o $@ $(LIBS_OURS) $(LIBS) $(LDFLAGS_BASE)

BENCH_OBJ := $(BENCH_C:%.c=$(BUILD)/obj/%.o) $(BENCH_CC:%.cc=$(BUILD)/obj/%.o)
$(BUILD)/obj/bench/%.o: bench/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_BASE) $(INC_PROGRAMS) -c $< -o $@
$(BENCH_BIN): $(BENCH_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	$(CXX) $(BENCH_OBJ) -o $@ $(LIBS_OURS) -lbenchmark $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE)

# Everything but the library reads headers of the Debian packages: deps-check
# first (order-only, so it forces no rebuild), also under -j.
$(TEST_BIN) $(CONF_OBJ) $(TOOL_OBJ) $(BENCH_OBJ): | deps-check

# Every test binary, the quick conformance matrix, the CLI, deps, plots and
# install tests, JOBS programs at a time (default every core); one summary line.
JOBS ?=
## test: every unit test, the quick conformance matrix, the CLI, deps, plots and install tests (JOBS= programs at a time, default every core); ends `N passed, N failed`
test: all
	@RUN="$(RUN)" BUILD=$(BUILD) CC="$(CC)" ARCH=$(ARCH) JOBS="$(JOBS)" sh scripts/run_tests.sh

## clean: remove build/ and build-aarch64/
clean:
	rm -rf build build-aarch64

# ---- the main jobs (each owned by its directory's scripts) ----
.PHONY: conformance conformance-quick golden ratchet bench bench-compare plots
.PHONY: bench-noise bench-record bench-history bench-report bench-selftest
# Full conformance matrix on every kernel table this CPU runs. ARGS passes runner flags.
## conformance: the full conformance matrix on every kernel table this CPU runs (ARGS= passes runner flags)
conformance: all
	$(RUN) $(CONF_BIN) $(ARGS)
## conformance-quick: the quick subset of the conformance matrix (as make test runs it)
conformance-quick: all
	$(RUN) $(CONF_BIN) --quick $(ARGS)
# Rewrites conformance/golden.txt from the reference and prints what changed: an explicit act.
## golden: rewrite conformance/golden.txt from the reference and print what changed (and the fuzz seeds cut from it)
golden: all
	$(RUN) $(CONF_BIN) --write-golden conformance/golden.txt $(ARGS)
	@RUN="$(RUN)" BUILD=$(BUILD) sh fuzz/make_seeds.sh
# Rewrites conformance/ratchet.txt's accuracy budgets of this architecture's tables from a
# full run (ARGS=--quick: the quick subset's only, as for ARCH=aarch64 under qemu) and
# prints what changed: an explicit act, like golden.
## ratchet: rewrite conformance/ratchet.txt's accuracy budgets for this architecture's tables from a full run (ARGS=--quick: the quick subset's)
ratchet: all
	$(RUN) $(CONF_BIN) --write-ratchet conformance/ratchet.txt $(ARGS)

CPU ?=
SET ?=
# The flags the run records in its JSON context (cflags).
BENCH_CFLAGS := $(CC): $(strip $(CFLAGS_BASE)); reference: $(REF_FLAGS)$(if $(filter x86_64,$(ARCH)),; kernels/avx2: $(AVX2_FLAGS); kernels/avx512: $(AVX512_FLAGS)$(if $(GATES_SCHED_FLAGS),; their elementwise_*.c: $(GATES_SCHED_FLAGS)))
BENCH_ENV = BUILD=$(BUILD) RUN="$(RUN)" CPU="$(CPU)" SET="$(SET)" RNNSIMD_BENCH_CFLAGS='$(BENCH_CFLAGS)'
## bench: benchmark sweep into results/<machine>/ (CPU=, SET=, FILTER=, REPS=, PROCESSES=, TUNE=, DTYPE=f32|bf16|all)
bench: deps-check lib $(BENCH_BIN)
	@$(BENCH_ENV) sh bench/run.sh
# Regression tracking (docs/tracking.md): the gate against this machine's
# baseline, its noise calibration, the history and the cross-machine report.
## bench-compare: a fresh run against this machine's committed baseline; fails on a regression, a missing or errored row, or a foreign baseline
bench-compare: deps-check lib $(BENCH_BIN)
	@$(BENCH_ENV) sh bench/compare.sh
## bench-noise: run the set again and record each row's run-to-run spread beside the baseline (the gate's calibration)
bench-noise: deps-check lib $(BENCH_BIN)
	@$(BENCH_ENV) sh bench/noise.sh
## bench-record: append this run's per-row medians and context to results/<machine>/history.jsonl
bench-record: deps-check lib $(BENCH_BIN)
	@$(BENCH_ENV) sh bench/record.sh
## bench-history: draw each judged row over commits and print change points
bench-history: $(BENCH_BIN)
	@BUILD=$(BUILD) RUN="$(RUN)" sh bench/history.sh
## bench-report: one table and figure of every results/*/ machine side by side (results/report.*)
bench-report:
	@/usr/bin/python3 bench/report.py results
# The tracking tools' self-tests: made-up and committed JSON, no timing (seconds).
## bench-selftest: the gate's, history's, report's, merge's and targets' self-tests on made-up and committed JSON
bench-selftest:
	@/usr/bin/python3 bench/gate_selftest.py && /usr/bin/python3 bench/history_selftest.py && /usr/bin/python3 bench/merge_selftest.py && /usr/bin/python3 bench/targets_selftest.py
## plots: figures from results/<machine>/*.json (MACHINE= picks another folder)
plots:
	@sh bench/plots.sh

# ---- reliability: sanitizers, fuzzing, memcheck (scripts/*.sh say more) ----
.PHONY: sanitize fuzz valgrind coverage
# The fuzz replay test compiles these parsers in: rebuild it when they change.
$(BUILD)/tests/test_fuzz_replay: conformance/case.c conformance/golden.c \
  examples/charlm/charlm_model.c fuzz/targets.c $(wildcard fuzz/*.h)
$(BUILD)/tests/test_hostile: examples/charlm/charlm_model.c
# test_nomem fails the libraries' allocations one at a time: every call they
# make to these reaches its wrappers.
$(BUILD)/tests/test_nomem: LDFLAGS_BASE += \
  -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=free,--wrap=pthread_create
# rnnsimd_nomem, conformance_nomem and bench_nomem: the programs again, with the
# allocation failures of tests/nomem_program.c (tests/cli_nomem.sh runs them).
NOMEM_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=strdup,--wrap=pthread_create
NOMEM_OBJ := $(BUILD)/obj/tests/nomem_program.o
$(BUILD)/tests/rnnsimd_nomem: $(TOOL_OBJ) $(NOMEM_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_OBJ) $(NOMEM_OBJ) -o $@ $(LIBS_OURS) $(LIBS) $(LDFLAGS_BASE) $(NOMEM_WRAP)
$(BUILD)/tests/conformance_nomem: $(CONF_OBJ) $(NOMEM_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CONF_OBJ) $(NOMEM_OBJ) -o $@ $(LIBS_OURS) $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE) $(NOMEM_WRAP)
$(BUILD)/tests/bench_nomem: $(BENCH_OBJ) $(NOMEM_OBJ) $(LIB) $(REF_LIB) $(SUPPORT_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_OBJ) $(NOMEM_OBJ) -o $@ $(LIBS_OURS) -lbenchmark $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE) $(NOMEM_WRAP)
$(BUILD)/tests/test_bench_shim: bench/problem.c bench/sweep.c bench/identity.c bench/data.c bench/peak.c \
  $(wildcard bench/*.h)
$(BUILD)/tests/test_bench_work: bench/problem.c bench/data.c bench/impl_rnnsimd.c $(wildcard bench/*.h)
# ASan+UBSan (build-san/): unit tests, quick conformance on every table, CLI
# tests; then test_concurrency, test_threads and test_stack_plan under ThreadSanitizer (build-tsan/).
## sanitize: every test under AddressSanitizer + UBSan (build-san/), threads under TSan (build-tsan/)
sanitize:
	@sh scripts/sanitize.sh
# libFuzzer (clang, build-fuzz/): each target FUZZ_SECONDS from fuzz/corpus/.
FUZZ_SECONDS ?= 60
## fuzz: libFuzzer on each parser for FUZZ_SECONDS (60) from fuzz/corpus/, JOBS= targets at a time (default every core; clang, build-fuzz/)
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS="$(JOBS)" sh scripts/fuzz.sh
# Line coverage of `make test` (gcc --coverage -O0, build-cov/, gcovr).
## coverage: which lines of ours `make test` runs, per part and file (build-cov/coverage.txt; needs gcovr)
coverage:
	@sh scripts/coverage.sh
# memcheck over the quick unit tests and a generic-table conformance subset.
## valgrind: memcheck over the quick unit tests and a generic-table conformance subset
valgrind: all
	@BUILD=$(BUILD) sh scripts/valgrind.sh

# ---- mutation testing: does the suite catch planted faults? ----
.PHONY: mutants
# Not part of `make test` or CI: it rebuilds and reruns the suite once per
# mutant (docs/testing.md §4 gives the last runs' times). MAKEFLAGS is
# cleared: the script runs its own make in a copy of the tree, JOBS jobs.
# ARCH=aarch64: the neon table's faults (tests/mutants_neon.txt), cross-built,
# run under qemu.
MUTANTS_ARGS ?=
## mutants: plant each fault of tests/mutants.txt (ARCH=aarch64: tests/mutants_neon.txt, under qemu) in a copy of the tree and check the tests catch it (JOBS=, default 2; MUTANTS_ARGS='--only PATTERN'); ends `N passed, N failed`
mutants:
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL JOBS="$(or $(JOBS),2)" ARCH="$(ARCH)" sh scripts/mutants.sh $(MUTANTS_ARGS)

# ---- install: headers, static libraries, pkg-config files ----
.PHONY: install uninstall
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
VERSION := $(shell sed -n 's/^\#define RNNSIMD_VERSION "\(.*\)"/\1/p' include/rnnsimd.h)
# The library itself needs libm (exp, log, sqrt, fmaf) and threads (pthread is
# part of libc from glibc 2.34; -lpthread keeps older ones linking); the
# reference needs libm. The Debian packages are for the tools, the runner and
# the benchmarks only.
LIB_PRIVATE := -lm -lpthread
# The .pc files are written at install time, so they always name this PREFIX.
PC_HEAD := 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' 'Version: $(VERSION)' \
  'Cflags: -I$${includedir}'
PC_LINES := $(PC_HEAD) 'Name: rnnsimd' \
  'Description: SIMD recurrent-network kernels (RNN, LSTM, GRU), forward and backward' \
  'Libs: -L$${libdir} -lrnnsimd' 'Libs.private: $(LIB_PRIVATE)'
PC_REF_LINES := $(PC_HEAD) 'Name: rnnsimd-reference' \
  'Description: the naive double-precision reference of rnnsimd and its portable fills (the oracle)' \
  'Libs: -L$${libdir} -lrnnsimd_reference' 'Libs.private: -lm'
# Each file is written beside its place and renamed in, so an interrupted
# install leaves the old file or the new one, never half of one.
put = install -m 644 $(1) $(2).tmp && mv $(2).tmp $(2)
## install: install the library (rnnsimd.h, librnnsimd.a, rnnsimd.pc) and the reference (rnnsimd_reference.h, librnnsimd_reference.a, rnnsimd-reference.pc) under PREFIX (/usr/local; DESTDIR= stages)
install: $(LIB) $(REF_LIB)
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(call put,include/rnnsimd.h,$(DESTDIR)$(INCLUDEDIR)/rnnsimd.h)
	$(call put,include/rnnsimd_reference.h,$(DESTDIR)$(INCLUDEDIR)/rnnsimd_reference.h)
	$(call put,$(LIB),$(DESTDIR)$(LIBDIR)/librnnsimd.a)
	$(call put,$(REF_LIB),$(DESTDIR)$(LIBDIR)/librnnsimd_reference.a)
	printf '%s\n' $(PC_LINES) > $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd.pc.tmp
	mv $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd.pc.tmp $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd.pc
	printf '%s\n' $(PC_REF_LINES) > $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd-reference.pc.tmp
	mv $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd-reference.pc.tmp $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd-reference.pc
	@echo "installed under $(DESTDIR)$(PREFIX); build with: cc prog.c \$$(pkg-config --cflags --libs --static rnnsimd)"
	@echo "  (add rnnsimd-reference to the pkg-config call to check results against the reference)"
## uninstall: remove what install put under PREFIX (and DESTDIR)
uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/rnnsimd.h $(DESTDIR)$(INCLUDEDIR)/rnnsimd_reference.h \
	  $(DESTDIR)$(LIBDIR)/librnnsimd.a $(DESTDIR)$(LIBDIR)/librnnsimd_reference.a \
	  $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd.pc $(DESTDIR)$(PKGCONFIGDIR)/rnnsimd-reference.pc

## help: this list
help:
	@echo "make [TARGET] [VARIABLE=value ...]   (builds use every core unless -j is given)"
	@echo
	@sed -n 's/^## \([a-z-]*\): \(.*\)/\1\t\2/p' $(firstword $(MAKEFILE_LIST)) | \
	  awk -F '\t' '{ printf "  %-18s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables: ARCH=aarch64 (cross build, tests under qemu), OPT= (-O2), EXTRA_CFLAGS=,"
	@echo "  PREFIX= DESTDIR= (install), CPU= SET= FILTER= REPS= PROCESSES= TUNE= (bench), FUZZ_SECONDS=, ARGS= (conformance)"
