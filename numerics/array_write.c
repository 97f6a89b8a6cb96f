/* array_write.c -- writing an array as CSV or .npy (array_io.h). */
#include "array_io.h"

#include <string.h>

int fm_array_write_csv(FILE *f, const double *data, size_t rows, size_t cols,
                       const char *const *colnames)
{
  if (colnames != NULL) {
    for (size_t j = 0; j < cols; j++)
      fprintf(f, "%s%s", j ? "," : "", colnames[j]);
    fputc('\n', f);
  }
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < cols; j++)
      fprintf(f, "%s%.17g", j ? "," : "", data[i * cols + j]);
    fputc('\n', f);
  }
  return ferror(f) ? -1 : 0;
}

/* The header dictionary, padded with blanks and a newline so that the data
 * start at a multiple of 64 bytes (the .npy rule); version 1.0 (the
 * dictionary is always short). */
int fm_array_write_npy(FILE *f, const double *data, size_t rows, size_t cols)
{
  char dict[160];
  int n = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': "
                   "(%zu, %zu), }", rows, cols);
  size_t pre = 10, hl = (size_t)n + 1;
  hl += (64 - (pre + hl) % 64) % 64;
  unsigned char head[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                            (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8), 0, 0};
  fwrite(head, 1, pre, f);
  fputs(dict, f);
  for (size_t k = (size_t)n + 1; k < hl; k++)
    fputc(' ', f);
  fputc('\n', f);
  for (size_t i = 0; i < rows * cols; i++) {
    uint64_t bits;
    unsigned char b[8];
    memcpy(&bits, &data[i], 8);
    for (int k = 0; k < 8; k++)
      b[k] = (unsigned char)(bits >> (8 * k));
    fwrite(b, 1, 8, f);
  }
  return ferror(f) ? -1 : 0;
}

int fm_array_path_is_npy(const char *path)
{
  size_t n = strlen(path);
  return n >= 4 && strcmp(path + n - 4, ".npy") == 0;
}
