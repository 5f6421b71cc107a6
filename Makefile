# rnnsimd — build, test, conformance, benchmarks.
# `make` builds into build/; `make test` runs every test; see README.md.

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
CFLAGS_BASE := -std=c11 $(OPT) -g -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP $(EXTRA_CFLAGS)
CXXFLAGS_BASE := -std=c++17 $(OPT) -g -Wall -Wextra -Werror -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS_BASE := $(EXTRA_LDFLAGS)

# The layers, each with only the include paths it may use, so that reaching
# across a rule is a compile error (see docs/design.md, "Layers"):
#   kernels/    the public header and kernels/ itself;
#   core/       the public header, the kernel table's header (kernels/table/)
#               and core/;
#   reference/  the public headers and reference/ alone: the oracle shares
#               no code with what it judges.
# The programs (tests, conformance, tools, bench, examples, fuzz) see the
# public headers, the kernel table and core's tool headers (npy, tolerance);
# tests also see the lists of kernels/.
INC_KERNELS := -Iinclude -Ikernels -Ikernels/table
INC_CORE := -Iinclude -Ikernels/table -Icore
INC_REFERENCE := -Iinclude -Ireference
INC_PROGRAMS := -Iinclude -Ikernels/table -Icore
INC_TESTS := $(INC_PROGRAMS) -Ikernels

# The reference: no contraction, so a*b+c rounds twice on every machine and its
# bits (and the golden hashes) are the same on x86-64 and aarch64.
REF_FLAGS := -ffp-contract=off
AVX2_FLAGS := -mavx2 -mfma
AVX512_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma

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
LIBS_OURS := $(REF_LIB) $(LIB)

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
CONF_SRC := $(wildcard conformance/*.c)
CONF_BIN := $(BUILD)/rnnsimd-conformance
TOOL_SRC := $(wildcard tools/*.c examples/charlm/*.c)
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

.PHONY: all lib tests test conformance golden bench clean deps deps-check
# The benchmark binary is part of a native build so `make test` runs its quick
# checks (tests/cli_tests.sh); a cross build leaves it out (no arm64 C++ toolchain
# or libbenchmark is installed for it).
all: deps-check lib tests $(if $(CONF_SRC),$(CONF_BIN)) $(if $(TOOL_SRC),$(TOOL_BIN)) \
     $(if $(filter $(ARCH),$(HOST_ARCH)),$(BENCH_BIN))

deps-check:
	@ARCH=$(ARCH) sh scripts/deps.sh check

deps:
	@ARCH=$(ARCH) sh scripts/deps.sh install

lib: $(LIB) $(REF_LIB)
$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(REF_LIB): $(REF_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Only kernels/<isa>/ files get their ISA's -m flags: the rest is baseline, so
# one binary runs everywhere and dispatches at run time. (make picks the
# pattern with the shortest stem: the most specific folder.)
$(BUILD)/obj/reference/%.o: reference/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REF_FLAGS) $(INC_REFERENCE) -c $< -o $@
$(BUILD)/obj/core/%.o: core/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_CORE) -c $< -o $@
$(BUILD)/obj/kernels/%.o: kernels/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_KERNELS) -c $< -o $@
$(BUILD)/obj/kernels/avx2/%.o: kernels/avx2/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_KERNELS) $(AVX2_FLAGS) -c $< -o $@
$(BUILD)/obj/kernels/avx512/%.o: kernels/avx512/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_KERNELS) $(AVX512_FLAGS) -c $< -o $@
$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_PROGRAMS) -c $< -o $@

# Header dependencies, as the compiler saw them (-MMD); and the Makefile, whose
# flags every object is built with.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

tests: $(TEST_BIN)
$(BUILD)/tests/%: tests/%.c $(LIB) $(REF_LIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(INC_TESTS) $< -o $@ $(LIBS_OURS) $(LIBS) $(LDFLAGS_BASE)

CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/obj/%.o)
$(CONF_BIN): $(CONF_OBJ) $(LIB) $(REF_LIB)
	$(CC) $(CONF_OBJ) -o $@ $(LIBS_OURS) $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE)

TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
$(TOOL_BIN): $(TOOL_OBJ) $(LIB) $(REF_LIB)
	$(CC) $(TOOL_OBJ) -o $@ $(LIBS_OURS) $(LIBS) $(LDFLAGS_BASE)

BENCH_OBJ := $(BENCH_C:%.c=$(BUILD)/obj/%.o) $(BENCH_CC:%.cc=$(BUILD)/obj/%.o)
$(BUILD)/obj/bench/%.o: bench/%.cc Makefile
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_BASE) $(INC_PROGRAMS) -c $< -o $@
$(BENCH_BIN): $(BENCH_OBJ) $(LIB) $(REF_LIB)
	$(CXX) $(BENCH_OBJ) -o $@ $(LIBS_OURS) -lbenchmark $(DNNL_LIBS) $(LIBS) $(LDFLAGS_BASE)

# Every test binary, then the quick conformance matrix; one summary line.
test: all
	@RUN="$(RUN)" BUILD=$(BUILD) sh scripts/run_tests.sh

clean:
	rm -rf build build-aarch64

# ---- the main jobs (each owned by its directory's scripts) ----
.PHONY: conformance conformance-quick golden bench bench-compare plots
# Full conformance matrix on every kernel table this CPU runs. ARGS passes runner flags.
conformance: all
	$(RUN) $(CONF_BIN) $(ARGS)
conformance-quick: all
	$(RUN) $(CONF_BIN) --quick $(ARGS)
# Rewrites conformance/golden.txt from the reference and prints what changed: an explicit act.
golden: all
	$(RUN) $(CONF_BIN) --write-golden conformance/golden.txt $(ARGS)

CPU ?=
SET ?=
bench: deps-check lib $(BENCH_BIN)
	@BUILD=$(BUILD) RUN="$(RUN)" CPU="$(CPU)" SET="$(SET)" sh bench/run.sh
bench-compare: deps-check lib $(BENCH_BIN)
	@BUILD=$(BUILD) RUN="$(RUN)" CPU="$(CPU)" SET="$(SET)" sh bench/compare.sh
plots:
	@sh bench/plots.sh

# ---- reliability: sanitizers, fuzzing, memcheck (issue 10; scripts/*.sh say more) ----
.PHONY: sanitize fuzz valgrind
# The fuzz replay test compiles these parsers in: rebuild it when they change.
$(BUILD)/tests/test_fuzz_replay: conformance/case.c conformance/golden.c \
  examples/charlm/charlm_model.c fuzz/targets.c $(wildcard fuzz/*.h)
$(BUILD)/tests/test_hostile: examples/charlm/charlm_model.c
$(BUILD)/tests/test_bench_shim: bench/problem.c bench/sweep.c $(wildcard bench/*.h)
# ASan+UBSan (build-san/): unit tests, quick conformance on every table, CLI
# tests; then test_concurrency and test_threads under ThreadSanitizer (build-tsan/).
sanitize:
	@sh scripts/sanitize.sh
# libFuzzer (clang, build-fuzz/): each target FUZZ_SECONDS from fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh
# memcheck over the quick unit tests and a generic-table conformance subset.
valgrind: all
	@BUILD=$(BUILD) sh scripts/valgrind.sh
