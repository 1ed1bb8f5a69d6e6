/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: any bytes through the CMTrace parser and the analyser, in chunks whose size
 * the first byte picks, then the summary and the JSON. Built by fuzz.sh for real fuzzing and,
 * with fuzz-driver.c, by meson to replay the fixture logs as a normal test. */
#include "config.h"

#include <stdint.h>

#include "shoal-log-analysis.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ShoalLogAnalysis) analysis = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *text = NULL;
  gsize chunk = size > 0 ? (gsize) (data[0] % 61) + 1 : 1;

  analysis = shoal_log_analysis_new ("fuzz.log", size % 2 ? SHOAL_LOG_ANALYSIS_KEEP_ENTRIES
                                                         : SHOAL_LOG_ANALYSIS_NONE);
  for (gsize off = 0; off < size; off += chunk)
    shoal_log_analysis_push (analysis, data + off, MIN (chunk, size - off));
  shoal_log_analysis_finish (analysis);

  summary = shoal_log_analysis_dup_summary (analysis);
  g_assert (g_utf8_validate (summary, -1, NULL));
  json = shoal_log_analysis_to_json (analysis);
  text = json_to_string (json, FALSE);
  g_assert (text != NULL);
  return 0;
}
