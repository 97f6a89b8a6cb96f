/* fuzz_case.c -- libFuzzer entry point for the case parser (fm_fuzz.h). */
#include "fm_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fm_fuzz_case(data, size);
}
