/* cli_signal.c -- temporary outputs removed on SIGINT/SIGTERM/SIGHUP
 * (cli_signal.h). */
#include "cli_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#define FM_CLI_TMP_SLOTS 8
#define FM_CLI_TMP_PATH 4096

static char fm_cli_tmp_path[FM_CLI_TMP_SLOTS][FM_CLI_TMP_PATH];
static volatile sig_atomic_t fm_cli_tmp_used[FM_CLI_TMP_SLOTS];

static const int fm_cli_signals[] = {SIGINT, SIGTERM, SIGHUP};

/* Async-signal-safe only: unlink, sigaction, raise. */
static void fm_cli_on_signal(int sig)
{
  for (int i = 0; i < FM_CLI_TMP_SLOTS; i++)
    if (fm_cli_tmp_used[i])
      unlink(fm_cli_tmp_path[i]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  raise(sig); /* delivered when the handler returns: the process dies by it */
}

void fm_cli_signals_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fm_cli_on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof fm_cli_signals / sizeof fm_cli_signals[0]; i++)
    sigaddset(&sa.sa_mask, fm_cli_signals[i]);
  for (size_t i = 0; i < sizeof fm_cli_signals / sizeof fm_cli_signals[0]; i++) {
    struct sigaction old;
    /* a signal ignored by whoever started us (nohup) stays ignored */
    if (sigaction(fm_cli_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    sigaction(fm_cli_signals[i], &sa, NULL);
  }
}

int fm_cli_tmp_create(char *tmpl, int *slot)
{
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static uint64_t state = 0;
  size_t n = strlen(tmpl);
  *slot = -1;
  if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
    errno = EINVAL;
    return -1;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  state ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid() << 32 ^
           (uint64_t)ts.tv_sec;
  for (int tries = 0; tries < 1000; tries++) {
    for (size_t i = n - 6; i < n; i++) {
      state ^= state << 13; /* xorshift64: names, not secrets; O_EXCL decides */
      state ^= state >> 7;
      state ^= state << 17;
      tmpl[i] = abc[state % (sizeof abc - 1)];
    }
    struct stat sb;
    if (lstat(tmpl, &sb) == 0)
      continue; /* never register a name someone else holds */
    *slot = fm_cli_tmp_register(tmpl);
    int fd = open(tmpl, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0)
      return fd;
    int err = errno;
    fm_cli_tmp_unregister(*slot);
    *slot = -1;
    if (err != EEXIST) {
      errno = err;
      return -1;
    }
  }
  errno = EEXIST;
  return -1;
}

int fm_cli_tmp_register(const char *path)
{
  if (strlen(path) >= FM_CLI_TMP_PATH)
    return -1;
  for (int i = 0; i < FM_CLI_TMP_SLOTS; i++)
    if (!fm_cli_tmp_used[i]) {
      strcpy(fm_cli_tmp_path[i], path);
      fm_cli_tmp_used[i] = 1;
      return i;
    }
  return -1;
}

void fm_cli_tmp_unregister(int slot)
{
  if (slot >= 0 && slot < FM_CLI_TMP_SLOTS)
    fm_cli_tmp_used[slot] = 0;
}

void fm_cli_tmp_begin(sigset_t *old)
{
  sigset_t s;
  sigemptyset(&s);
  for (size_t i = 0; i < sizeof fm_cli_signals / sizeof fm_cli_signals[0]; i++)
    sigaddset(&s, fm_cli_signals[i]);
  pthread_sigmask(SIG_BLOCK, &s, old);
}

void fm_cli_tmp_end(const sigset_t *old)
{
  pthread_sigmask(SIG_SETMASK, old, NULL);
}
