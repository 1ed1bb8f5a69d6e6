/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Log analysis. The parser hands over one record at a time; the analysis keeps only what the
 * findings need (the errors of the current step, the first occurrence of each code, the bad
 * lines), so a 100 MB log takes little memory. The task sequence's markers (instruction names,
 * "Failed to run the action") and shoal-client's ("Step:", "Exiting with code") give the step
 * and the outcome; the root cause is the first specific error of the failing step. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-code-table.h"
#include "shoal-codes.h"
#include "shoal-cmtrace-parser.h"
#include "shoal-diag-error.h"
#include "shoal-diag-text.h"
#include "shoal-hresult.h"
#include "shoal-log-analysis.h"

/* Errors of the current step kept for the root-cause search. */
#define WINDOW_MAX     256
#define BAD_KEPT_MAX   1000
#define CODES_KEPT_MAX 500

struct _ShoalLogAnalysis
{
  GObject parent_instance;

  char                 *name;
  ShoalLogAnalysisFlags flags;
  ShoalCmtraceParser   *parser;
  gboolean              finished;

  guint64               n_entries;
  guint64               n_errors;
  guint64               n_warnings;
  guint64               n_bad;
  gboolean              saw_shoal_client;
  gboolean              saw_task_sequence;

  GPtrArray            *kept;          /* KEEP_ENTRIES: every entry, until finish */
  GListStore           *entries;
  GListStore           *bad_lines;
  GListStore           *codes;         /* the first entry of each distinct failure code */
  GHashTable           *code_counts;   /* value -> count */
  GHashTable           *decoded;       /* value -> ShoalDecodedCode */

  char                 *step_name;
  ShoalLogEntry        *step_entry;
  GPtrArray            *window;        /* the current step's errors */

  ShoalLogOutcome       outcome;
  ShoalLogEntry        *success;
  ShoalLogEntry        *failure;
  char                 *failing_step;
  ShoalLogEntry        *failing_step_entry;
  GPtrArray            *failure_window;
  ShoalLogEntry        *first_error;
  ShoalLogEntry        *root_cause;
  ShoalLogEntry        *root_code_entry; /* the line that carries the root cause's code */
  ShoalLogEntry        *wrapper;
  ShoalLogEntry        *last;
  ShoalLogRecord        last_record;     /* times and line of the last entry, no strings */

  char                 *headline;
  char                 *summary;          /* unwrapped, for the console */
  char                 *summary_wrapped;  /* for a terminal */
};

