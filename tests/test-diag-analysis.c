/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The analyser on each fixture log: outcome, failing step, the root-cause line and its code,
 * the generic error that only passed it on, and a summary that says all of it in words. */
#include "config.h"

#include <string.h>

#include "shoal-diag-error.h"
#include "shoal-log-analysis.h"

typedef struct
{
  const char     *file;
  ShoalLogOutcome outcome;
  const char     *step;
  guint64         step_line;   /* 0: no start line */
  guint64         root_line;   /* 0: no root cause */
  guint32         root_code;   /* 0: no code */
  guint64         code_line;   /* the line that gives the code */
  guint64         wrapper_line;
  const char     *component;
  guint64         n_bad;
} Expect;

static const Expect fixtures[] = {
  { "smsts-success.log", SHOAL_LOG_OUTCOME_SUCCEEDED, NULL, 0, 0, 0, 0, 0, NULL, 0 },
  /* The key request was refused (a warning); the errors after it carry only 0x80004005. */
  { "smsts-multicast-failure.log", SHOAL_LOG_OUTCOME_FAILED, "Apply Operating System", 12,
    16, 0x80070005, 16, 20, "ApplyOperatingSystem", 0 },
  { "smsts-download-timeout.log", SHOAL_LOG_OUTCOME_FAILED, "Apply Operating System", 12,
    16, 0x80072EE2, 16, 20, "ApplyOperatingSystem", 0 },
  /* The words come a line before the code. */
  { "smsts-hash-mismatch.log", SHOAL_LOG_OUTCOME_FAILED, "Apply Operating System", 12,
    16, 0x80091007, 17, 0, "ApplyOperatingSystem", 0 },
  { "smsts-multicast-timeout.log", SHOAL_LOG_OUTCOME_FAILED, "Apply Operating System", 12,
    17, 0x800705B4, 18, 0, "ApplyOperatingSystem", 0 },
  { "shoal-client-stall.log", SHOAL_LOG_OUTCOME_FAILED, "repair", 6,
    9, 0xA05A000A, 9, 0, "shoal-client", 0 },
  { "shoal-client-hash.log", SHOAL_LOG_OUTCOME_FAILED, "verify", 6,
    7, 0xA05A0003, 7, 0, "shoal-client", 0 },
  { "legacy.log", SHOAL_LOG_OUTCOME_UNKNOWN, NULL, 0, 2, 0, 0, 0, "SMS_HIERARCHY_MANAGER", 0 },
  { "malformed.log", SHOAL_LOG_OUTCOME_UNKNOWN, NULL, 0, 10, 0, 0, 0, "X", 5 },
};

static ShoalLogAnalysis *
analyze (const char            *name,
         ShoalLogAnalysisFlags  flags)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "logs", name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  ShoalLogAnalysis *analysis = shoal_log_analysis_analyze_file (file, flags, NULL, &error);

  g_assert_no_error (error);
  return analysis;
}

/* Collapses runs of white space, so that text wrapped over several lines still matches. */
static char *
flatten (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isspace (*p))
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  g_autofree char *flat_text = flatten (text);
  g_autofree char *flat_part = flatten (part);

  if (strstr (flat_text, flat_part) == NULL)
    g_error ("the summary lacks “%s”:\n%s", part, text);
}

