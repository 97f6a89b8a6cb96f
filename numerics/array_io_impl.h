/* array_io_impl.h -- internal to the array reader (array_io.h): the two
 * formats' stream readers, called by fm_array_fread once the first byte
 * has told them apart, and the growing row store they share. */
#ifndef FM_ARRAY_IO_IMPL_H
#define FM_ARRAY_IO_IMPL_H

#include "array_io.h"

/* The byte every .npy file starts with (then "NUMPY"). */
#define FM_NPY_FIRST 0x93

/* .npy header dictionaries longer than this are refused (numpy's own
 * readers stop at 10,000 bytes; a float64 header is about 120). */
#define FM_NPY_MAX_HEADER ((uint32_t)1 << 20)

int fm_array_csv_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                       fm_errmsg *e);
int fm_array_npy_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                       fm_errmsg *e);

#endif