G_DEFINE_FINAL_TYPE (ShoalLogAnalysis, shoal_log_analysis, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_OUTCOME_NAME,
  PROP_FAILING_STEP,
  PROP_ROOT_CAUSE,
  PROP_ROOT_CODE,
  PROP_WRAPPER,
  PROP_FAILURE,
  PROP_N_ENTRIES,
  PROP_N_ERRORS,
  PROP_N_WARNINGS,
  PROP_N_BAD,
  PROP_ENTRIES,
  PROP_CODES,
  PROP_BAD_LINES,
  PROP_HEADLINE,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
outcome_name (ShoalLogOutcome outcome)
{
  switch (outcome)
    {
    case SHOAL_LOG_OUTCOME_SUCCEEDED: return "succeeded";
    case SHOAL_LOG_OUTCOME_FAILED: return "failed";
    case SHOAL_LOG_OUTCOME_UNKNOWN:
    default: return "unknown";
    }
}

static void
shoal_log_analysis_finalize (GObject *object)
{
  ShoalLogAnalysis *self = SHOAL_LOG_ANALYSIS (object);

  g_clear_pointer (&self->parser, shoal_cmtrace_parser_free);
  g_free (self->name);
  g_clear_pointer (&self->kept, g_ptr_array_unref);
  g_clear_object (&self->entries);
  g_clear_object (&self->bad_lines);
  g_clear_object (&self->codes);
  g_clear_pointer (&self->code_counts, g_hash_table_unref);
  g_clear_pointer (&self->decoded, g_hash_table_unref);
  g_free (self->step_name);
  g_clear_object (&self->step_entry);
  g_clear_pointer (&self->window, g_ptr_array_unref);
  g_clear_object (&self->success);
  g_clear_object (&self->failure);
  g_free (self->failing_step);
  g_clear_object (&self->failing_step_entry);
  g_clear_pointer (&self->failure_window, g_ptr_array_unref);
  g_clear_object (&self->first_error);
  g_clear_object (&self->root_cause);
  g_clear_object (&self->root_code_entry);
  g_clear_object (&self->wrapper);
  g_clear_object (&self->last);
  g_free (self->headline);
  g_free (self->summary);
  g_free (self->summary_wrapped);

  G_OBJECT_CLASS (shoal_log_analysis_parent_class)->finalize (object);
}

static void
shoal_log_analysis_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalLogAnalysis *self = SHOAL_LOG_ANALYSIS (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_OUTCOME_NAME: g_value_set_string (value, outcome_name (self->outcome)); break;
    case PROP_FAILING_STEP: g_value_set_string (value, self->failing_step); break;
    case PROP_ROOT_CAUSE: g_value_set_object (value, self->root_cause); break;
    case PROP_ROOT_CODE:
      g_value_set_object (value, shoal_log_analysis_get_root_code (self));
      break;
    case PROP_WRAPPER: g_value_set_object (value, self->wrapper); break;
    case PROP_FAILURE: g_value_set_object (value, self->failure); break;
    case PROP_N_ENTRIES: g_value_set_uint64 (value, self->n_entries); break;
    case PROP_N_ERRORS: g_value_set_uint64 (value, self->n_errors); break;
    case PROP_N_WARNINGS: g_value_set_uint64 (value, self->n_warnings); break;
    case PROP_N_BAD: g_value_set_uint64 (value, self->n_bad); break;
    case PROP_ENTRIES: g_value_set_object (value, self->entries); break;
    case PROP_CODES: g_value_set_object (value, self->codes); break;
    case PROP_BAD_LINES: g_value_set_object (value, self->bad_lines); break;
    case PROP_HEADLINE: g_value_set_string (value, self->headline); break;
    case PROP_SUMMARY: g_value_set_string (value, self->summary); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_log_analysis_class_init (ShoalLogAnalysisClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_log_analysis_finalize;
  object_class->get_property = shoal_log_analysis_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  properties[PROP_OUTCOME_NAME] = g_param_spec_string ("outcome-name", NULL, NULL, NULL, f);
  properties[PROP_FAILING_STEP] = g_param_spec_string ("failing-step", NULL, NULL, NULL, f);
  properties[PROP_ROOT_CAUSE] = g_param_spec_object ("root-cause", NULL, NULL,
                                                     SHOAL_TYPE_LOG_ENTRY, f);
  properties[PROP_ROOT_CODE] = g_param_spec_object ("root-code", NULL, NULL,
                                                    SHOAL_TYPE_DECODED_CODE, f);
  properties[PROP_WRAPPER] = g_param_spec_object ("wrapper", NULL, NULL, SHOAL_TYPE_LOG_ENTRY, f);
  properties[PROP_FAILURE] = g_param_spec_object ("failure", NULL, NULL, SHOAL_TYPE_LOG_ENTRY, f);
  properties[PROP_N_ENTRIES] = g_param_spec_uint64 ("n-entries", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_N_ERRORS] = g_param_spec_uint64 ("n-errors", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_N_WARNINGS] = g_param_spec_uint64 ("n-warnings", NULL, NULL, 0, G_MAXUINT64,
                                                     0, f);
  properties[PROP_N_BAD] = g_param_spec_uint64 ("n-bad", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_ENTRIES] = g_param_spec_object ("entries", NULL, NULL, G_TYPE_LIST_MODEL, f);
  properties[PROP_CODES] = g_param_spec_object ("codes", NULL, NULL, G_TYPE_LIST_MODEL, f);
  properties[PROP_BAD_LINES] = g_param_spec_object ("bad-lines", NULL, NULL, G_TYPE_LIST_MODEL,
                                                    f);
  properties[PROP_HEADLINE] = g_param_spec_string ("headline", NULL, NULL, NULL, f);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_log_analysis_init (ShoalLogAnalysis *self)
{
  self->entries = g_list_store_new (SHOAL_TYPE_LOG_ENTRY);
  self->bad_lines = g_list_store_new (SHOAL_TYPE_LOG_ENTRY);
  self->codes = g_list_store_new (SHOAL_TYPE_LOG_ENTRY);
  self->code_counts = g_hash_table_new (NULL, NULL);
  self->decoded = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->window = g_ptr_array_new_with_free_func (g_object_unref);
}

/* ---- markers ---- */

/* What follows @prefix in @message (case-insensitive), up to the first of @stops or the end of
 * the line, trimmed; NULL when @message lacks @prefix. */
static char *
text_after (const char  *message,
            const char  *prefix,
            const char  *stop)
{
  const char *p = strcasestr (message, prefix);
  const char *end;
  char *text;

  if (p == NULL)
    return NULL;
  p += strlen (prefix);
  end = stop ? strstr (p, stop) : NULL;
  if (end == NULL)
    end = p + strcspn (p, "\r\n");
  text = g_strstrip (g_strndup (p, end - p));
  if (*text == '\0')
    {
      g_free (text);
      return NULL;
    }
  /* "Apply Operating System." loses its full stop. */
  if (text[strlen (text) - 1] == '.')
    text[strlen (text) - 1] = '\0';
  return text;
}

static char *
find_step_start (const char *message)
{
  char *name;

  if (g_str_has_prefix (message, SHOAL_CLIENT_LOG_STEP_PREFIX))
    return text_after (message, SHOAL_CLIENT_LOG_STEP_PREFIX, NULL);
  if ((name = text_after (message, "Instruction name: ", ". ")) != NULL)
    return name;
  return text_after (message, "Running action: ", ". ");
}

/* Whether @message reports that the run failed; *@step gets the failing step when it says. */
static gboolean
find_failure (const char  *message,
              char       **step)
{
  static const char * const generic[] = {
    "task sequence execution failed",
    "execution of task sequence failed",
    "task sequence engine failed",
    "is encountered in execution of the task sequence",
    "execution failed with error",
    NULL
  };

  *step = NULL;
  if ((*step = text_after (message, "Failed to run the action: ", ". ")) != NULL
      || (*step = text_after (message, "Failed to run the last action: ", ". ")) != NULL)
    return TRUE;
  if (g_str_has_prefix (message, SHOAL_CLIENT_LOG_EXIT_PREFIX))
    return atoi (message + strlen (SHOAL_CLIENT_LOG_EXIT_PREFIX)) != 0;
  for (const char * const *g = generic; *g != NULL; g++)
    if (strcasestr (message, *g) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
find_success (const char *message)
{
  if (g_str_has_prefix (message, SHOAL_CLIENT_LOG_EXIT_PREFIX))
    return atoi (message + strlen (SHOAL_CLIENT_LOG_EXIT_PREFIX)) == 0;
  return strcasestr (message, "task sequence completed 0x00000000") != NULL
         || strcasestr (message, "task sequence completed successfully") != NULL;
}

static gboolean
is_benign (const char *message)
{
  const char * const *benign = shoal_code_table_get_benign (shoal_code_table_get_default ());

  for (guint i = 0; benign[i] != NULL; i++)
    if (strcasestr (message, benign[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* ---- records ---- */

static ShoalDecodedCode *
decode (ShoalLogAnalysis *self,
        guint32           value)
{
  ShoalDecodedCode *code = g_hash_table_lookup (self->decoded, GUINT_TO_POINTER (value));

  if (code == NULL)
    {
      code = shoal_decoded_code_new (value);
      g_hash_table_insert (self->decoded, GUINT_TO_POINTER (value), code);
    }
  return code;
}

static void
window_add (GPtrArray     *window,
            ShoalLogEntry *entry)
{
  if (window->len == WINDOW_MAX)
    g_ptr_array_remove_index (window, 0);
  g_ptr_array_add (window, g_object_ref (entry));
}

static void
on_record (const ShoalLogRecord *rec,
           gpointer              user_data)
{
  ShoalLogAnalysis *self = user_data;
  g_autoptr(ShoalLogEntry) entry = NULL;
  g_autoptr(GArray) found = NULL;
  g_autofree char *step = NULL;
  g_autofree char *failed_step = NULL;
  gboolean failed, succeeded, candidate;

  if (rec->format == SHOAL_LOG_FORMAT_BAD || rec->problem != NULL)
    {
      self->n_bad++;
      if (g_list_model_get_n_items (G_LIST_MODEL (self->bad_lines)) < BAD_KEPT_MAX)
        {
          entry = shoal_log_entry_new (rec);
          g_list_store_append (self->bad_lines, entry);
        }
    }
  if (rec->format == SHOAL_LOG_FORMAT_BAD)
    {
      if ((self->flags & SHOAL_LOG_ANALYSIS_KEEP_ENTRIES)
          && self->kept->len < SHOAL_LOG_ANALYSIS_MAX_KEPT)
        g_ptr_array_add (self->kept, entry ? g_object_ref (entry) : shoal_log_entry_new (rec));
      return;
    }

  self->n_entries++;
  /* Only the line and the times: the strings die with the callback. */
  self->last_record = *rec;
  self->last_record.message = self->last_record.component = self->last_record.context = "";
  self->last_record.thread = self->last_record.file = "";
  self->last_record.date_text = self->last_record.time_text = "";
  self->last_record.problem = NULL;
  if (rec->severity == SHOAL_LOG_SEVERITY_ERROR)
    self->n_errors++;
  else if (rec->severity == SHOAL_LOG_SEVERITY_WARNING)
    self->n_warnings++;
  if (g_str_equal (rec->component, SHOAL_CLIENT_LOG_COMPONENT))
    self->saw_shoal_client = TRUE;
  else if (g_str_equal (rec->component, "TSManager"))
    self->saw_task_sequence = TRUE;

  found = shoal_hresult_scan (rec->message);
  step = find_step_start (rec->message);
  failed = self->outcome != SHOAL_LOG_OUTCOME_FAILED && find_failure (rec->message, &failed_step);
  succeeded = !failed && find_success (rec->message);
  candidate = (rec->severity == SHOAL_LOG_SEVERITY_ERROR || found->len > 0)
              && !is_benign (rec->message);

  if (entry == NULL
      && ((self->flags & SHOAL_LOG_ANALYSIS_KEEP_ENTRIES) || found->len > 0 || candidate
          || step != NULL || failed || succeeded))
    entry = shoal_log_entry_new (rec);
  if (entry == NULL)
    return;
  if ((self->flags & SHOAL_LOG_ANALYSIS_KEEP_ENTRIES)
      && self->kept->len < SHOAL_LOG_ANALYSIS_MAX_KEPT)
    g_ptr_array_add (self->kept, g_object_ref (entry));

  for (guint i = 0; i < found->len; i++)
    {
      guint32 value = g_array_index (found, ShoalCodeReading, i).value;
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->code_counts,
                                                           GUINT_TO_POINTER (value)));

      if (i == 0)
        shoal_log_entry_set_code (entry, decode (self, value));
      if (count == 0 && g_list_model_get_n_items (G_LIST_MODEL (self->codes)) < CODES_KEPT_MAX)
        g_list_store_append (self->codes, entry);
      g_hash_table_insert (self->code_counts, GUINT_TO_POINTER (value),
                           GUINT_TO_POINTER (count + 1));
    }

  /* Once the run has failed, the findings are fixed: later errors are the fallout. */
  if (self->outcome == SHOAL_LOG_OUTCOME_FAILED)
    return;

  if (step != NULL)
    {
      if (!g_str_has_prefix (rec->message, SHOAL_CLIENT_LOG_STEP_PREFIX))
        self->saw_task_sequence = TRUE;
      g_free (self->step_name);
      self->step_name = g_steal_pointer (&step);
      g_set_object (&self->step_entry, entry);
      g_ptr_array_set_size (self->window, 0);
    }
  if (candidate)
    {
      window_add (self->window, entry);
      if (self->first_error == NULL)
        self->first_error = g_object_ref (entry);
    }
  if (failed)
    {
      self->outcome = SHOAL_LOG_OUTCOME_FAILED;
      self->failure = g_object_ref (entry);
      self->failing_step = failed_step ? g_steal_pointer (&failed_step)
                                       : g_strdup (self->step_name);
      if (self->step_entry != NULL && g_strcmp0 (self->failing_step, self->step_name) == 0)
        self->failing_step_entry = g_object_ref (self->step_entry);
      self->failure_window = g_steal_pointer (&self->window);
      self->window = g_ptr_array_new_with_free_func (g_object_unref);
    }
  else if (succeeded && self->outcome == SHOAL_LOG_OUTCOME_UNKNOWN)
    {
      self->outcome = SHOAL_LOG_OUTCOME_SUCCEEDED;
      g_set_object (&self->success, entry);
    }
}

/* ---- findings ---- */

static gboolean
code_is_specific (ShoalLogEntry *entry)
{
  ShoalDecodedCode *code = shoal_log_entry_get_code (entry);

  return code != NULL && !shoal_decoded_code_get_wrapper (code);
}

static void
find_root_cause (ShoalLogAnalysis *self)
{
  GPtrArray *w = self->failure_window;
  ShoalLogEntry *pick = NULL;
  ShoalDecodedCode *code;
  guint at = 0;

  if (self->outcome != SHOAL_LOG_OUTCOME_FAILED)
    {
      if (self->outcome == SHOAL_LOG_OUTCOME_UNKNOWN && self->first_error != NULL)
        {
          self->root_cause = g_object_ref (self->first_error);
          if (shoal_log_entry_get_code (self->first_error) != NULL)
            self->root_code_entry = g_object_ref (self->first_error);
        }
      return;
    }

  /* A specific error logged as an error; else a specific code at any level (the cause may be
   * logged as a warning before a generic error); else the generic code itself. */
  for (guint i = 0; pick == NULL && i < w->len; i++)
    if (code_is_specific (w->pdata[i])
        && shoal_log_entry_get_severity (w->pdata[i]) == SHOAL_LOG_SEVERITY_ERROR)
      pick = w->pdata[i];
  for (guint i = 0; pick == NULL && i < w->len; i++)
    if (code_is_specific (w->pdata[i]))
      pick = w->pdata[i];
  for (guint i = 0; pick == NULL && i < w->len; i++)
    if (shoal_log_entry_get_code (w->pdata[i]) != NULL)
      pick = w->pdata[i];
  if (pick == NULL && w->len > 0)
    pick = w->pdata[0];
  if (pick == NULL)
    pick = self->failure;

  /* Where that code first shows up in the step is where the error happened. */
  code = shoal_log_entry_get_code (pick);
  for (guint i = 0; code != NULL && i < w->len; i++)
    if (shoal_log_entry_get_code (w->pdata[i]) == code)
      {
        pick = w->pdata[i];
        break;
      }
  while (at < w->len && w->pdata[at] != pick)
    at++;
  self->root_code_entry = code ? g_object_ref (pick) : NULL;
  self->root_cause = g_object_ref (pick);

  /* Logs often say what went wrong in words on one line and give the code on the next
   * ("Hash could not be matched..." then "hr=0x80091007"): the words are the root cause. */
  for (guint i = at; code != NULL && i > 0 && at - i < 3; i--)
    {
      ShoalLogEntry *prev = w->pdata[i - 1];
      ShoalLogEntry *next = w->pdata[i];

      if (shoal_log_entry_get_code (prev) != NULL
          || shoal_log_entry_get_severity (prev) != SHOAL_LOG_SEVERITY_ERROR
          || g_strcmp0 (shoal_log_entry_get_component (prev),
                        shoal_log_entry_get_component (next)) != 0
          || shoal_log_entry_get_line (next) - shoal_log_entry_get_line (prev) > 2)
        break;
      g_set_object (&self->root_cause, prev);
    }

  if (code_is_specific (pick))
    for (guint i = at + 1; i < w->len; i++)
      {
        ShoalDecodedCode *later = shoal_log_entry_get_code (w->pdata[i]);

        if (later != NULL && shoal_decoded_code_get_wrapper (later))
          {
            self->wrapper = g_object_ref (w->pdata[i]);
            break;
          }
      }

  if (self->failing_step_entry != NULL)
    shoal_log_entry_set_role (self->failing_step_entry, SHOAL_LOG_ROLE_STEP);
  shoal_log_entry_set_role (self->failure, SHOAL_LOG_ROLE_FAILURE);
  if (self->wrapper != NULL)
    shoal_log_entry_set_role (self->wrapper, SHOAL_LOG_ROLE_WRAPPER);
  shoal_log_entry_set_role (self->root_cause, SHOAL_LOG_ROLE_ROOT_CAUSE);
  if (self->root_code_entry != NULL)
    shoal_log_entry_set_role (self->root_code_entry, SHOAL_LOG_ROLE_ROOT_CAUSE);
}

static const char *
subject (ShoalLogAnalysis *self)
{
  if (self->saw_shoal_client)
    return "shoal-client";
  if (self->saw_task_sequence)
    return "the task sequence";
  return "the logged run";
}

static void
append_entry_line (GString       *out,
                   const char    *label,
                   ShoalLogEntry *entry,
                   guint          width)
{
  g_autofree char *text =
    g_strdup_printf ("line %" G_GUINT64_FORMAT ": %s", shoal_log_entry_get_line (entry),
                     *shoal_log_entry_get_message (entry)
                     ? shoal_log_entry_get_message (entry) : "(empty message)");

  g_strdelimit (text, "\r\n", ' ');
  if (g_utf8_strlen (text, -1) > 400)
    {
      char *cut = g_utf8_substring (text, 0, 400);
      g_free (text);
      text = g_strconcat (cut, " …", NULL);
      g_free (cut);
    }
  shoal_diag_text_append_field (out, label, text, width);
}

static void
append_code (GString          *out,
             ShoalDecodedCode *code,
             ShoalLogEntry    *root,
             ShoalLogEntry    *code_entry,
             guint             width)
{
  g_autoptr(GString) label = g_string_new (shoal_decoded_code_get_label (code));

  if (shoal_decoded_code_get_title (code) != NULL)
    g_string_append_printf (label, ": %s", shoal_decoded_code_get_title (code));
  if (code_entry != root)
    g_string_append_printf (label, " (given on line %" G_GUINT64_FORMAT ")",
                            shoal_log_entry_get_line (code_entry));
  shoal_diag_text_append_field (out, "Code:", label->str, width);
  if (shoal_decoded_code_get_meaning (code) != NULL)
    shoal_diag_text_append_field (out, "Why:", shoal_decoded_code_get_meaning (code),
                                  width);
  if (shoal_decoded_code_get_causes (code) != NULL)
    shoal_diag_text_append_list (out, "Likely causes:", shoal_decoded_code_get_causes (code),
                                 width);
  if (shoal_decoded_code_get_remedies (code) != NULL)
    shoal_diag_text_append_list (out, "What to try:", shoal_decoded_code_get_remedies (code),
                                 width);
}

static void
append_log_stats (ShoalLogAnalysis *self,
                  GString          *out,
                  guint             width)
{
  g_autoptr(GString) stats = g_string_new (NULL);
  GListModel *bad = G_LIST_MODEL (self->bad_lines);
  guint n_codes = g_list_model_get_n_items (G_LIST_MODEL (self->codes));

  if (n_codes > 0)
    {
      g_autoptr(GString) codes = g_string_new (NULL);

      for (guint i = 0; i < n_codes && i < 12; i++)
        {
          g_autoptr(ShoalLogEntry) e = g_list_model_get_item (G_LIST_MODEL (self->codes), i);
          ShoalDecodedCode *c = shoal_log_entry_get_code (e);
          guint count = shoal_log_analysis_get_code_count (self, shoal_decoded_code_get_value (c));

          g_string_append_printf (codes, "%s%s (line %" G_GUINT64_FORMAT,
                                  i ? "; " : "", shoal_decoded_code_get_label (c),
                                  shoal_log_entry_get_line (e));
          if (count > 1)
            g_string_append_printf (codes, ", %u times", count);
          g_string_append_c (codes, ')');
        }
      if (n_codes > 12)
        g_string_append_printf (codes, "; and %u more", n_codes - 12);
      shoal_diag_text_append_field (out, "Codes seen:", codes->str, width);
    }

  g_string_append_printf (stats, "%" G_GUINT64_FORMAT " %s, %" G_GUINT64_FORMAT " %s, %"
                          G_GUINT64_FORMAT " %s", self->n_entries,
                          self->n_entries == 1 ? "entry" : "entries", self->n_errors,
                          self->n_errors == 1 ? "error" : "errors", self->n_warnings,
                          self->n_warnings == 1 ? "warning" : "warnings");
  if (self->n_bad == 0)
    g_string_append (stats, "; every line was read.");
  else
    {
      g_string_append_printf (stats, "; %" G_GUINT64_FORMAT " %s could not be read fully:",
                              self->n_bad, self->n_bad == 1 ? "entry or line" : "entries or lines");
      for (guint i = 0; i < g_list_model_get_n_items (bad) && i < 5; i++)
        {
          g_autoptr(ShoalLogEntry) e = g_list_model_get_item (bad, i);

          g_string_append_printf (stats, "%s line %" G_GUINT64_FORMAT " (%s)", i ? ";" : "",
                                  shoal_log_entry_get_line (e), shoal_log_entry_get_problem (e));
        }
      if (self->n_bad > 5)
        g_string_append (stats, "; …");
    }
  shoal_diag_text_append_field (out, "The log:", stats->str, width);
}

static char *
build_summary (ShoalLogAnalysis *self,
               guint             width)
{
  g_autoptr(GString) out = g_string_new (NULL);
  ShoalDecodedCode *code = shoal_log_analysis_get_root_code (self);

  if (self->n_entries > 0 && self->last == NULL)
    self->last = shoal_log_entry_new (&self->last_record);

  switch (self->outcome)
    {
    case SHOAL_LOG_OUTCOME_FAILED:
      {
        g_autofree char *what = NULL;
        g_autofree char *when = shoal_log_entry_dup_when (self->failure);
        const char *component = shoal_log_entry_get_component (self->root_cause);

        g_string_append_printf (out, "%s: %s FAILED.\n", self->name, subject (self));
        if (self->failing_step != NULL && self->failing_step_entry != NULL)
          what = g_strdup_printf ("the step “%s” (started on line %" G_GUINT64_FORMAT
                                  ", failed on line %" G_GUINT64_FORMAT ")", self->failing_step,
                                  shoal_log_entry_get_line (self->failing_step_entry),
                                  shoal_log_entry_get_line (self->failure));
        else if (self->failing_step != NULL)
          what = g_strdup_printf ("the step “%s” (failed on line %" G_GUINT64_FORMAT ")",
                                  self->failing_step, shoal_log_entry_get_line (self->failure));
        else
          what = g_strdup_printf ("the run (failed on line %" G_GUINT64_FORMAT "; the log names "
                                  "no step)", shoal_log_entry_get_line (self->failure));
        shoal_diag_text_append_field (out, "What failed:", what, width);
        shoal_diag_text_append_field (out, "When:", when, width);
        shoal_diag_text_append_field (out, "Component:",
                                        *component ? component : "(not named)", width);
        append_entry_line (out, "Root cause:", self->root_cause, width);
        if (code != NULL)
          append_code (out, code, self->root_cause, self->root_code_entry, width);
        else
          shoal_diag_text_append_field (out, "Why:", "The line carries no error code; its words "
                                        "are the best explanation the log gives.", width);
        if (self->wrapper != NULL)
          {
            ShoalDecodedCode *generic = shoal_log_entry_get_code (self->wrapper);
            g_autofree char *text =
              g_strdup_printf ("line %" G_GUINT64_FORMAT " reported %s, a generic code that only "
                               "passes this error on.", shoal_log_entry_get_line (self->wrapper),
                               shoal_decoded_code_get_label (generic));
            shoal_diag_text_append_field (out, "Passed on by:", text, width);
          }
        else if (code != NULL && shoal_decoded_code_get_wrapper (code))
          {
            g_autofree char *text =
              g_strdup_printf ("%s only passes on an earlier error, and this step logs no more "
                               "specific one: read the lines above line %" G_GUINT64_FORMAT
                               " for what went wrong.", shoal_decoded_code_get_hex (code),
                               shoal_log_entry_get_line (self->root_cause));
            shoal_diag_text_append_field (out, "Note:", text, width);
          }
      }
      break;

    case SHOAL_LOG_OUTCOME_SUCCEEDED:
      {
        g_autofree char *when = shoal_log_entry_dup_when (self->success);
        g_autofree char *text =
          g_strdup_printf ("line %" G_GUINT64_FORMAT ", %s",
                           shoal_log_entry_get_line (self->success), when);

        g_string_append_printf (out, "%s: %s completed successfully.\n", self->name,
                                subject (self));
        shoal_diag_text_append_field (out, "Completed:", text, width);
        if (self->first_error != NULL)
          append_entry_line (out, "Errors seen:", self->first_error, width);
      }
      break;

    case SHOAL_LOG_OUTCOME_UNKNOWN:
    default:
      if (self->root_cause != NULL)
        {
          g_autofree char *when = shoal_log_entry_dup_when (self->root_cause);
          const char *component = shoal_log_entry_get_component (self->root_cause);

          g_string_append_printf (out, "%s: the log reports neither success nor failure of %s; "
                                  "it has errors.\n", self->name, subject (self));
          append_entry_line (out, "First error:", self->root_cause, width);
          shoal_diag_text_append_field (out, "When:", when, width);
          shoal_diag_text_append_field (out, "Component:",
                                        *component ? component : "(not named)", width);
          if (code != NULL)
            append_code (out, code, self->root_cause, self->root_code_entry, width);
        }
      else
        g_string_append_printf (out, "%s: no errors found; the log reports neither success nor "
                                "failure.\n", self->name);
      if (self->last != NULL)
        {
          g_autofree char *when = shoal_log_entry_dup_when (self->last);
          g_autofree char *text =
            g_strdup_printf ("line %" G_GUINT64_FORMAT ", %s",
                             shoal_log_entry_get_line (self->last), when);
          shoal_diag_text_append_field (out, "Log ends:", text, width);
        }
      break;
    }
  append_log_stats (self, out, width);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
build_headline (ShoalLogAnalysis *self)
{
  ShoalDecodedCode *code = shoal_log_analysis_get_root_code (self);
  g_autofree char *cause = NULL;

  if (self->root_cause != NULL)
    cause = code ? g_strdup_printf ("%s (line %" G_GUINT64_FORMAT ")",
                                    shoal_decoded_code_get_label (code),
                                    shoal_log_entry_get_line (self->root_cause))
                 : g_strdup_printf ("line %" G_GUINT64_FORMAT,
                                    shoal_log_entry_get_line (self->root_cause));
  switch (self->outcome)
    {
    case SHOAL_LOG_OUTCOME_FAILED:
      return g_strdup_printf ("%s failed: %s", self->failing_step ? self->failing_step
                                                                  : "the run", cause);
    case SHOAL_LOG_OUTCOME_SUCCEEDED:
      return g_strdup ("Completed successfully");
    case SHOAL_LOG_OUTCOME_UNKNOWN:
    default:
      return cause ? g_strdup_printf ("No failure reported; first error: %s", cause)
                   : g_strdup ("No errors found");
    }
}

/* ---- public ---- */

/**
 * shoal_log_analysis_new:
 * @name: how the summary names the log, such as its file name
 *
 * Returns: (transfer full): an analysis; feed it with shoal_log_analysis_push() and
 *   shoal_log_analysis_finish(), or use shoal_log_analysis_read_stream()
 */
ShoalLogAnalysis *
shoal_log_analysis_new (const char            *name,
                        ShoalLogAnalysisFlags  flags)
{
  ShoalLogAnalysis *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_LOG_ANALYSIS, NULL);
  self->name = g_strdup (name);
  self->flags = flags;
  self->kept = g_ptr_array_new_with_free_func (g_object_unref);
  self->parser = shoal_cmtrace_parser_new (on_record, self);
  return self;
}

void
shoal_log_analysis_push (ShoalLogAnalysis *self,
                         const void       *data,
                         gsize             len)
{
  g_return_if_fail (SHOAL_IS_LOG_ANALYSIS (self));
  g_return_if_fail (!self->finished);

  shoal_cmtrace_parser_push (self->parser, data, len);
}

/* Ends the log and works out the findings. */
void
shoal_log_analysis_finish (ShoalLogAnalysis *self)
{
  g_return_if_fail (SHOAL_IS_LOG_ANALYSIS (self));
  g_return_if_fail (!self->finished);

  shoal_cmtrace_parser_finish (self->parser);
  g_clear_pointer (&self->parser, shoal_cmtrace_parser_free);
  self->finished = TRUE;
  g_clear_pointer (&self->window, g_ptr_array_unref);

  find_root_cause (self);
  g_list_store_splice (self->entries, 0, 0, self->kept->pdata, self->kept->len);
  g_clear_pointer (&self->kept, g_ptr_array_unref);
  self->headline = build_headline (self);
  self->summary = build_summary (self, 0);
  self->summary_wrapped = build_summary (self, SHOAL_DIAG_TEXT_WIDTH);
}

/* Reads @stream to its end and finishes the analysis. */
gboolean
shoal_log_analysis_read_stream (ShoalLogAnalysis  *self,
                                GInputStream      *stream,
                                GCancellable      *cancellable,
                                GError           **error)
{
  g_autofree guint8 *buf = NULL;

  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  buf = g_malloc (64 * 1024);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (stream, buf, 64 * 1024, cancellable, &local_error);

      if (n < 0)
        {
          g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_READ, "%s: %s", self->name,
                       local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      shoal_log_analysis_push (self, buf, n);
    }
  shoal_log_analysis_finish (self);
  return TRUE;
}

/**
 * shoal_log_analysis_analyze_file:
 *
 * Returns: (transfer full): the finished analysis, or NULL with @error naming the file when it
 *   cannot be read
 */
ShoalLogAnalysis *
shoal_log_analysis_analyze_file (GFile                 *file,
                                 ShoalLogAnalysisFlags  flags,
                                 GCancellable          *cancellable,
                                 GError               **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(ShoalLogAnalysis) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_file_get_parse_name (file);
  in = g_file_read (file, cancellable, &local_error);
  if (in == NULL)
    {
      g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_READ, "cannot read %s: %s", name,
                   local_error->message);
      return NULL;
    }
  self = shoal_log_analysis_new (name, flags);
  if (!shoal_log_analysis_read_stream (self, G_INPUT_STREAM (in), cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
analyze_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  ShoalLogAnalysis *self;

  self = shoal_log_analysis_analyze_file (task_data,
                                          GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task),
                                                                               "flags")),
                                          cancellable, &error);
  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, g_object_unref);
}

/* Analyses @file in a worker thread; the console uses it with SHOAL_LOG_ANALYSIS_KEEP_ENTRIES. */
void
shoal_log_analysis_analyze_file_async (GFile                 *file,
                                       ShoalLogAnalysisFlags  flags,
                                       GCancellable          *cancellable,
                                       GAsyncReadyCallback    callback,
                                       gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_log_analysis_analyze_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_object_set_data (G_OBJECT (task), "flags", GUINT_TO_POINTER (flags));
  g_task_run_in_thread (task, analyze_in_thread);
}

ShoalLogAnalysis *
shoal_log_analysis_analyze_file_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
shoal_log_analysis_get_name (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->name;
}

ShoalLogOutcome
shoal_log_analysis_get_outcome (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), SHOAL_LOG_OUTCOME_UNKNOWN);
  return self->outcome;
}

const char *
shoal_log_analysis_get_failing_step (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->failing_step;
}

/* The entry where the log says the run failed, or NULL. */
ShoalLogEntry *
shoal_log_analysis_get_failure (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->failure;
}

/* The first real error of a failed run (or the first error when the log reports no outcome). */
ShoalLogEntry *
shoal_log_analysis_get_root_cause (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->root_cause;
}

ShoalDecodedCode *
shoal_log_analysis_get_root_code (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->root_code_entry ? shoal_log_entry_get_code (self->root_code_entry) : NULL;
}

/* The first generic error after the root cause that only passes it on, or NULL. */
ShoalLogEntry *
shoal_log_analysis_get_wrapper (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->wrapper;
}

ShoalLogEntry *
shoal_log_analysis_get_first_error (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->first_error;
}

guint64
shoal_log_analysis_get_n_entries (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), 0);
  return self->n_entries;
}