static void
test_fixture (gconstpointer data)
{
  const Expect *x = data;
  g_autoptr(ShoalLogAnalysis) a = analyze (x->file, SHOAL_LOG_ANALYSIS_NONE);
  g_autofree char *summary = shoal_log_analysis_dup_summary (a);
  ShoalLogEntry *root = shoal_log_analysis_get_root_cause (a);
  ShoalDecodedCode *code = shoal_log_analysis_get_root_code (a);
  ShoalLogEntry *wrapper = shoal_log_analysis_get_wrapper (a);
  g_autoptr(JsonNode) json = shoal_log_analysis_to_json (a);
  JsonObject *obj = json_node_get_object (json);

  g_test_message ("%s", summary);
  g_assert_cmpint (shoal_log_analysis_get_outcome (a), ==, x->outcome);
  g_assert_cmpstr (shoal_log_analysis_get_failing_step (a), ==, x->step);
  g_assert_cmpuint (shoal_log_analysis_get_n_bad (a), ==, x->n_bad);

  if (x->root_line == 0)
    g_assert_null (root);
  else
    {
      g_autofree char *line = g_strdup_printf ("line %" G_GUINT64_FORMAT ":", x->root_line);

      g_assert_nonnull (root);
      g_assert_cmpuint (shoal_log_entry_get_line (root), ==, x->root_line);
      g_assert_cmpstr (shoal_log_entry_get_component (root), ==, x->component);
      assert_contains (summary, line);
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj,
                                                                                  "root_cause"),
                                                   "line"), ==, x->root_line);
    }

  if (x->root_code == 0)
    g_assert_null (code);
  else
    {
      g_assert_nonnull (code);
      g_assert_cmphex (shoal_decoded_code_get_value (code), ==, x->root_code);
      assert_contains (summary, shoal_decoded_code_get_label (code));
      assert_contains (summary, "What to try:");
      assert_contains (summary, shoal_decoded_code_get_remedies (code)[0]);
      assert_contains (summary, shoal_decoded_code_get_meaning (code));
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj,
                                                                                     "root_code"),
                                                      "code"), ==,
                       shoal_decoded_code_get_hex (code));
      if (x->code_line != x->root_line)
        {
          g_autofree char *given = g_strdup_printf ("given on line %" G_GUINT64_FORMAT,
                                                    x->code_line);
          assert_contains (summary, given);
        }
    }

  if (x->wrapper_line == 0)
    g_assert_null (wrapper);
  else
    {
      g_autofree char *text = g_strdup_printf ("line %" G_GUINT64_FORMAT " reported 0x80004005",
                                               x->wrapper_line);

      g_assert_nonnull (wrapper);
      g_assert_cmpuint (shoal_log_entry_get_line (wrapper), ==, x->wrapper_line);
      g_assert_cmphex (shoal_decoded_code_get_value (shoal_log_entry_get_code (wrapper)), ==,
                       0x80004005);
      assert_contains (summary, text);
    }

  switch (x->outcome)
    {
    case SHOAL_LOG_OUTCOME_FAILED:
      {
        g_autofree char *step = g_strdup_printf ("the step “%s” (started on line %"
                                                 G_GUINT64_FORMAT, x->step, x->step_line);

        assert_contains (summary, "FAILED");
        assert_contains (summary, step);
        assert_contains (summary, "When:");
        assert_contains (summary, "UTC");
        assert_contains (summary, "Component:");
        g_assert_cmpstr (json_object_get_string_member (obj, "outcome"), ==, "failed");
        g_assert_cmpint (shoal_log_entry_get_role (root), ==, SHOAL_LOG_ROLE_ROOT_CAUSE);
        g_assert_cmpint (shoal_log_entry_get_role (shoal_log_analysis_get_failure (a)), ==,
                         SHOAL_LOG_ROLE_FAILURE);
      }
      break;
    case SHOAL_LOG_OUTCOME_SUCCEEDED:
      assert_contains (summary, "completed successfully");
      g_assert_cmpstr (json_object_get_string_member (obj, "outcome"), ==, "succeeded");
      break;
    case SHOAL_LOG_OUTCOME_UNKNOWN:
    default:
      assert_contains (summary, "neither success nor failure");
      assert_contains (summary, "First error:");
      break;
    }
  if (x->n_bad > 0)
    assert_contains (summary, "could not be read fully");
  else
    assert_contains (summary, "every line was read");
}

static void
test_keep_entries (void)
{
  g_autoptr(ShoalLogAnalysis) a = analyze ("smsts-download-timeout.log",
                                           SHOAL_LOG_ANALYSIS_KEEP_ENTRIES);
  g_autoptr(ShoalLogAnalysis) m = analyze ("malformed.log", SHOAL_LOG_ANALYSIS_KEEP_ENTRIES);
  GListModel *entries = shoal_log_analysis_get_entries (a);
  guint n_roles = 0;

  g_assert_cmpuint (g_list_model_get_n_items (entries), ==, shoal_log_analysis_get_n_entries (a));
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(ShoalLogEntry) e = g_list_model_get_item (entries, i);

      if (shoal_log_entry_get_role (e) != SHOAL_LOG_ROLE_NONE)
        n_roles++;
      if (i > 0)
        {
          g_autoptr(ShoalLogEntry) prev = g_list_model_get_item (entries, i - 1);
          g_assert_cmpuint (shoal_log_entry_get_line (prev), <, shoal_log_entry_get_line (e));
        }
    }
  /* Step start, root cause, wrapper and failure. */
  g_assert_cmpuint (n_roles, ==, 4);
  /* The timeline keeps the lines that are not entries too, in their place. */
  g_assert_cmpuint (g_list_model_get_n_items (shoal_log_analysis_get_entries (m)), ==, 11);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_log_analysis_get_bad_lines (m)), ==, 5);
}

static void
test_without_entries (void)
{
  g_autoptr(ShoalLogAnalysis) a = analyze ("smsts-download-timeout.log", SHOAL_LOG_ANALYSIS_NONE);
  GListModel *codes = shoal_log_analysis_get_codes (a);

  g_assert_cmpuint (g_list_model_get_n_items (shoal_log_analysis_get_entries (a)), ==, 0);
  /* Every code is listed once, at its first line, with how often it appears. */
  g_assert_cmpuint (g_list_model_get_n_items (codes), ==, 3);
  g_assert_cmpuint (shoal_log_analysis_get_code_count (a, 0x80072EE2), ==, 3);
  g_assert_cmpuint (shoal_log_analysis_get_code_count (a, 0x80004005), ==, 3);
  g_assert_cmpuint (shoal_log_analysis_get_code_count (a, 0x80070002), ==, 1);
}

