// gbench.cc — the C face of bench/gbench.h on Google Benchmark 1.7.1.
// The only C++ in rnnsimd: it owns the C++ types so that no C file sees them.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

struct gbench_state {
    benchmark::State *st;
    bool started = false, stopped = false;
    std::chrono::steady_clock::time_point t0, pause_t0;
    double paused = 0.0, elapsed = 0.0;
};

namespace {

double seconds_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

benchmark::TimeUnit to_unit(gbench_unit u)
{
    switch (u) {
    case GBENCH_US: return benchmark::kMicrosecond;
    case GBENCH_MS: return benchmark::kMillisecond;
    case GBENCH_S: return benchmark::kSecond;
    default: return benchmark::kNanosecond;
    }
}

}  // namespace

extern "C" int gbench_register(const gbench_def *def)
{
    if (!def || !def->name || !def->fn)
        return -1;
    gbench_fn fn = def->fn;
    void *user = def->user;
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        def->name, [fn, user](benchmark::State &st) {
            gbench_state s;
            s.st = &st;
            fn(&s, user);
        });
    b->UseRealTime();
    b->Unit(to_unit(def->unit));
    if (def->repetitions > 0)
        b->Repetitions(def->repetitions);
    // Google Benchmark forbids both: a fixed count wins over a minimum time.
    if (def->iterations > 0)
        b->Iterations(def->iterations);
    else if (def->min_time > 0)
        b->MinTime(def->min_time);
    return 0;
}

extern "C" bool gbench_keep_running(gbench_state *s, int64_t batch)
{
    if (!s->started) {
        s->started = true;
        s->t0 = std::chrono::steady_clock::now();
    }
    if (s->st->KeepRunningBatch(batch < 1 ? 1 : batch))
        return true;
    if (!s->stopped) {
        s->stopped = true;
        s->elapsed = seconds_since(s->t0) - s->paused;
    }
    return false;
}

extern "C" void gbench_pause_timing(gbench_state *s)
{
    s->st->PauseTiming();
    s->pause_t0 = std::chrono::steady_clock::now();
}

extern "C" void gbench_resume_timing(gbench_state *s)
{
    s->paused += seconds_since(s->pause_t0);
    s->st->ResumeTiming();
}

extern "C" int64_t gbench_iterations(const gbench_state *s)
{
    return static_cast<int64_t>(s->st->iterations());
}

extern "C" double gbench_elapsed_seconds(const gbench_state *s)
{
    return s->elapsed;
}

extern "C" void gbench_set_counter(gbench_state *s, const char *name, double value, int flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & GBENCH_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & GBENCH_COUNTER_PER_ITERATION)
        f |= benchmark::Counter::kIsIterationInvariant;
    if (flags & GBENCH_COUNTER_AVG_ITERATIONS)
        f |= benchmark::Counter::kAvgIterations;
    s->st->counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

extern "C" void gbench_set_label(gbench_state *s, const char *label)
{
    s->st->SetLabel(label);
}

extern "C" void gbench_skip_with_error(gbench_state *s, const char *message)
{
    s->st->SkipWithError(message);
}

extern "C" void gbench_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

extern "C" int gbench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return ran > 0 ? 0 : 1;
}
