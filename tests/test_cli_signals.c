/* test_cli_signals.c -- SIGINT/SIGTERM while a command writes its output
 * leave no partial output: the temporary file is removed, the destination
 * is as it was (or, for train's checkpoints, a complete model), and the
 * process dies by the signal (reports/cli/cli_signal.h).  `report --out`
 * has the same test in test_report.c.
 *
 * The window in which a temporary file exists is caught by polling the
 * directory for it, then sending the signal: sample writes 2e6 rows (tens
 * of MB, most of a second); train --save-every 1 checkpoints at every
 * step. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>

#include "fm_test_cli.h"
#include "fm_test_tmp.h"

/* Start $FMCHECK args with stdout and stderr to /dev/null. */
static pid_t fm_test_spawn(const char *const *args)
{
  const char *exe = getenv("FMCHECK");
  cr_assert_not_null(exe, "$FMCHECK is not set");
  const char *argv[64];
  size_t n = 0;
  argv[n++] = exe;
  for (; args[n - 1] != NULL && n < 63; n++)
    argv[n] = args[n - 1];
  argv[n] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  cr_assert_eq(rc, 0, "posix_spawn: %s", strerror(rc));
  return pid;
}

/* Entries of dir whose name contains ".tmp". */
static size_t fm_test_tmp_entries(const char *dir)
{
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "%s", dir);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strstr(de->d_name, ".tmp") != NULL) {
      n++;
      if (getenv("FM_TEST_VERBOSE"))
        fprintf(stderr, "tmp entry %s/%s\n", dir, de->d_name);
    }
  closedir(d);
  return n;
}

/* Wait (up to limit s) until a temporary file appears in dir while pid
 * runs; 1 when it did, 0 when pid ended first or time ran out. */
static int fm_test_wait_tmp(const char *dir, pid_t pid, double limit)
{
  struct timespec ts = {0, 200000}, t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    if (fm_test_tmp_entries(dir) > 0)
      return 1;
    if (waitpid(pid, NULL, WNOHANG) != 0)
      return 0;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec) > limit)
      return 0;
    nanosleep(&ts, NULL);
  }
}

static void fm_test_spit_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

static char *fm_test_slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void fm_test_dies_by(pid_t pid, int sig)
{
  int ws;
  cr_assert_eq(waitpid(pid, &ws, 0), pid);
  cr_expect(WIFSIGNALED(ws) && WTERMSIG(ws) == sig, "expected death by signal %d, status %d",
            sig, ws);
}

/* A tiny model of gauss1d-cond_ot at dir/m.fmm. */
static void fm_test_tiny_model(char *model, size_t n, const char *dir)
{
  fm_test_tmppath(model, n, dir, "m.fmm");
  const char *a[] = {"train", "--case", "gauss1d-cond_ot", "--steps", "2", "--width", "4",
                     "--depth", "1", "--heldout", "16", "--batch", "4", "--out", model, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0);
  cr_assert_eq(r.status, 0, "%s", r.err);
  fm_cli_result_free(&r);
}

Test(cli_signals, sample_out_interrupted_while_writing_leaves_no_temp_and_the_old_file)
{
  static const int sigs[] = {SIGTERM, SIGINT};
  char dir[256], model[300], out[300];
  fm_test_tmpdir(dir, sizeof dir, "sig");
  fm_test_tiny_model(model, sizeof model, dir);
  fm_test_tmppath(out, sizeof out, dir, "s.csv");
  for (int k = 0; k < 2; k++) {
    fm_test_spit_text(out, "x[0]\nold\n");
    const char *a[] = {"sample", "--model", model, "--n", "2000000", "--solver", "euler",
                       "--steps", "1", "--out", out, NULL};
    pid_t pid = fm_test_spawn(a);
    int seen = fm_test_wait_tmp(dir, pid, 60.0);
    cr_assert(seen, "no temporary file seen while sample ran");
    cr_assert_eq(kill(pid, sigs[k]), 0);
    fm_test_dies_by(pid, sigs[k]);
    cr_expect_eq(fm_test_tmp_entries(dir), 0, "signal %d left a temporary file", sigs[k]);
    char *now = fm_test_slurp(out);
    cr_expect_str_eq(now, "x[0]\nold\n", "signal %d changed the destination", sigs[k]);
    free(now);
  }
  fm_test_tmpdir_remove(dir);
}

Test(cli_signals, train_out_interrupted_at_a_checkpoint_leaves_a_whole_model_and_no_temp)
{
  char dir[256], model[300], out[300];
  fm_test_tmpdir(dir, sizeof dir, "sig");
  fm_test_tiny_model(model, sizeof model, dir);
  fm_test_tmppath(out, sizeof out, dir, "t.fmm");
  for (int k = 0; k < 3; k++) {
    fm_test_spit_text(out, "old");
    const char *a[] = {"train", "--case", "gauss1d-cond_ot", "--steps", "100000", "--width",
                       "4", "--depth", "1", "--heldout", "16", "--batch", "4",
                       "--save-every", "1", "--out", out, NULL};
    pid_t pid = fm_test_spawn(a);
    int seen = fm_test_wait_tmp(dir, pid, 60.0);
    cr_assert(seen, "no temporary file seen while train checkpointed");
    cr_assert_eq(kill(pid, k == 1 ? SIGINT : SIGTERM), 0);
    fm_test_dies_by(pid, k == 1 ? SIGINT : SIGTERM);
    cr_expect_eq(fm_test_tmp_entries(dir), 0, "run %d left a temporary file", k);
    /* the destination is the old file or a complete checkpoint */
    char *now = fm_test_slurp(out);
    if (strcmp(now, "old") != 0) {
      const char *b[] = {"sample", "--model", out, "--n", "2", NULL};
      fm_cli_result r;
      cr_assert_eq(fm_cli_run(&r, b), 0);
      cr_expect_eq(r.status, 0, "the checkpoint left by run %d does not load: %s", k, r.err);
      fm_cli_result_free(&r);
    }
    free(now);
  }
  fm_test_tmpdir_remove(dir);
}

Test(cli_signals, check_json_interrupted_leaves_the_old_file_and_no_temp)
{
  char dir[256], out[300];
  fm_test_tmpdir(dir, sizeof dir, "sig");
  fm_test_tmppath(out, sizeof out, dir, "c.json");
  fm_test_spit_text(out, "{\"old\": true}\n");
  const char *a[] = {"check", "--case", "ring8-cond_ot", "--json", out, NULL};
  pid_t pid = fm_test_spawn(a);
  struct timespec ts = {0, 800000000};
  nanosleep(&ts, NULL);
  cr_assert_eq(kill(pid, SIGINT), 0);
  fm_test_dies_by(pid, SIGINT);
  cr_expect_eq(fm_test_tmp_entries(dir), 0);
  char *now = fm_test_slurp(out);
  cr_expect_str_eq(now, "{\"old\": true}\n");
  free(now);
  fm_test_tmpdir_remove(dir);
}
