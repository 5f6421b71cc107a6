/* test_fuzz_replay.c — replays every committed fuzz input (the starting corpora
 * under fuzz/corpus/<target>/ and the crashes found and fixed, kept under
 * fuzz/regressions/<target>/) through the fuzz targets of fuzz/targets.h,
 * so `make test` guards them with gcc and no libFuzzer; under `make
 * sanitize` and `make valgrind` the same calls are checked for memory errors.
 *
 * The Makefile links a test from its one source and the library; the case
 * line, golden and model-file parsers live outside the library, so their
 * sources are compiled in here. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "../conformance/case.c"
#include "../conformance/golden.c"
#include "../examples/charlm/charlm_model.c"
#include "../fuzz/targets.c"

/* The source tree: RNNSIMD_SRC, the current directory, or two levels above
 * the binary (build/tests/). */
static void find_root(const char *argv0, char *root, size_t len)
{
    const char *env = getenv("RNNSIMD_SRC");
    struct stat sb;
    if (env && *env) {
        snprintf(root, len, "%s", env);
        return;
    }
    if (stat("fuzz/corpus", &sb) == 0) {
        snprintf(root, len, ".");
        return;
    }
    snprintf(root, len, "%s", argv0);
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(root, '/');
        if (!slash) {
            snprintf(root, len, ".");
            return;
        }
        *slash = '\0';
    }
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *nb = realloc(buf, cap *= 2);
        if (!nb) {
            free(buf);
            buf = NULL;
        } else
            buf = nb;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs target t on every regular file of dir; returns how many. */
static int replay_dir(const fuzz_target *t, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), files = 0;
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char path[1024];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
            strcmp(names[i]->d_name, "README") != 0) {
            size_t len = 0;
            unsigned char *buf = read_all(path, &len);
            CHECK(buf != NULL, "%s: cannot read", path);
            if (buf) {
                const char *why = t->run(buf, len);
                CHECK(why == NULL, "fuzz %s: %s: %s", t->name, path, why);
                free(buf);
            }
            files++;
        }
        free(names[i]);
    }
    free(names);
    return files;
}

int main(int argc, char **argv)
{
    (void)argc;
    char root[900];
    find_root(argv[0], root, sizeof root);
    for (const fuzz_target *t = fuzz_targets; t->name; t++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", root, t->name);
        int seeds = replay_dir(t, dir);
        CHECK(seeds > 0, "%s: no seed corpus (%d files)", dir, seeds);
        snprintf(dir, sizeof dir, "%s/fuzz/regressions/%s", root, t->name);
        int regressions = replay_dir(t, dir);
        CHECK(regressions >= 0, "%s: missing", dir);
        printf("fuzz target %-13s %3d seeds, %2d regression inputs replayed\n", t->name, seeds,
               regressions);
    }
    return check_summary();
}
