/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CMTrace parser on fixture logs in the real format: well-formed logs, malformed and
 * truncated lines, the older $$< format, encodings, chunked input, NUL bytes, over-long lines,
 * the bias of the time, and a generated 100 MB log parsed in bounded memory. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>

#include "shoal-cmtrace-parser.h"
#include "shoal-log-analysis.h"
#include "shoal-log-entry.h"

static void
collect (const ShoalLogRecord *rec,
         gpointer              user_data)
{
  GPtrArray *out = user_data;
  ShoalLogEntry *entry = shoal_log_entry_new (rec);

  /* Keep what the entry object does not: format, flags and times. */
  g_object_set_data (G_OBJECT (entry), "has-bias", GINT_TO_POINTER (rec->has_bias));
  g_object_set_data (G_OBJECT (entry), "bias", GINT_TO_POINTER (rec->bias_minutes));
  g_object_set_data (G_OBJECT (entry), "inferred", GINT_TO_POINTER (rec->severity_inferred));
  g_object_set_data_full (G_OBJECT (entry), "local", g_memdup2 (&rec->local_usec, 8), g_free);
  g_ptr_array_add (out, entry);
}

static GPtrArray *
parse_bytes (const char *data,
             gsize       len,
             gsize       chunk)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(ShoalCmtraceParser) parser = shoal_cmtrace_parser_new (collect, out);

  if (chunk == 0)
    chunk = len ? len : 1;
  for (gsize off = 0; off < len; off += chunk)
    shoal_cmtrace_parser_push (parser, data + off, MIN (chunk, len - off));
  shoal_cmtrace_parser_finish (parser);
  return out;
}

static char *
read_fixture (const char *name,
              gsize      *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "logs", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

static GPtrArray *
parse_fixture (const char *name)
{
  gsize len;
  g_autofree char *data = read_fixture (name, &len);

  return parse_bytes (data, len, 0);
}

#define ENTRY(a, i) ((ShoalLogEntry *) g_ptr_array_index ((a), (i)))

static void
assert_entry (ShoalLogEntry    *e,
              guint64           line,
              ShoalLogFormat    format,
              ShoalLogSeverity  severity,
              const char       *message,
              const char       *problem_part)
{
  g_assert_cmpuint (shoal_log_entry_get_line (e), ==, line);
  g_assert_cmpint (shoal_log_entry_get_format (e), ==, format);
  if (format != SHOAL_LOG_FORMAT_BAD)
    g_assert_cmpint (shoal_log_entry_get_severity (e), ==, severity);
  if (message != NULL)
    g_assert_cmpstr (shoal_log_entry_get_message (e), ==, message);
  if (problem_part == NULL)
    g_assert_null (shoal_log_entry_get_problem (e));
  else
    {
      g_assert_nonnull (shoal_log_entry_get_problem (e));
      if (strstr (shoal_log_entry_get_problem (e), problem_part) == NULL)
        g_error ("line %" G_GUINT64_FORMAT ": problem “%s” lacks “%s”", line,
                 shoal_log_entry_get_problem (e), problem_part);
    }
}

static gint64
local_of (ShoalLogEntry *e)
{
  return *(gint64 *) g_object_get_data (G_OBJECT (e), "local");
}

static gint64
usec_of (int y, int mo, int d, int h, int mi, double s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (y, mo, d, h, mi, s);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
test_malformed (void)
{
  g_autoptr(GPtrArray) r = parse_fixture ("malformed.log");

  g_assert_cmpuint (r->len, ==, 11);
  /* Attributes in another order, a negative bias: UTC = local + bias. */
  assert_entry (ENTRY (r, 0), 1, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_WARNING,
                "Attributes in another order", NULL);
  g_assert_cmpstr (shoal_log_entry_get_component (ENTRY (r, 0)), ==, "TSManager");
  g_assert_cmpint (local_of (ENTRY (r, 0)), ==, usec_of (2024, 3, 14, 23, 59, 30.5));
  g_assert_cmpint (shoal_log_entry_get_utc_usec (ENTRY (r, 0)), ==,
                   usec_of (2024, 3, 14, 22, 59, 30.5));
  assert_entry (ENTRY (r, 1), 2, SHOAL_LOG_FORMAT_BAD, 0, "this line is not a log entry",
                "not a log entry");
  assert_entry (ENTRY (r, 2), 3, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO,
                "A message that spans\nthree lines\nof text", NULL);
  g_assert_cmpuint (shoal_log_entry_get_n_lines (ENTRY (r, 2)), ==, 3);
  assert_entry (ENTRY (r, 3), 6, SHOAL_LOG_FORMAT_BAD, 0,
                "<![LOG[An entry cut short before its end marker", "cut short");
  assert_entry (ENTRY (r, 4), 7, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO,
                "Entry after a cut one", NULL);
  assert_entry (ENTRY (r, 5), 8, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_NONE,
                "Attributes cut short", "attribute “date” is cut short");
  g_assert_false (shoal_log_entry_get_has_time (ENTRY (r, 5)));
  assert_entry (ENTRY (r, 6), 9, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_NONE,
                "Bad type and date", "type “7” is not 0, 1, 2 or 3");
  g_assert_nonnull (strstr (shoal_log_entry_get_problem (ENTRY (r, 6)), "“13-45-2024”"));
  /* Two entries on one line. */
  assert_entry (ENTRY (r, 7), 10, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO,
                "Two entries on one line (1)", NULL);
  assert_entry (ENTRY (r, 8), 10, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_ERROR,
                "Two entries on one line (2)", NULL);
  /* No bias: the time stays the writer's local time; unknown attributes do no harm. */
  assert_entry (ENTRY (r, 9), 12, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO,
                "Unknown attribute kept out", NULL);
  g_assert_false (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (ENTRY (r, 9)), "has-bias")));
  g_assert_cmpint (local_of (ENTRY (r, 9)), ==, usec_of (2024, 3, 5, 0, 0, 6));
  assert_entry (ENTRY (r, 10), 13, SHOAL_LOG_FORMAT_BAD, 0, NULL, "the log ends inside it");
}

