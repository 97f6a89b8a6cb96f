/* points_csv.h -- reading numeric CSV tables (rows of `ncol` numbers) with
 * errors that name the file and line.  Blank lines and lines starting with
 * '#' are skipped; a first row whose first field is not a number is taken as
 * a header and skipped. */
#ifndef FM_POINTS_CSV_H
#define FM_POINTS_CSV_H

#include <stddef.h>

#include "fm_status.h"

/* *rows x ncol doubles in *data (malloc'd).  All values must be finite. */
int fm_csv_read(double **data, size_t *rows, const char *path, size_t ncol, fm_errmsg *e);

#endif
