/* cli_progress.c -- progress lines on stderr (policy in cli_progress.h). */
#include "cli_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double fm_cli_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fm_cli_progress_init(fm_cli_progress *p, const char *cmd)
{
  *p = (fm_cli_progress){cmd, isatty(STDERR_FILENO), fm_cli_now(), 0.0, 0};
}

void fm_cli_progress_show(fm_cli_progress *p, size_t k, size_t n, const char *what,
                          double frac)
{
  double now = fm_cli_now(), el = now - p->t0;
  if (el < FM_PROGRESS_AFTER)
    return;
  if (!p->tty) {
    if (p->last > 0.0 && now - p->last < FM_PROGRESS_EVERY)
      return;
    p->last = now;
  }
  char pct[16] = "";
  if (frac >= 0.0)
    snprintf(pct, sizeof pct, " %3.0f%%", 100.0 * frac);
  if (p->tty)
    fprintf(stderr, "\r\033[K[%zu/%zu] %s%s  (%.0f s)", k + 1, n, what, pct, el);
  else
    fprintf(stderr, "fmcheck %s: [%zu/%zu] %s%s  (%.0f s)\n", p->cmd, k + 1, n, what, pct, el);
  fflush(stderr);
  p->shown = p->tty;
}

void fm_cli_progress_done(fm_cli_progress *p)
{
  if (p->shown) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    p->shown = 0;
  }
}