static void
test_legacy (void)
{
  g_autoptr(GPtrArray) r = parse_fixture ("legacy.log");

  g_assert_cmpuint (r->len, ==, 5);
  assert_entry (ENTRY (r, 0), 1, SHOAL_LOG_FORMAT_LEGACY, SHOAL_LOG_SEVERITY_INFO,
                "SMS_EXECUTIVE started as a service.", NULL);
  g_assert_cmpstr (shoal_log_entry_get_component (ENTRY (r, 0)), ==, "SMS_EXECUTIVE");
  g_assert_cmpstr (shoal_log_entry_get_thread (ENTRY (r, 0)), ==, "2360 (0x938)");
  g_assert_cmpint (shoal_log_entry_get_utc_usec (ENTRY (r, 0)), ==,
                   usec_of (2008, 1, 15, 18, 45, 1.687));
  /* A message over two lines; its severity is read from its words. */
  assert_entry (ENTRY (r, 1), 2, SHOAL_LOG_FORMAT_LEGACY, SHOAL_LOG_SEVERITY_ERROR,
                "Failed to connect to the site database:\n"
                "SQL Server does not exist or access denied.", NULL);
  g_assert_cmpuint (shoal_log_entry_get_n_lines (ENTRY (r, 1)), ==, 2);
  g_assert_true (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (ENTRY (r, 1)), "inferred")));
  assert_entry (ENTRY (r, 2), 4, SHOAL_LOG_FORMAT_LEGACY, SHOAL_LOG_SEVERITY_WARNING, NULL, NULL);
  /* The SMS 2003 form names a time zone instead of giving a bias. */
  assert_entry (ENTRY (r, 3), 5, SHOAL_LOG_FORMAT_LEGACY, SHOAL_LOG_SEVERITY_INFO,
                "Processing site control file", NULL);
  g_assert_true (shoal_log_entry_get_has_time (ENTRY (r, 3)));
  g_assert_false (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (ENTRY (r, 3)), "has-bias")));
  g_assert_cmpint (local_of (ENTRY (r, 3)), ==, usec_of (2006, 11, 2, 14, 52, 47.546));
  assert_entry (ENTRY (r, 4), 6, SHOAL_LOG_FORMAT_LEGACY, SHOAL_LOG_SEVERITY_INFO, NULL, NULL);
}

