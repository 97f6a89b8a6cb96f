/* test_cli_write_errors.c -- output that cannot be written is an error: no
 * command exits 0 with its output lost, and --out / --json never replace a
 * device or a FIFO by renaming a file over it (README.md).
 *
 * The full device is a private node (mknod DIR/full c 1 7, the kernel's
 * full device: every write fails with ENOSPC) in a temporary directory, so
 * the test cannot disturb the system's /dev/full. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "fm_test_cli.h"
#include "fm_test_tmp.h"

static fm_cli_result run(const char *const *args)
{
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0, "could not run $FMCHECK");
  return r;
}

/* `field --case gauss1d-cond_ot --points P --out out`, P a temporary file
 * holding csv (removed again). */
static fm_cli_result run_field_out(const char *csv, const char *out)
{
  char *pts = fm_cli_tempfile(csv, ".csv");
  cr_assert_not_null(pts);
  const char *a[] = {"field", "--case", "gauss1d-cond_ot", "--points", pts, "--out", out, NULL};
  fm_cli_result r = run(a);
  remove(pts);
  free(pts);
  return r;
}

/* Like fm_cli_run, with standard output opened on path instead of a pipe. */
static fm_cli_result run_stdout_to(const char *path, const char *const *args)
{
  const char *exe = getenv("FMCHECK");
  cr_assert_not_null(exe, "$FMCHECK is not set");
  const char *argv[64];
  size_t n = 0;
  argv[n++] = exe;
  for (; args[n - 1] != NULL && n < 63; n++)
    argv[n] = args[n - 1];
  argv[n] = NULL;
  int pe[2];
  cr_assert_eq(pipe(pe), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  posix_spawn_file_actions_addclose(&fa, pe[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pe[1]);
  cr_assert_eq(rc, 0, "posix_spawn: %s", strerror(rc));
  fm_cli_result r = {0, calloc(1, 1), calloc(1, 1)};
  size_t len = 0;
  while (fm_cli_append(&r.err, &len, pe[0]))
    ;
  close(pe[0]);
  int ws;
  waitpid(pid, &ws, 0);
  r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return r;
}

/* A fresh directory holding `full`, a character device that refuses every
 * write.  Without the privilege to make device nodes the tests skip, and
 * say why; any other failure fails them. */
static void fresh_full_device(char *dir, char *full, size_t len)
{
  fm_test_tmpdir(dir, len, "wr");
  fm_test_tmppath(full, len, dir, "full");
  if (mknod(full, S_IFCHR | 0666, makedev(1, 7)) != 0) {
    int err = errno;
    rmdir(dir);
    if (err == EPERM)
      cr_skip_test("mknod %s c 1 7: %s (device nodes need CAP_MKNOD)", full, strerror(err));
    cr_assert_fail("mknod %s c 1 7: %s", full, strerror(err));
  }
}

static void assert_char_device(const char *path)
{
  struct stat sb;
  cr_assert_eq(stat(path, &sb), 0, "%s: %s", path, strerror(errno));
  cr_assert(S_ISCHR(sb.st_mode), "%s is no longer a character device (mode %o)", path,
            (unsigned)sb.st_mode);
}

Test(cli_write_errors, check_rows_to_a_full_device_exit_nonzero_with_write_error)
{
  char dir[256], full[300];
  fresh_full_device(dir, full, sizeof dir);
  const char *a[] = {"check", "--case", "gauss1d-cond_ot", "--theorem", "schedule", NULL};
  fm_cli_result r = run_stdout_to(full, a);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "fmcheck: write error on standard output: ") != NULL, "%s", r.err);
  /* --list and --help write to stdout too */
  const char *b[] = {"check", "--list", NULL};
  fm_cli_result s = run_stdout_to(full, b);
  cr_expect_eq(s.status, 2, "check --list: status %d", s.status);
  cr_expect(strstr(s.err, "write error") != NULL, "%s", s.err);
  fm_cli_result_free(&r);
  fm_cli_result_free(&s);
  fm_test_tmpdir_remove(dir);
}

