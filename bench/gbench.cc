// gbench.cc — the C face of bench/gbench.h on Google Benchmark 1.7.1.
// The only C++ in rnnsimd: it owns the C++ types so that no C file sees them.
#include "gbench.h"

#include <benchmark/benchmark.h>
#include <regex.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

struct gbench_state {
    benchmark::State *st;
    bool started = false, stopped = false, errored = false;
    std::string error; // the message of gbench_skip_with_error
    std::chrono::steady_clock::time_point t0, pause_t0;
    double paused = 0.0, elapsed = 0.0;
};

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t)
{
    return std::chrono::duration<double>(clock_type::now() - t).count();
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

// Google Benchmark's full instance name of a def: the name its filter reads.
std::string full_name(const gbench_def *def)
{
    std::string n = def->name;
    char buf[64];
    if (def->min_time > 0) {
        snprintf(buf, sizeof buf, "/min_time:%0.3f", def->min_time);
        n += buf;
    }
    if (def->iterations > 0) {
        snprintf(buf, sizeof buf, "/iterations:%lld", static_cast<long long>(def->iterations));
        n += buf;
    }
    if (def->repetitions > 0) {
        snprintf(buf, sizeof buf, "/repeats:%d", def->repetitions);
        n += buf;
    }
    return n + "/real_time";
}

// ---- progress: one entry per registered benchmark, in registration order ----
struct row_progress {
    std::string name, full;
    std::string error; // the first error of a repetition, or empty
    int reps = 1, done = 0;
    double est = 0.0, min_time = 0.0;
    bool fixed_iters = false, selected = true;
};

struct progress_state {
    std::vector<row_progress> rows;
    int total = 0, done = 0;
    double est_total = 0.0, est_done = 0.0;
    double default_min_time = 0.5; // Google Benchmark's default
    bool bar = false, bar_shown = false, stdout_tty = false;
    clock_type::time_point t0, last;
    bool started = false;
    const row_progress *latest = nullptr; // the row of the latest line
    std::set<std::string> errored;        // rows a repetition of which failed
    std::string first_error;              // "row: message" of the first
};
progress_state g_prog;

std::string mmss(double s)
{
    if (!(s >= 0) || s > 359999)
        return "--:--";
    long t = static_cast<long>(s + 0.5);
    char buf[32];
    if (t >= 3600)
        snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
    return buf;
}

void clear_bar()
{
    if (g_prog.bar && g_prog.bar_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        g_prog.bar_shown = false;
    }
}

void print_progress(const row_progress &r, bool force)
{
    g_prog.latest = &r;
    const double elapsed = seconds_since(g_prog.t0);
    if (!g_prog.bar && !force && seconds_since(g_prog.last) < 10.0)
        return;
    g_prog.last = clock_type::now();
    double eta = g_prog.est_done > 0
                     ? elapsed * (g_prog.est_total - g_prog.est_done) / g_prog.est_done
                     : g_prog.est_total - elapsed;
    if (g_prog.done >= g_prog.total)
        eta = 0;
    std::string line = "[" + std::to_string(g_prog.done) + "/" + std::to_string(g_prog.total) +
                       "] " + r.name + "  eta " + mmss(eta > 0 ? eta : 0);
    if (g_prog.bar) {
        fprintf(stderr, "\r\033[K%s", line.c_str());
        g_prog.bar_shown = true;
        if (g_prog.done >= g_prog.total) {
            fputc('\n', stderr);
            g_prog.bar_shown = false;
        }
    } else {
        fprintf(stderr, "%s\n", line.c_str());
    }
    fflush(stderr);
}

// Called after every call of a benchmark's function. Google Benchmark 1.7.1
// (benchmark_runner.cc) keeps a call's result as a repetition when it has an
// explicit iteration count, an error, 1e9 iterations, or ran min_time
// seconds, and runs each later repetition of that benchmark in one call at
// the count the first one settled on; the same rule counts repetitions here.
void account_call(row_progress &r, const gbench_state &s)
{
    if (!g_prog.started || !r.selected)
        return;
    const double min_time = r.min_time > 0 ? r.min_time : g_prog.default_min_time;
    const bool kept = r.fixed_iters || s.errored || r.done > 0 || s.elapsed >= min_time ||
                      gbench_iterations(&s) >= 1000000000;
    if (!kept || r.done >= r.reps)
        return;
    r.done++;
    g_prog.done++;
    g_prog.est_done += r.est / r.reps;
    print_progress(r, g_prog.done >= g_prog.total);
}

// Forwards to Google Benchmark's own display reporter; marks a benchmark done
// when its results arrive (correcting the count above if it ever missed a
// repetition) and keeps the status line of a terminal below the results.
class progress_reporter : public benchmark::BenchmarkReporter {
  public:
    explicit progress_reporter(benchmark::BenchmarkReporter *inner) : inner_(inner) {}
    bool ReportContext(const Context &context) override
    {
        return inner_->ReportContext(context);
    }
    void ReportRuns(const std::vector<Run> &reports) override
    {
        if (g_prog.stdout_tty)
            clear_bar();
        inner_->ReportRuns(reports);
        fflush(stdout);
        for (const Run &run : reports)
            if (run.error_occurred && run.run_type == Run::RT_Iteration) {
                if (g_prog.errored.empty())
                    g_prog.first_error = run.run_name.function_name + ": " + run.error_message;
                g_prog.errored.insert(run.run_name.function_name);
            }
        if (reports.empty())
            return;
        const std::string &name = reports[0].run_name.function_name;
        for (row_progress &r : g_prog.rows)
            if (r.selected && r.done < r.reps && r.name == name) {
                g_prog.done += r.reps - r.done;
                g_prog.est_done += r.est * (r.reps - r.done) / r.reps;
                r.done = r.reps;
                print_progress(r, g_prog.done >= g_prog.total);
                return;
            }
        if (g_prog.bar && g_prog.stdout_tty && g_prog.latest) // redraw below the results
            print_progress(*g_prog.latest, true);
    }
    void Finalize() override
    {
        clear_bar();
        inner_->Finalize();
    }

  private:
    benchmark::BenchmarkReporter *inner_;
};

// The --benchmark_min_time Google Benchmark will apply: the last such flag,
// else its environment variable, else its default.
double min_time_from(int argc, char **argv)
{
    double t = 0.5;
    if (const char *e = getenv("BENCHMARK_MIN_TIME"))
        t = atof(e);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--benchmark_min_time=", 21))
            t = atof(argv[i] + 21);
    return t > 0 ? t : 0.5;
}

// 1 if --benchmark_filter selects this full name, 0 if not, -1 if the
// filter is not an expression (said on stderr when loud). Google Benchmark
// 1.7.1 searches a POSIX extended expression (std::regex::extended); regcomp
// with REG_EXTENDED is the same language.
int filter_selects(const std::string &full, bool loud)
{
    std::string spec = benchmark::GetBenchmarkFilter();
    if (spec.empty() || spec == "all")
        spec = ".";
    bool negative = false;
    if (spec[0] == '-') {
        spec.erase(0, 1);
        negative = true;
    }
    regex_t re;
    int rc = regcomp(&re, spec.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char why[128];
        regerror(rc, &re, why, sizeof why);
        if (loud)
            fprintf(stderr, "rnnsimd-bench: --benchmark_filter=%s is not a regular expression (%s)\n",
                    benchmark::GetBenchmarkFilter().c_str(), why);
        return -1;
    }
    const bool hit = regexec(&re, full.c_str(), 0, nullptr, 0) == 0;
    regfree(&re);
    return hit != negative;
}

}  // namespace