static void
test_fixtures_clean (void)
{
  static const char * const names[] = {
    "smsts-success.log", "smsts-multicast-failure.log", "smsts-download-timeout.log",
    "smsts-hash-mismatch.log", "smsts-multicast-timeout.log", "shoal-client-stall.log",
    "shoal-client-hash.log",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize len;
      g_autofree char *data = read_fixture (names[i], &len);
      g_autoptr(GPtrArray) r = parse_bytes (data, len, 0);
      guint starts = 0;

      for (const char *p = data; (p = strstr (p, "<![LOG[")) != NULL; p++)
        starts++;
      g_test_message ("%s: %u entries", names[i], r->len);
      g_assert_cmpuint (r->len, ==, starts);
      for (guint k = 0; k < r->len; k++)
        {
          ShoalLogEntry *e = ENTRY (r, k);

          g_assert_null (shoal_log_entry_get_problem (e));
          g_assert_true (shoal_log_entry_get_has_time (e));
          /* The fixtures end their lines with CRLF, as Windows writes them. */
          g_assert_null (strchr (shoal_log_entry_get_message (e), '\r'));
          g_assert_cmpstr (shoal_log_entry_get_component (e), !=, "");
        }
    }
}

static void
assert_same (GPtrArray *a,
             GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      g_assert_cmpuint (shoal_log_entry_get_line (ENTRY (a, i)), ==,
                        shoal_log_entry_get_line (ENTRY (b, i)));
      g_assert_cmpstr (shoal_log_entry_get_message (ENTRY (a, i)), ==,
                       shoal_log_entry_get_message (ENTRY (b, i)));
      g_assert_cmpstr (shoal_log_entry_get_problem (ENTRY (a, i)), ==,
                       shoal_log_entry_get_problem (ENTRY (b, i)));
      g_assert_cmpint (shoal_log_entry_get_utc_usec (ENTRY (a, i)), ==,
                       shoal_log_entry_get_utc_usec (ENTRY (b, i)));
    }
}

static void
test_chunking (void)
{
  static const char * const names[] = { "malformed.log", "legacy.log",
                                         "smsts-multicast-failure.log" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize len;
      g_autofree char *data = read_fixture (names[i], &len);
      g_autoptr(GPtrArray) whole = parse_bytes (data, len, 0);

      for (gsize chunk = 1; chunk < 40; chunk += 3)
        {
          g_autoptr(GPtrArray) pieces = parse_bytes (data, len, chunk);
          assert_same (whole, pieces);
        }
    }
}

static void
test_encodings (void)
{
  gsize len;
  g_autofree char *data = read_fixture ("smsts-multicast-failure.log", &len);
  g_autoptr(GPtrArray) utf8 = parse_bytes (data, len, 0);
  gsize n16 = 0;
  g_autofree char *utf16 = g_convert (data, len, "UTF-16LE", "UTF-8", NULL, &n16, NULL);
  g_autofree char *utf16be = g_convert (data, len, "UTF-16BE", "UTF-8", NULL, NULL, NULL);
  g_autoptr(GByteArray) bom16 = g_byte_array_new ();
  g_autoptr(GByteArray) bom16be = g_byte_array_new ();
  g_autoptr(GByteArray) bom8 = g_byte_array_new ();

  g_assert_nonnull (utf16);
  g_byte_array_append (bom16, (const guint8 *) "\xFF\xFE", 2);
  g_byte_array_append (bom16, (const guint8 *) utf16, n16);
  g_byte_array_append (bom16be, (const guint8 *) "\xFE\xFF", 2);
  g_byte_array_append (bom16be, (const guint8 *) utf16be, n16);
  g_byte_array_append (bom8, (const guint8 *) "\xEF\xBB\xBF", 3);
  g_byte_array_append (bom8, (const guint8 *) data, len);

  for (gsize chunk = 0; chunk < 20; chunk += 7)
    {
      g_autoptr(GPtrArray) a = parse_bytes ((char *) bom16->data, bom16->len, chunk);
      g_autoptr(GPtrArray) b = parse_bytes (utf16, n16, chunk);
      g_autoptr(GPtrArray) c = parse_bytes ((char *) bom8->data, bom8->len, chunk);
      g_autoptr(GPtrArray) d = parse_bytes ((char *) bom16be->data, bom16be->len, chunk);

      assert_same (utf8, a);
      assert_same (utf8, b);
      assert_same (utf8, c);
      assert_same (utf8, d);
    }
}