guint64
shoal_log_analysis_get_n_errors (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), 0);
  return self->n_errors;
}

guint64
shoal_log_analysis_get_n_warnings (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), 0);
  return self->n_warnings;
}

/* Entries and lines that could not be read fully. */
guint64
shoal_log_analysis_get_n_bad (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), 0);
  return self->n_bad;
}

/* How many times the log mentions the failure code @value. */
guint
shoal_log_analysis_get_code_count (ShoalLogAnalysis *self,
                                   guint32           value)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->code_counts, GUINT_TO_POINTER (value)));
}

/* Every entry, with SHOAL_LOG_ANALYSIS_KEEP_ENTRIES; empty otherwise. */
GListModel *
shoal_log_analysis_get_entries (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return G_LIST_MODEL (self->entries);
}

/* Where @entry is in the entries model (to show the root cause), or G_MAXUINT. */
guint
shoal_log_analysis_get_entry_position (ShoalLogAnalysis *self,
                                       ShoalLogEntry    *entry)
{
  guint pos;

  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), G_MAXUINT);
  g_return_val_if_fail (entry == NULL || SHOAL_IS_LOG_ENTRY (entry), G_MAXUINT);

  if (entry == NULL || !g_list_store_find (self->entries, entry, &pos))
    return G_MAXUINT;
  return pos;
}

