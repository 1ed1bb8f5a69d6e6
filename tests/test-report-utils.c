/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks of rendered reports shared by the report tests: each format read back by a tool
 * that owes Shoal nothing (python3-jsonschema, Python's csv, an XML parser, poppler). */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "test-report-utils.h"

char *
report_artifact (const char *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "report-artifacts", NULL);

  g_mkdir_with_parents (dir, 0755);
  return g_build_filename (dir, name, NULL);
}

char *
report_tool (const char *name)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_error ("%s is not installed (build-aux/setup.sh installs it)", name);
  return path;
}

/* Runs @argv; fails the test with its output unless it exits 0. Returns its stdout. */
char *
report_run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s failed:\n%s%s", argv[0], argv[1], out, err);
  return out;
}

/* The Debian python3, where python3-jsonschema lives, even under a pyenv shim. */
static const char *
python (void)
{
  return g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3"
                                                                     : "python3";
}

void
report_check (const char *what,
              const char *file,
              const char *json)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "report-check.py", NULL);
  g_autofree char *schema = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                   "report-schema.json", NULL);
  const char *argv[] = { python (), script, what, file, g_str_equal (what, "schema") ? schema
                                                                                      : json,
                         NULL };
  g_autofree char *out = report_run (argv);
}

static char *
squash (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

/* What the PDF shows for a text: control characters as '?', wrapped anywhere. */
static char *
pdf_form (const char *text)
{
  g_autofree char *s = g_strdup (text);

  for (char *p = s; *p; p++)
    if (((guchar) *p < 0x20 && *p != '\n') || *p == 0x7f)
      *p = '?';
  return squash (s);
}

/* pdftotext finds the package and every client; pdftoppm renders page 1 to @png. */
void
report_check_pdf (const char *pdf,
                  JsonObject *report,
                  const char *png)
{
  g_autofree char *pdftotext = report_tool ("pdftotext");
  g_autofree char *pdftoppm = report_tool ("pdftoppm");
  const char *text_argv[] = { pdftotext, "-enc", "UTF-8", pdf, "-", NULL };
  g_autofree char *text = report_run (text_argv);
  g_autofree char *flat = squash (text);
  g_autofree char *png_stem = g_strndup (png, strlen (png) - 4);
  const char *ppm_argv[] = { pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1",
                             "-singlefile", pdf, png_stem, NULL };
  g_autofree char *ppm_out = report_run (ppm_argv);
  JsonArray *clients = json_object_get_array_member (report, "clients");
  const char *package = json_object_get_string_member (
    json_object_get_object_member (report, "package"), "name");
  g_autofree char *pkg = pdf_form (package);
  g_autofree char *png_data = NULL;
  gsize png_len = 0;

  if (strstr (flat, pkg) == NULL)
    g_error ("pdftotext of %s lacks the package %s:\n%s", pdf, package, text);
  for (guint i = 0; i < json_array_get_length (clients); i++)
    {
      JsonObject *c = json_array_get_object_element (clients, i);
      g_autofree char *host = pdf_form (json_object_get_string_member (c, "hostname"));

      if (strstr (flat, host) == NULL)
        g_error ("pdftotext of %s lacks client %s:\n%s", pdf, host, text);
    }
  g_assert_true (g_file_get_contents (png, &png_data, &png_len, NULL));
  g_assert_cmpuint (png_len, >, 8000);
  g_assert_true (memcmp (png_data, "\x89PNG", 4) == 0);
  g_test_message ("page 1 of %s: %s (%" G_GSIZE_FORMAT " bytes)", pdf, png, png_len);
}

/* Writes @report in every format as @stem.* and checks each one independently. */
void
report_export_and_check (ShoalReport *report,
                         const char  *stem)
{
  static const ShoalReportFormat formats[] = {
    SHOAL_REPORT_FORMAT_JSON, SHOAL_REPORT_FORMAT_CSV, SHOAL_REPORT_FORMAT_HTML,
    SHOAL_REPORT_FORMAT_PDF,
  };
  g_autofree char *paths[4] = { NULL };
  g_autofree char *letter = NULL;
  g_autofree char *png = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *root = json_node_get_object (shoal_report_get_json (report));

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", stem,
                                               shoal_report_format_to_string (formats[i]));

      paths[i] = report_artifact (name);
      g_assert_true (shoal_report_save (report, paths[i], formats[i], SHOAL_REPORT_PAPER_A4,
                                        &error));
      g_assert_no_error (error);
    }
  report_check ("schema", paths[0], NULL);
  report_check ("csv", paths[1], paths[0]);
  report_check ("html", paths[2], paths[0]);
  png = g_strdup_printf ("%s-page1.png", paths[3]);
  report_check_pdf (paths[3], root, png);

  /* Letter paper: another page size, the same content. */
  {
    g_autofree char *name = g_strdup_printf ("%s-letter.pdf", stem);
    g_autofree char *pdfinfo = report_tool ("pdfinfo");
    const char *argv[] = { pdfinfo, NULL, NULL };
    g_autofree char *info = NULL;

    letter = report_artifact (name);
    g_assert_true (shoal_report_save (report, letter, SHOAL_REPORT_FORMAT_PDF,
                                      SHOAL_REPORT_PAPER_LETTER, &error));
    argv[1] = letter;
    info = report_run (argv);
    g_assert_nonnull (strstr (info, "612 x 792 pts"));
    argv[1] = paths[3];
    g_free (info);
    info = report_run (argv);
    g_assert_nonnull (strstr (info, "595.276 x 841.89 pts"));
  }
}