static void
test_damaged_bytes (void)
{
  static const char entry[] = "<![LOG[ok]LOG]!><time=\"10:00:00.000+000\" date=\"1-2-2024\" "
                              "component=\"c\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n";
  static const char latin1[] = "<![LOG[caf\xE9 \xFF]LOG]!><time=\"10:00:01.000+000\" "
                               "date=\"1-2-2024\" component=\"c\" type=\"3\">\n";
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GPtrArray) r = NULL;
  char *big = g_malloc (SHOAL_CMTRACE_MAX_ENTRY + 1000);

  g_byte_array_append (data, (const guint8 *) entry, strlen (entry));
  /* A log cut off while it was written: a run of NUL bytes. */
  g_byte_array_append (data, (const guint8 *) "\0\0\0\0\0\0\n", 7);
  /* Invalid UTF-8 inside a message. */
  g_byte_array_append (data, (const guint8 *) latin1, sizeof latin1 - 1);
  /* A line longer than the parser keeps. */
  memset (big, 'x', SHOAL_CMTRACE_MAX_ENTRY + 1000);
  g_byte_array_append (data, (const guint8 *) big, SHOAL_CMTRACE_MAX_ENTRY + 1000);
  g_byte_array_append (data, (const guint8 *) "\n", 1);
  g_byte_array_append (data, (const guint8 *) entry, strlen (entry));
  g_free (big);

  r = parse_bytes ((char *) data->data, data->len, 4096);
  g_assert_cmpuint (r->len, ==, 5);
  assert_entry (ENTRY (r, 0), 1, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO, "ok", NULL);
  assert_entry (ENTRY (r, 1), 2, SHOAL_LOG_FORMAT_BAD, 0, "", "NUL bytes");
  assert_entry (ENTRY (r, 2), 3, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_ERROR, NULL, NULL);
  g_assert_true (g_utf8_validate (shoal_log_entry_get_message (ENTRY (r, 2)), -1, NULL));
  g_assert_true (g_str_has_prefix (shoal_log_entry_get_message (ENTRY (r, 2)), "caf"));
  assert_entry (ENTRY (r, 3), 4, SHOAL_LOG_FORMAT_BAD, 0, NULL, "longer than");
  g_assert_cmpuint (strlen (shoal_log_entry_get_message (ENTRY (r, 3))), ==,
                    SHOAL_CMTRACE_MAX_ENTRY);
  assert_entry (ENTRY (r, 4), 5, SHOAL_LOG_FORMAT_CMTRACE, SHOAL_LOG_SEVERITY_INFO, "ok", NULL);
}

static void
test_bias (void)
{
  static const struct { const char *time; int bias; int h, m; } cases[] = {
    { "10:00:00.000+480", 480, 18, 0 },     /* UTC-8: UTC = local + 8 h */
    { "10:00:00.000-060", -60, 9, 0 },      /* UTC+1 */
    { "10:00:00.000+000", 0, 10, 0 },
    { "23:30:00.000+090", 90, 25, 0 },      /* crosses midnight: 01:00 the next day */
    { "10:00:00.0000000-330", -330, 4, 30 },  /* UTC+5:30, seven fraction digits */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line =
        g_strdup_printf ("<![LOG[m]LOG]!><time=\"%s\" date=\"06-30-2024\" component=\"c\" "
                         "type=\"1\">", cases[i].time);
      g_autoptr(GPtrArray) r = parse_bytes (line, strlen (line), 0);
      gint64 expected = usec_of (2024, 6, 30, 0, 0, 0)
                        + ((gint64) cases[i].h * 60 + cases[i].m) * 60 * G_USEC_PER_SEC;

      g_test_message ("time %s", cases[i].time);
      g_assert_cmpuint (r->len, ==, 1);
      g_assert_null (shoal_log_entry_get_problem (ENTRY (r, 0)));
      g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (ENTRY (r, 0)), "bias")), ==,
                       cases[i].bias);
      g_assert_cmpint (shoal_log_entry_get_utc_usec (ENTRY (r, 0)), ==, expected);
    }
}

/* ---- a 100 MB log ---- */

typedef struct
{
  guint64 n;
} Counter;

static void
count_record (const ShoalLogRecord *rec,
              gpointer              user_data)
{
  ((Counter *) user_data)->n++;
}