Test(cli_write_errors, train_log_to_a_full_device_exits_nonzero_and_saves_no_model)
{
  char dir[256], full[300], model[300];
  fresh_full_device(dir, full, sizeof dir);
  fm_test_tmppath(model, sizeof model, dir, "m.fmm");
  const char *a[] = {"train", "--case", "gauss1d-cond_ot", "--steps", "8", "--width", "8",
                     "--heldout", "64", "--batch", "16", "--out", model, NULL};
  fm_cli_result r = run_stdout_to(full, a);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "fmcheck: write error on standard output: ") != NULL, "%s", r.err);
  cr_expect_neq(access(model, F_OK), 0, "a model was saved though its log was lost");
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}

Test(cli_write_errors, check_json_to_a_full_device_exits_two_and_keeps_the_device)
{
  char dir[256], full[300];
  fresh_full_device(dir, full, sizeof dir);
  const char *a[] = {"check", "--case", "gauss1d-cond_ot", "--theorem", "schedule", "--json",
                     full, NULL};
  fm_cli_result r = run(a);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "write error") != NULL, "%s", r.err);
  assert_char_device(full);
  const char *keep[] = {"full", NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, keep), 0, "a temporary file was left in %s", dir);
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}

Test(cli_write_errors, field_out_to_a_character_device_leaves_it_a_device)
{
  char dir[256], full[300];
  fresh_full_device(dir, full, sizeof dir);
  fm_cli_result r = run_field_out("0.5,0.1\n0.25,-1.5\n", full);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "write error") != NULL, "%s", r.err);
  assert_char_device(full);
  const char *keep[] = {"full", NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, keep), 0, "a temporary file was left in %s", dir);
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}

/* train and sample follow the same rule as every --out: a full device
 * stays a device, the failure is a write error naming it, exit 2; a .npy
 * output too. */
Test(cli_write_errors, train_and_sample_out_to_a_full_device_leave_it_a_device)
{
  char dir[256], full[300], model[300];
  fresh_full_device(dir, full, sizeof dir);
  const char *a[] = {"train", "--case", "gauss1d-cond_ot", "--steps", "4", "--width", "4",
                     "--depth", "1", "--heldout", "16", "--batch", "4", "--out", full, NULL};
  fm_cli_result r = run(a);
  cr_expect_eq(r.status, 2, "train: status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, full) != NULL && strstr(r.err, "write error") != NULL, "%s", r.err);
  assert_char_device(full);
  fm_cli_result_free(&r);
  fm_test_tmppath(model, sizeof model, dir, "m.fmm");
  a[14] = model;
  r = run(a);
  cr_assert_eq(r.status, 0, "%s", r.err);
  fm_cli_result_free(&r);
  char npy[320];
  snprintf(npy, sizeof npy, "%s.npy", full);
  cr_assert_eq(symlink(full, npy), 0);
  const char *b[] = {"sample", "--model", model, "--n", "20000", "--out", npy, NULL};
  r = run(b);
  cr_expect_eq(r.status, 2, "sample: status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "write error") != NULL, "%s", r.err);
  assert_char_device(full);
  const char *keep[] = {"full", "m.fmm", "full.npy", NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, keep), 0, "a temporary file was left in %s", dir);
  fm_cli_result_free(&r);
  unlink(npy);
  fm_test_tmpdir_remove(dir);
}

/* A full file system during `report` is named as such (the file and
 * ENOSPC), not blamed on the plot driver; nothing is left behind.  The
 * file system is a private 64 KiB tmpfs (skipped without the privilege to
 * mount one). */
Test(cli_write_errors, report_on_a_full_file_system_names_the_file_and_the_error)
{
  char dir[256], out[300];
  fm_test_tmpdir(dir, sizeof dir, "wr");
  if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
    int err = errno;
    rmdir(dir);
    cr_skip_test("mount tmpfs on %s: %s (needs CAP_SYS_ADMIN)", dir, strerror(err));
  }
  fm_test_tmppath(out, sizeof out, dir, "rep");
  const char *a[] = {"report", "--quick", "--no-check", "--sweep", "quad", "--case",
                     "gauss1d-cond_ot", "--out", out, NULL};
  fm_cli_result r = run(a);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "No space left on device") != NULL, "%s", r.err);
  cr_expect(strstr(r.err, "plplot-driver") == NULL, "blamed on the driver: %s", r.err);
  const char *none[] = {NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, none), 0, "something was left in %s", dir);
  fm_cli_result_free(&r);
  cr_expect_eq(umount(dir), 0, "umount %s: %s", dir, strerror(errno));
  fm_test_tmpdir_remove(dir);
}