static char *
synthetic_log (const char * const *lines)
{
  g_autoptr(GString) log = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *msg = lines[i] + 2;
      char type = lines[i][0];

      g_string_append_printf (log, "<![LOG[%s]LOG]!><time=\"08:00:%02u.000+000\" "
                              "date=\"07-01-2024\" component=\"%s\" context=\"\" type=\"%c\" "
                              "thread=\"1\" file=\"\">\n", msg, i,
                              g_str_has_prefix (msg, "Failed to run") ? "TSManager" : "Step",
                              type);
    }
  return g_string_free (g_steal_pointer (&log), FALSE);
}

static ShoalLogAnalysis *
analyze_text (const char *text)
{
  ShoalLogAnalysis *a = shoal_log_analysis_new ("synthetic.log", SHOAL_LOG_ANALYSIS_NONE);

  shoal_log_analysis_push (a, text, strlen (text));
  shoal_log_analysis_finish (a);
  return a;
}

static void
test_wrapper_only (void)
{
  static const char * const lines[] = {
    "1 Start executing an instruction. Instruction name: Install Drivers. Instruction pointer: 3",
    "1 Running driver installer",
    "3 Driver install failed, hr=0x80004005",
    "3 Failed to run the action: Install Drivers. Unspecified error (Error: 80004005; Source: "
    "Windows)",
    NULL
  };
  g_autofree char *text = synthetic_log (lines);
  g_autoptr(ShoalLogAnalysis) a = analyze_text (text);
  g_autofree char *summary = shoal_log_analysis_dup_summary (a);

  /* Only a generic code: the summary points at it and says to read above it. */
  g_assert_cmpstr (shoal_log_analysis_get_failing_step (a), ==, "Install Drivers");
  g_assert_cmpuint (shoal_log_entry_get_line (shoal_log_analysis_get_root_cause (a)), ==, 3);
  g_assert_null (shoal_log_analysis_get_wrapper (a));
  assert_contains (summary, "read the lines above line 3");
}

static void
test_benign_and_later_errors (void)
{
  static const char * const lines[] = {
    "1 Start executing an instruction. Instruction name: Apply Driver Package. Instruction "
    "pointer: 4",
    "3 Failed to open key Software\\Policies\\Shoal (80070002)",
    "2 Connection to dp01 failed (0x80072EFD); retrying",
    "3 Access to \\\\dp01\\SMSPKGD$\\ABC00020 denied: error 5",
    "3 Driver package ABC00020 could not be staged (0x80004005)",
    "3 Failed to run the action: Apply Driver Package. Unspecified error (Error: 80004005; "
    "Source: Windows)",
    "3 Cleanup failed (0x80070490)",
    NULL
  };
  g_autofree char *text = synthetic_log (lines);
  g_autoptr(ShoalLogAnalysis) a = analyze_text (text);

  /* A harmless error (a missing registry key) and a retried warning are not the cause; the
   * error after the failure is fallout. */
  g_assert_cmpuint (shoal_log_entry_get_line (shoal_log_analysis_get_root_cause (a)), ==, 4);
  g_assert_cmphex (shoal_decoded_code_get_value (shoal_log_analysis_get_root_code (a)), ==,
                   0x80070005);
  g_assert_cmpuint (shoal_log_entry_get_line (shoal_log_analysis_get_wrapper (a)), ==, 5);
  g_assert_cmpuint (shoal_log_analysis_get_code_count (a, 0x80070490), ==, 1);
}

static void
test_unreadable (void)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/smsts.log");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalLogAnalysis) a =
    shoal_log_analysis_analyze_file (file, SHOAL_LOG_ANALYSIS_NONE, NULL, &error);

  g_assert_null (a);
  g_assert_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "/nonexistent/smsts.log"));
}

static void
on_analyzed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ShoalLogAnalysis **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = shoal_log_analysis_analyze_file_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "logs",
                                                 "smsts-hash-mismatch.log", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(ShoalLogAnalysis) a = NULL;

  shoal_log_analysis_analyze_file_async (file, SHOAL_LOG_ANALYSIS_KEEP_ENTRIES, NULL,
                                         on_analyzed, &a);
  while (a == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (shoal_log_entry_get_line (shoal_log_analysis_get_root_cause (a)), ==, 16);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_log_analysis_get_entries (a)), ==, 19);
  g_assert_nonnull (strstr (shoal_log_analysis_get_headline (a), "0x80091007"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/diag/analysis/fixture/%s", fixtures[i].file);
      g_test_add_data_func (path, &fixtures[i], test_fixture);
    }
  g_test_add_func ("/diag/analysis/keep-entries", test_keep_entries);
  g_test_add_func ("/diag/analysis/codes", test_without_entries);
  g_test_add_func ("/diag/analysis/wrapper-only", test_wrapper_only);
  g_test_add_func ("/diag/analysis/benign-and-fallout", test_benign_and_later_errors);
  g_test_add_func ("/diag/analysis/unreadable", test_unreadable);
  g_test_add_func ("/diag/analysis/async", test_async);

  return g_test_run ();
}