static glong
max_rss_kib (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void
test_big_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-diag-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GString) block = g_string_new (NULL);
  g_autoptr(ShoalLogAnalysis) analysis = NULL;
  const guint64 target = 100 * 1024 * 1024;
  guint64 written = 0, entries = 0;
  glong before, after;
  gint64 t0, t1;

  /* In a child of its own, so that the peak memory of the other tests does not hide ours. */
  if (!g_test_subprocess ())
    {
      g_rmdir (dir);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_assert_no_error (error);
  path = g_build_filename (dir, "big.log", NULL);
  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);

  /* A realistic mix: info lines, multi-line messages, warnings, errors with codes, every few
   * thousand entries a line that is not an entry. */
  while (written < target)
    {
      g_string_truncate (block, 0);
      for (guint i = 0; i < 1000; i++, entries++)
        {
          guint s = entries % 60;
          int type = s == 7 ? 3 : s == 19 ? 2 : 1;

          g_string_append_printf (block,
            "<![LOG[Step %" G_GUINT64_FORMAT ": downloading block %u of install.wim%s%s]LOG]!>"
            "<time=\"%02u:%02u:%02u.%03u+480\" date=\"03-14-2024\" component=\"%s\" "
            "context=\"\" type=\"%d\" thread=\"%u\" file=\"download.cpp:%u\">\r\n",
            entries, i, s == 7 ? " failed (0x80072EE2)" : "",
            s == 23 ? "\r\nsecond line of a long message\r\nthird line" : "",
            (guint) (entries / 3600000) % 24, (guint) (entries / 60000) % 60,
            (guint) (entries / 1000) % 60, (guint) (entries % 1000),
            s == 31 ? "TSManager" : "ApplyOperatingSystem", type, 2000 + i % 7, 100 + s);
          if (entries % 5000 == 4999)
            g_string_append (block, "garbage that is not an entry\r\n");
        }
      g_output_stream_write_all (G_OUTPUT_STREAM (out), block->str, block->len, NULL, NULL,
                                 &error);
      g_assert_no_error (error);
      written += block->len;
    }
  g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
  g_assert_no_error (error);
  g_string_free (g_steal_pointer (&block), TRUE);

  before = max_rss_kib ();
  t0 = g_get_monotonic_time ();
  analysis = shoal_log_analysis_analyze_file (file, SHOAL_LOG_ANALYSIS_NONE, NULL, &error);
  t1 = g_get_monotonic_time ();
  after = max_rss_kib ();
  g_assert_no_error (error);

  g_printerr ("# %.1f MB, %" G_GUINT64_FORMAT " entries analysed in %.2f s (%.0f MB/s); "
              "peak RSS %ld KiB before, %ld KiB after (+%ld KiB)\n",
                  written / 1e6, entries, (t1 - t0) / 1e6, written / ((t1 - t0) / 1e6) / 1e6,
                  before, after, after - before);
  g_assert_cmpuint (shoal_log_analysis_get_n_entries (analysis), ==, entries);
  g_assert_cmpuint (shoal_log_analysis_get_n_bad (analysis), ==, entries / 5000);
  g_assert_cmpuint (shoal_log_analysis_get_code_count (analysis, 0x80072EE2), ==,
                    (entries + 52) / 60);
  g_assert_cmpint (after - before, <, 64 * 1024);

  /* The plain parser on its own, for the record. */
  {
    g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
    Counter counter = { 0 };

    g_assert_no_error (error);
    t0 = g_get_monotonic_time ();
    g_assert_true (shoal_cmtrace_parse_stream (G_INPUT_STREAM (in), count_record, &counter, NULL,
                                               &error));
    t1 = g_get_monotonic_time ();
    g_assert_no_error (error);
    g_assert_cmpuint (counter.n, ==, entries + entries / 5000);
    g_printerr ("# parser alone: %.2f s (%.0f MB/s)\n", (t1 - t0) / 1e6,
                written / ((t1 - t0) / 1e6) / 1e6);
  }

  g_file_delete (file, NULL, NULL);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/diag/cmtrace/malformed", test_malformed);
  g_test_add_func ("/diag/cmtrace/legacy", test_legacy);
  g_test_add_func ("/diag/cmtrace/fixtures", test_fixtures_clean);
  g_test_add_func ("/diag/cmtrace/chunking", test_chunking);
  g_test_add_func ("/diag/cmtrace/encodings", test_encodings);
  g_test_add_func ("/diag/cmtrace/damaged-bytes", test_damaged_bytes);
  g_test_add_func ("/diag/cmtrace/bias", test_bias);
  g_test_add_func ("/diag/cmtrace/100-mb", test_big_log);

  return g_test_run ();
}
