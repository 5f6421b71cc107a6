/* out_file.h — Google Benchmark's --benchmark_out=PATH, written atomically.
 * Google Benchmark writes that file as the run goes; these point it at a
 * temporary file beside PATH and rename it over PATH when the run ends well,
 * so an interrupted or failed run leaves no truncated file (and PATH, if it
 * existed, whole). */
#ifndef RNNSIMD_BENCH_OUT_FILE_H
#define RNNSIMD_BENCH_OUT_FILE_H

/* Rewrites a --benchmark_out=PATH argument of argv (if any) to a temporary
 * path, and removes that temporary file if SIGINT or SIGTERM ends the run.
 * Returns 0, or the program's exit status after a message on stderr: 2 if
 * PATH cannot take the file (rnn_output_path_check: checked before the run)
 * or the temporary name does not fit, 1 if memory ran out checking it. */
int bench_out_begin(int argc, char **argv);
/* After the run: ok renames the temporary file over PATH, else removes it.
 * Returns 0, or -1 (with a message on stderr) if the rename failed. */
int bench_out_end(int ok);

#endif /* RNNSIMD_BENCH_OUT_FILE_H */