/* The first entry that mentions each distinct failure code, in log order. */
GListModel *
shoal_log_analysis_get_codes (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return G_LIST_MODEL (self->codes);
}

/* Entries and lines that could not be read fully, with their problem (the first 1000). */
GListModel *
shoal_log_analysis_get_bad_lines (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return G_LIST_MODEL (self->bad_lines);
}

/* One line: "Apply Operating System failed: 0x80072EE2 ERROR_WINHTTP_TIMEOUT (line 33)". */
const char *
shoal_log_analysis_get_headline (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->headline;
}

/* The summary in words (see shoal_log_analysis_dup_summary()) with no line wrapping, for
 * labels that wrap by themselves; NULL before finish. */
const char *
shoal_log_analysis_get_summary (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  return self->summary;
}

/**
 * shoal_log_analysis_dup_summary:
 *
 * What failed, when, in which component, the root-cause line, why and what to try; the codes
 * seen and the lines that could not be read. Wrapped at 96 columns for a terminal.
 *
 * Returns: (transfer full): several lines of text
 */
char *
shoal_log_analysis_dup_summary (ShoalLogAnalysis *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  g_return_val_if_fail (self->finished, NULL);

  return g_strdup (self->summary_wrapped);
}

static void
add_entry_member (JsonBuilder   *b,
                  const char    *member,
                  ShoalLogEntry *entry)
{
  json_builder_set_member_name (b, member);
  if (entry != NULL)
    json_builder_add_value (b, shoal_log_entry_to_json (entry));
  else
    json_builder_add_null_value (b);
}

