/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: any text through the code decoder (the forms people paste) and the
 * scanner that finds codes in log lines. See fuzz-cmtrace.c for how it is built and run. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "shoal-decoded-code.h"
#include "shoal-hresult.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(ShoalDecodedCode) code = NULL;
  g_autoptr(GArray) found = NULL;

  /* The decoder and the scanner take text; make it valid UTF-8 as the parser would. */
  if (!g_utf8_validate (text, -1, NULL))
    {
      char *valid = g_utf8_make_valid (text, -1);
      g_free (text);
      text = valid;
    }

  code = shoal_decoded_code_new_from_text (text, NULL);
  if (code != NULL)
    {
      g_autofree char *explained = shoal_decoded_code_dup_text (code);
      g_autoptr(JsonNode) json = shoal_decoded_code_to_json (code);

      g_assert (g_utf8_validate (explained, -1, NULL));
    }

  found = shoal_hresult_scan (text);
  for (guint i = 0; i < found->len; i++)
    {
      ShoalCodeReading r = g_array_index (found, ShoalCodeReading, i);

      g_assert (r.start < r.end && r.end <= strlen (text));
      g_assert (SHOAL_HRESULT_FAILED (r.value));
    }
  return 0;
}
