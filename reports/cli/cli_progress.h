/* cli_progress.h -- progress of a long command on stderr.
 *
 * `fmcheck check`, `report` and `validate-schedule` run for seconds to
 * minutes.  Nothing is shown during the first FM_PROGRESS_AFTER seconds (a
 * quick run stays silent).  After that:
 *   - on a terminal, one status line redrawn in place
 *     ("[k/n] what  40%  (12 s)") and erased when the command finishes;
 *   - elsewhere (a CI log, a pipe), whole lines prefixed "fmcheck <cmd>:",
 *     at most one every FM_PROGRESS_EVERY seconds, so a log shows what is
 *     running and how far without being flooded.
 * stdout (the results) is never touched. */
#ifndef FM_CLI_PROGRESS_H
#define FM_CLI_PROGRESS_H

#include <stddef.h>

#define FM_PROGRESS_AFTER 1.5
#define FM_PROGRESS_EVERY 10.0

typedef struct {
  const char *cmd;   /* "report", ... (names the lines off a terminal) */
  int tty;           /* stderr is a terminal */
  double t0;         /* start (monotonic seconds) */
  double last;       /* time of the last line written (off a terminal) */
  int shown;         /* a terminal status line is on screen */
} fm_cli_progress;

/* Monotonic clock in seconds. */
double fm_cli_now(void);

void fm_cli_progress_init(fm_cli_progress *p, const char *cmd);

/* Unit k (0-based) of n is running: `what`; frac in [0, 1] is how far it is,
 * or negative when the unit has no inner progress. */
void fm_cli_progress_show(fm_cli_progress *p, size_t k, size_t n, const char *what,
                          double frac);

/* Erase the terminal status line, if one is shown. */
void fm_cli_progress_done(fm_cli_progress *p);

#endif
