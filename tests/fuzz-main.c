/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a libFuzzer-style target without libFuzzer: every file given (a corpus), then a
 * bounded number of random mutations of them, so `meson test` exercises the target. */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
main (int argc, char *argv[])
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GRand *rand = g_rand_new_with_seed (1234);
  guint iterations = 200000;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      char *data;
      gsize len;

      if (!g_file_get_contents (argv[i], &data, &len, &error))
        g_error ("%s", error->message);
      g_ptr_array_add (inputs, g_bytes_new_take (data, len));
    }
  if (inputs->len == 0)
    g_ptr_array_add (inputs, g_bytes_new_static ("SH", 2));
  for (guint i = 0; i < inputs->len; i++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (inputs, i), &len);
      LLVMFuzzerTestOneInput (d, len);
    }
  for (guint n = 0; n < iterations; n++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (inputs,
                                          g_rand_int_range (rand, 0, inputs->len)), &len);
      gsize size = MIN (len + g_rand_int_range (rand, 0, 16), 2000);
      g_autofree guint8 *buf = g_malloc0 (size);
      guint flips = g_rand_int_range (rand, 1, 8);

      memcpy (buf, d, MIN (len, size));
      if (g_rand_boolean (rand) && size > 0)
        size = g_rand_int_range (rand, 0, size);
      for (guint f = 0; f < flips && size > 0; f++)
        buf[g_rand_int_range (rand, 0, size)] = g_rand_int (rand);
      LLVMFuzzerTestOneInput (buf, size);
    }
  g_rand_free (rand);
  printf ("1..1\nok 1 - %u inputs and %u mutations without a crash\n", inputs->len, iterations);
  return 0;
}
