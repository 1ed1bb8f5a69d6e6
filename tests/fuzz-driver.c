/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a libFuzzer target without libFuzzer: every file named (or every file in every directory
 * named) is fed whole and cut at a few places, so meson replays the corpus as a normal test. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint n_inputs;

static void
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("fuzz-driver: %s", error->message);
  /* Whole, and cut short, as truncated logs are. */
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  for (gsize cut = len / 7 + 1; cut < len; cut += len / 7 + 1)
    LLVMFuzzerTestOneInput ((const uint8_t *) data, cut);
  n_inputs++;
}

int
main (int   argc,
      char *argv[])
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIR...\n", argv[0]);
      return 2;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);
              run_file (path);
            }
        }
      else
        run_file (argv[i]);
    }
  if (n_inputs == 0)
    {
      fprintf (stderr, "%s: no inputs found\n", argv[0]);
      return 1;
    }
  printf ("%s: %u inputs replayed without a crash\n", argv[0], n_inputs);
  return 0;
}
