/* text_escape.c -- untrusted text made printable for a message
 * (fm_text_escape, array_io.h). */
#include "array_io.h"

#include <stdio.h>

void fm_text_escape(char *out, size_t size, const char *s, size_t n)
{
  if (size == 0)
    return;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[5];
    int m;
    if (c == '\\')
      m = snprintf(tmp, sizeof tmp, "\\\\");
    else if (c < 0x20 || c >= 0x7f)
      m = snprintf(tmp, sizeof tmp, "\\x%02x", c);
    else
      m = snprintf(tmp, sizeof tmp, "%c", c);
    /* room for this piece, and for "..." should more follow */
    if (k + (size_t)m + 4 > size) {
      if (k + 4 <= size) {
        out[k++] = '.';
        out[k++] = '.';
        out[k++] = '.';
      }
      break;
    }
    for (int j = 0; j < m; j++)
      out[k++] = tmp[j];
  }
  out[k < size ? k : size - 1] = '\0';
}