/* A FIFO is written in place (its reader gets the CSV) and stays a FIFO. */
Test(cli_write_errors, field_out_to_a_fifo_writes_into_it)
{
  char dir[64], fifo[96];
  fm_test_tmpdir(dir, sizeof dir, "wr");
  fm_test_tmpfifo(fifo, sizeof fifo, dir, "fifo");
  /* a reader first, so that the writer's open does not block */
  int rd = open(fifo, O_RDONLY | O_NONBLOCK);
  cr_assert_geq(rd, 0, "open %s: %s", fifo, strerror(errno));
  fm_cli_result r = run_field_out("0.5,0.1\n", fifo);
  cr_expect_eq(r.status, 0, "status %d\n%s", r.status, r.err);
  char buf[4096] = "";
  ssize_t k = read(rd, buf, sizeof buf - 1);
  cr_expect_gt(k, 0, "nothing came through the FIFO");
  if (k > 0)
    buf[k] = '\0';
  cr_expect(strncmp(buf, "t,x[0],u[0]", 11) == 0, "%s", buf);
  struct stat sb;
  cr_expect(stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode), "%s is no longer a FIFO", fifo);
  close(rd);
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}

/* Neither a regular file nor a device or FIFO: refused, left in place. */
Test(cli_write_errors, field_out_to_a_socket_is_refused)
{
  char dir[64];
  fm_test_tmpdir(dir, sizeof dir, "wr");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  fm_test_tmppath(sa.sun_path, sizeof sa.sun_path, dir, "sock");
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0, "bind: %s", strerror(errno));
  fm_cli_result r = run_field_out("0.5,0.1\n", sa.sun_path);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "is a socket; refusing to replace it") != NULL, "%s", r.err);
  struct stat sb;
  cr_expect(stat(sa.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode), "the socket was replaced");
  close(fd);
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}

/* json_dumpf fails part-way (here: the file-size limit, EFBIG, as a full
 * disk gives ENOSPC): exit 2 with the reason, and the previous file is
 * left exactly as it was, with no temporary file beside it. */
Test(cli_write_errors, json_that_cannot_be_written_leaves_the_previous_file)
{
  char dir[64], path[96];
  fm_test_tmpdir(dir, sizeof dir, "wr");
  fm_test_tmppath(path, sizeof path, dir, "out.json");
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("{\"previous\": true}\n", f);
  cr_assert_eq(fclose(f), 0);
  /* inherited by the spawned fmcheck: writes past 2 KB fail with EFBIG
   * instead of killing it with SIGXFSZ */
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit rl = {2048, 2048};
  cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit: %s", strerror(errno));
  const char *a[] = {"check", "--case", "gauss1d-cond_ot", "--theorem", "schedule", "--json",
                     path, NULL};
  fm_cli_result r = run(a);
  cr_expect_eq(r.status, 2, "status %d\n%s", r.status, r.err);
  cr_expect(strstr(r.err, "write error") != NULL, "%s", r.err);
  f = fopen(path, "r");
  char buf[64] = "";
  cr_assert_not_null(f);
  cr_expect_not_null(fgets(buf, sizeof buf, f));
  fclose(f);
  cr_expect_str_eq(buf, "{\"previous\": true}\n", "the previous file was changed");
  const char *keep[] = {"out.json", NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, keep), 0, "a temporary file was left in %s", dir);
  fm_cli_result_free(&r);
  fm_test_tmpdir_remove(dir);
}