/**
 * shoal_log_analysis_to_json:
 *
 * Returns: (transfer full): the findings as an object, for scripts
 */
JsonNode *
shoal_log_analysis_to_json (ShoalLogAnalysis *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  ShoalDecodedCode *root_code;
  GListModel *codes, *bad;

  g_return_val_if_fail (SHOAL_IS_LOG_ANALYSIS (self), NULL);
  g_return_val_if_fail (self->finished, NULL);

  root_code = shoal_log_analysis_get_root_code (self);
  codes = G_LIST_MODEL (self->codes);
  bad = G_LIST_MODEL (self->bad_lines);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, self->name);
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, outcome_name (self->outcome));
  json_builder_set_member_name (b, "headline");
  json_builder_add_string_value (b, self->headline);
  json_builder_set_member_name (b, "failing_step");
  if (self->failing_step != NULL)
    json_builder_add_string_value (b, self->failing_step);
  else
    json_builder_add_null_value (b);
  add_entry_member (b, "step_start", self->failing_step_entry);
  add_entry_member (b, "failure", self->failure);
  add_entry_member (b, "root_cause", self->root_cause);
  json_builder_set_member_name (b, "root_code");
  if (root_code != NULL)
    json_builder_add_value (b, shoal_decoded_code_to_json (root_code));
  else
    json_builder_add_null_value (b);
  add_entry_member (b, "passed_on_by", self->wrapper);

  json_builder_set_member_name (b, "codes");
  json_builder_begin_array (b);
  for (guint i = 0; i < g_list_model_get_n_items (codes); i++)
    {
      g_autoptr(ShoalLogEntry) e = g_list_model_get_item (codes, i);
      ShoalDecodedCode *c = shoal_log_entry_get_code (e);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, shoal_decoded_code_get_hex (c));
      json_builder_set_member_name (b, "name");
      if (shoal_decoded_code_get_name (c) != NULL)
        json_builder_add_string_value (b, shoal_decoded_code_get_name (c));
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "first_line");
      json_builder_add_int_value (b, (gint64) shoal_log_entry_get_line (e));
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, shoal_log_analysis_get_code_count (
                                       self, shoal_decoded_code_get_value (c)));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "counts");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "entries");
  json_builder_add_int_value (b, (gint64) self->n_entries);
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, (gint64) self->n_errors);
  json_builder_set_member_name (b, "warnings");
  json_builder_add_int_value (b, (gint64) self->n_warnings);
  json_builder_set_member_name (b, "bad");
  json_builder_add_int_value (b, (gint64) self->n_bad);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "bad_lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < g_list_model_get_n_items (bad); i++)
    {
      g_autoptr(ShoalLogEntry) e = g_list_model_get_item (bad, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, (gint64) shoal_log_entry_get_line (e));
      json_builder_set_member_name (b, "problem");
      json_builder_add_string_value (b, shoal_log_entry_get_problem (e));
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, shoal_log_entry_get_message (e));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, self->summary_wrapped);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
