/* report_plot.c -- the plot of one sweep, through PLplot's cairo devices
 * (pngcairo, svgcairo): log-log axes (semi-log for geometric sweeps), each
 * series' points with +-1 standard-error bars (hollow: left out of the
 * fit), its fitted line over the fitted range, and the expected slope as a
 * dashed line through the middle of the fitted range, so the two slopes can
 * be compared by eye.
 *
 * PLplot is a state machine with global streams: every plot creates its own
 * stream (plmkstrm) and ends it (plend1), so plots never share state.  It
 * can print diagnostics; the command's stdout carries nothing and its
 * stderr shows only our own messages, so both are pointed at /dev/null
 * while PLplot runs (dup/dup2, restored afterwards). */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"

#define FM_PLOT_W 960
#define FM_PLOT_H 720
/* Marker glyphs (UTF-8; the cairo devices render them with the system
 * fonts): used points filled, points left out of the fit hollow. */
#define FM_PLOT_DOT "\u25cf"
#define FM_PLOT_RING "\u25cb"

/* Colour map 0: 0 background (white), 1 ink (black), 2 grey, 3.. series. */
static const int fm_plot_rgb[][3] = {
    {255, 255, 255}, {0, 0, 0},      {150, 150, 150}, {31, 119, 180},
    {255, 127, 14},  {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
};
enum { FM_PLOT_BG, FM_PLOT_INK, FM_PLOT_GREY, FM_PLOT_S0 };

typedef struct {
  int saved[2];
} fm_plot_quiet;

static void fm_plot_quiet_on(fm_plot_quiet *q)
{
  fflush(stdout);
  fflush(stderr);
  int null = open("/dev/null", O_WRONLY);
  for (int i = 0; i < 2; i++) {
    q->saved[i] = dup(1 + i);
    if (null >= 0)
      dup2(null, 1 + i);
  }
  if (null >= 0)
    close(null);
}

static void fm_plot_quiet_off(fm_plot_quiet *q)
{
  fflush(stdout);
  fflush(stderr);
  for (int i = 0; i < 2; i++)
    if (q->saved[i] >= 0) {
      dup2(q->saved[i], 1 + i);
      close(q->saved[i]);
    }
}

/* Coordinates as plotted: log10 x on log axes, x itself on semi-log. */
static double fm_plot_x(const fm_sweep_result *s, double x)
{
  return s->kind->axes == FM_SWEEP_LOGLOG ? log10(x) : x;
}

/* Fitted log err (natural) at x. */
static double fm_plot_fit_lnerr(const fm_sweep_result *s, const fm_sweep_series *se, double x)
{
  double lx = s->kind->axes == FM_SWEEP_LOGLOG ? log(x) : x;
  return se->fit.intercept + se->fit.slope * lx;
}

/* Plot window from every finite point and its error bar. */
static int fm_plot_window(double *w, const fm_sweep_result *s)
{
  w[0] = w[2] = INFINITY;
  w[1] = w[3] = -INFINITY;
  for (size_t i = 0; i < s->nseries; i++)
    for (size_t j = 0; j < s->s[i].n; j++) {
      const fm_sweep_point *p = &s->s[i].pt[j];
      if (!(p->err > 0.0) || !isfinite(p->err) || !(p->x > 0.0))
        continue;
      double x = fm_plot_x(s, p->x), y = log10(p->err);
      w[0] = fmin(w[0], x);
      w[1] = fmax(w[1], x);
      w[2] = fmin(w[2], y - (p->se > 0.0 && p->se < p->err ? -log10(1.0 - p->se / p->err) : 0));
      w[3] = fmax(w[3], y + (p->se > 0.0 ? log10(1.0 + p->se / p->err) : 0.0));
    }
  if (!isfinite(w[0]))
    return -1;
  double dx = fmax(w[1] - w[0], 0.5) * 0.06, dy = fmax(w[3] - w[2], 1.0) * 0.08;
  w[0] -= dx;
  w[1] += dx;
  w[2] -= dy;
  w[3] += 3.5 * dy; /* room for the legend above the data */
  /* Log axes are labelled at powers of ten only: reach the next ones so
   * that every axis carries at least two labels. */
  if (s->kind->axes == FM_SWEEP_LOGLOG) {
    w[0] = floor(w[0]);
    w[1] = ceil(w[1]);
  }
  w[2] = floor(w[2]);
  w[3] = ceil(w[3]);
  return 0;
}

static void fm_plot_points(const fm_sweep_result *s, const fm_sweep_series *se, int col)
{
  for (size_t j = 0; j < se->n; j++) {
    const fm_sweep_point *p = &se->pt[j];
    if (!(p->err > 0.0) || !isfinite(p->err) || !(p->x > 0.0))
      continue;
    PLFLT x = fm_plot_x(s, p->x), y = log10(p->err);
    plcol0(p->used ? col : FM_PLOT_GREY);
    if (p->se > 0.0) {
      PLFLT lo = log10(fmax(p->err - p->se, p->err * 1e-3)), hi = log10(p->err + p->se);
      plerry(1, &x, &lo, &hi);
    }
    plstring(1, &x, &y, p->used ? FM_PLOT_DOT : FM_PLOT_RING);
  }
}

/* Fitted line over the used range; dashed reference through its middle. */
static void fm_plot_lines(const fm_sweep_result *s, const fm_sweep_series *se, int col)
{
  double xlo = INFINITY, xhi = -INFINITY;
  for (size_t j = 0; j < se->n; j++)
    if (se->pt[j].used) {
      xlo = fmin(xlo, se->pt[j].x);
      xhi = fmax(xhi, se->pt[j].x);
    }
  if (!se->fitted || !(xhi > xlo))
    return;
  PLFLT px[2] = {fm_plot_x(s, xlo), fm_plot_x(s, xhi)};
  PLFLT py[2] = {fm_plot_fit_lnerr(s, se, xlo) / M_LN10, fm_plot_fit_lnerr(s, se, xhi) / M_LN10};
  plcol0(col);
  pllsty(1);
  plline(2, px, py);
  if (!isfinite(se->expected))
    return;
  /* through the fitted value at the middle of the range (geometric middle on
   * log axes), with the expected slope */
  double xm = s->kind->axes == FM_SWEEP_LOGLOG ? sqrt(xlo * xhi) : 0.5 * (xlo + xhi);
  double ym = fm_plot_fit_lnerr(s, se, xm);
  for (int i = 0; i < 2; i++) {
    double x = i ? xhi : xlo;
    double dl = s->kind->axes == FM_SWEEP_LOGLOG ? log(x / xm) : x - xm;
    py[i] = (ym + se->expected * dl) / M_LN10;
  }
  pllsty(2);
  plline(2, px, py);
  pllsty(1);
}

static void fm_plot_legend(const fm_sweep_result *s)
{
  enum { MAXL = FM_SWEEP_MAXSERIES + 1 };
  PLINT opt[MAXL], tcol[MAXL], lcol[MAXL], lsty[MAXL], scol[MAXL], snum[MAXL];
  PLFLT lw[MAXL], ssc[MAXL];
  char buf[MAXL][160];
  const char *text[MAXL], *sym[MAXL];
  PLINT n = 0;
  int any_ref = 0;
  for (size_t i = 0; i < s->nseries; i++) {
    const fm_sweep_series *se = &s->s[i];
    if (se->fitted)
      snprintf(buf[n], sizeof buf[n], "%s: slope %.3f [%.3f, %.3f]%s", se->label, se->fit.slope,
               se->fit.lo, se->fit.hi,
               isfinite(se->expected) ? "" : " (no expected slope)");
    else
      snprintf(buf[n], sizeof buf[n], "%s: not fitted", se->label);
    any_ref |= se->fitted && isfinite(se->expected);
    opt[n] = PL_LEGEND_LINE | PL_LEGEND_SYMBOL;
    tcol[n] = FM_PLOT_INK;
    lcol[n] = scol[n] = FM_PLOT_S0 + (PLINT)i;
    lsty[n] = 1;
    lw[n] = 2.0;
    ssc[n] = 1.0;
    snum[n] = 1;
    sym[n] = FM_PLOT_DOT;
    text[n] = buf[n];
    n++;
  }
  if (any_ref) {
    const fm_sweep_series *se = &s->s[0];
    if (se->rule == FM_SWEEP_STEEPER)
      snprintf(buf[n], sizeof buf[n], "dashed: slope %g, the rate to beat", se->expected);
    else
      snprintf(buf[n], sizeof buf[n], "dashed: expected slope%s",
               s->nseries == 1 ? "" : "s (one per series)");
    opt[n] = PL_LEGEND_LINE;
    tcol[n] = lcol[n] = scol[n] = FM_PLOT_INK;
    lsty[n] = 2;
    lw[n] = 1.0;
    ssc[n] = 1.0;
    snum[n] = 0;
    sym[n] = "";
    text[n] = buf[n];
    n++;
  }
  PLFLT wlen, hlen;
  pllegend(&wlen, &hlen, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.01, 0.01, 0.06,
           FM_PLOT_BG, FM_PLOT_INK, 1, 0, 0, n, opt, 0.8, 0.65, 2.0, 0.0, tcol, text, NULL,
           NULL, NULL, NULL, lcol, lsty, lw, scol, ssc, snum, sym);
}

static void fm_plot_draw(const fm_sweep_result *s, const double *w)
{
  /* plenv's axes, except that a long log y axis is labelled by hand at
   * every k-th decade: PLplot labels every decade of a log axis, and 20
   * labels overlap */
  int loglog = s->kind->axes == FM_SWEEP_LOGLOG;
  double span = w[3] - w[2];
  pladv(0);
  plvsta();
  plwind(w[0], w[1], w[2], w[3]);
  plcol0(FM_PLOT_INK);
  plbox(loglog ? "bcnstl" : "bcnst", 0.0, 0, span > 8.0 ? "bcstl" : "bcnstlv", 0.0, 0);
  if (span > 8.0) {
    int k = (int)ceil(span / 8.0);
    for (int e = (int)ceil(w[2]); e <= (int)floor(w[3]); e++)
      if (e % k == 0) {
        char lab[32];
        snprintf(lab, sizeof lab, "10#u%d#d", e);
        plmtex("lv", 1.0, ((double)e - w[2]) / span, 1.0, lab);
      }
  }
  char title[160];
  snprintf(title, sizeof title, "%s (%s) on %s", s->kind->name, s->kind->theorem, s->case_name);
  plcol0(FM_PLOT_INK);
  pllab(s->kind->xlabel, s->kind->ylabel, title);
  plwidth(2.0);
  for (size_t i = 0; i < s->nseries; i++) {
    int col = FM_PLOT_S0 + (int)(i % (sizeof fm_plot_rgb / sizeof fm_plot_rgb[0] - FM_PLOT_S0));
    fm_plot_lines(s, &s->s[i], col);
    fm_plot_points(s, &s->s[i], col);
  }
  plwidth(1.0);
  fm_plot_legend(s);
}

static int fm_plot_one(const fm_sweep_result *s, const double *w, const char *dev,
                       const char *path)
{
  PLINT strm;
  plmkstrm(&strm);
  if (strm < 0)
    return -1;
  plsdev(dev);
  plsfnam(path);
  plspage(0.0, 0.0, FM_PLOT_W, FM_PLOT_H, 0, 0);
  plscmap0n((PLINT)(sizeof fm_plot_rgb / sizeof fm_plot_rgb[0]));
  for (size_t i = 0; i < sizeof fm_plot_rgb / sizeof fm_plot_rgb[0]; i++)
    plscol0((PLINT)i, fm_plot_rgb[i][0], fm_plot_rgb[i][1], fm_plot_rgb[i][2]);
  plinit();
  fm_plot_draw(s, w);
  plend1();
  return 0;
}

/* 1 when PLplot knows the device (its driver is installed). */
static int fm_plot_have_device(const char *dev)
{
  const char *menu_s[128], *name_s[128];
  const char **menu = menu_s, **name = name_s;
  int n = 128;
  plgDevs(&menu, &name, &n);
  for (int i = 0; i < n; i++)
    if (name[i] != NULL && strcmp(name[i], dev) == 0)
      return 1;
  return 0;
}

/* Why the plot at path is missing or cut short (size bytes written; -1:
 * none): a full file system is named as such, a missing driver as such.
 * PLplot's drivers ignore their write errors, so free space after the
 * write is the only witness of a full disk. */
static int fm_plot_check_written(const char *path, const char *dev, long size)
{
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash != NULL)
    *slash = '\0';
  struct statvfs v;
  int full = statvfs(slash ? dir : ".", &v) == 0 && v.f_bavail == 0;
  if (full)
    return fm_cli_error("%s: write error: %s (%ld bytes written)", path, strerror(ENOSPC),
                        size > 0 ? size : 0L);
  if (size > 0)
    return FM_EXIT_OK;
  if (!fm_plot_have_device(dev))
    return fm_cli_error("%s: PLplot has no %s device -- is plplot-driver-cairo installed?",
                        path, dev);
  return fm_cli_error("%s: PLplot (%s) wrote no output (the file could not be written)", path,
                      dev);
}

int fm_report_plot(const fm_sweep_result *s, const char *base)
{
  double w[4];
  if (fm_plot_window(w, s) != 0)
    return fm_cli_error("%s: nothing to plot", base);
  static const char *const dev[2] = {"pngcairo", "svgcairo"}, *const ext[2] = {"png", "svg"};
  for (int i = 0; i < 2; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%s", base, ext[i]);
    fm_plot_quiet q;
    fm_plot_quiet_on(&q);
    int rc = fm_plot_one(s, w, dev[i], path);
    fm_plot_quiet_off(&q);
    FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
    long size = -1;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0)
      size = ftell(f);
    if (f != NULL)
      fclose(f);
    if (fm_plot_check_written(path, dev[i], size) != FM_EXIT_OK)
      return FM_EXIT_USAGE;
  }
  return FM_EXIT_OK;
}