extern "C" int gbench_register(const gbench_def *def)
{
    if (!def || !def->name || !def->fn)
        return -1;
    gbench_fn fn = def->fn;
    void *user = def->user;
    const size_t index = g_prog.rows.size();
    row_progress r;
    r.name = def->name;
    r.full = full_name(def);
    r.reps = def->repetitions > 0 ? def->repetitions : 1;
    r.est = def->est_seconds > 0 ? def->est_seconds : 0.0;
    r.min_time = def->min_time;
    r.fixed_iters = def->iterations > 0;
    g_prog.rows.push_back(r);
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        def->name, [fn, user, index](benchmark::State &st) {
            gbench_state s;
            s.st = &st;
            row_progress &r = g_prog.rows[index];
            // Once a repetition ended in an error, the later ones end in it
            // too, without a call: Google Benchmark 1.7.1 (ComputeStats)
            // crashes aggregating a benchmark whose first repetition errored
            // and two or more later ones did not (google/benchmark#1406).
            if (!r.error.empty()) {
                s.errored = true;
                st.SkipWithError(("an earlier repetition ended in an error: " + r.error).c_str());
                while (st.KeepRunning()) {
                }
            } else {
                fn(&s, user);
                if (s.errored)
                    r.error = s.error;
            }
            account_call(r, s);
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
    s->errored = true;
    if (s->error.empty())
        s->error = message ? message : "";
    s->st->SkipWithError(message);
}

extern "C" void gbench_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

extern "C" int gbench_init(int *argc, char **argv)
{
    g_prog.default_min_time = min_time_from(*argc, argv);
    benchmark::Initialize(argc, argv);
    return benchmark::ReportUnrecognizedArguments(*argc, argv) ? 2 : 0;
}

extern "C" int gbench_selected(const gbench_def *def)
{
    return filter_selects(full_name(def), true);
}

extern "C" int gbench_run(void)
{
    for (row_progress &r : g_prog.rows) {
        r.selected = filter_selects(r.full, false) == 1;
        if (r.selected) {
            g_prog.total += r.reps;
            g_prog.est_total += r.est;
        }
    }
    g_prog.bar = isatty(STDERR_FILENO);
    g_prog.stdout_tty = isatty(STDOUT_FILENO);
    // The first repetition gets a line at once; later ones every 10 s.
    g_prog.t0 = clock_type::now();
    g_prog.last = g_prog.t0 - std::chrono::seconds(20);
    g_prog.started = true;
    progress_reporter display(benchmark::CreateDefaultDisplayReporter());
    size_t ran = benchmark::RunSpecifiedBenchmarks(&display);
    clear_bar();
    benchmark::Shutdown();
    // A failed row stays in the output, marked (the regression gate fails
    // it); the end of a long run says how many there were.
    if (!g_prog.errored.empty())
        fprintf(stderr, "rnnsimd-bench: %zu of %zu rows ended in an error, kept in the output as "
                        "such; the first: %s\n",
                g_prog.errored.size(), ran, g_prog.first_error.c_str());
    return ran > 0 ? 0 : 1;
}

extern "C" size_t gbench_errored(void)
{
    return g_prog.errored.size();
}

extern "C" int gbench_main(int argc, char **argv)
{
    int rc = gbench_init(&argc, argv);
    return rc ? rc : gbench_run();
}
