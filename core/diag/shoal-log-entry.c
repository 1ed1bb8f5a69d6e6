/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One log entry as an object with read-only properties the console binds to. */
#include "config.h"

#include <string.h>

#include "shoal-log-entry.h"

/* The timeline shows the first line of a message, this long at most. */
#define HEADLINE_MAX 300

struct _ShoalLogEntry
{
  GObject parent_instance;

  guint64           line;
  guint             n_lines;
  ShoalLogFormat    format;
  ShoalLogSeverity  severity;
  gboolean          has_time;
  gboolean          has_bias;
  gint64            local_usec;
  gint64            utc_usec;
  int               bias_minutes;
  char             *message;
  char             *headline;
  char             *component;
  char             *thread;
  char             *file;
  char             *time_text;
  char             *problem;
  ShoalDecodedCode *code;
  ShoalLogRole      role;
};

G_DEFINE_FINAL_TYPE (ShoalLogEntry, shoal_log_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LINE,
  PROP_SEVERITY_NAME,
  PROP_MESSAGE,
  PROP_HEADLINE,
  PROP_COMPONENT,
  PROP_THREAD,
  PROP_FILE,
  PROP_TIME_TEXT,
  PROP_PROBLEM,
  PROP_CODE,
  PROP_CODE_LABEL,
  PROP_ROLE_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_log_entry_finalize (GObject *object)
{
  ShoalLogEntry *self = SHOAL_LOG_ENTRY (object);

  g_free (self->message);
  g_free (self->headline);
  g_free (self->component);
  g_free (self->thread);
  g_free (self->file);
  g_free (self->time_text);
  g_free (self->problem);
  g_clear_object (&self->code);

  G_OBJECT_CLASS (shoal_log_entry_parent_class)->finalize (object);
}

static void
shoal_log_entry_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalLogEntry *self = SHOAL_LOG_ENTRY (object);

  switch (prop_id)
    {
    case PROP_LINE: g_value_set_uint64 (value, self->line); break;
    case PROP_SEVERITY_NAME:
      g_value_set_string (value, shoal_log_entry_get_severity_name (self));
      break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    case PROP_HEADLINE: g_value_set_string (value, self->headline); break;
    case PROP_COMPONENT: g_value_set_string (value, self->component); break;
    case PROP_THREAD: g_value_set_string (value, self->thread); break;
    case PROP_FILE: g_value_set_string (value, self->file); break;
    case PROP_TIME_TEXT: g_value_set_string (value, self->time_text); break;
    case PROP_PROBLEM: g_value_set_string (value, self->problem); break;
    case PROP_CODE: g_value_set_object (value, self->code); break;
    case PROP_CODE_LABEL:
      g_value_set_string (value, shoal_log_entry_get_code_label (self));
      break;
    case PROP_ROLE_NAME:
      g_value_set_string (value, shoal_log_entry_get_role_name (self));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_log_entry_class_init (ShoalLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_log_entry_finalize;
  object_class->get_property = shoal_log_entry_get_property;

  properties[PROP_LINE] = g_param_spec_uint64 ("line", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_SEVERITY_NAME] = g_param_spec_string ("severity-name", NULL, NULL, NULL, f);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, f);
  properties[PROP_HEADLINE] = g_param_spec_string ("headline", NULL, NULL, NULL, f);
  properties[PROP_COMPONENT] = g_param_spec_string ("component", NULL, NULL, NULL, f);
  properties[PROP_THREAD] = g_param_spec_string ("thread", NULL, NULL, NULL, f);
  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL, f);
  properties[PROP_TIME_TEXT] = g_param_spec_string ("time-text", NULL, NULL, NULL, f);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, f);
  properties[PROP_CODE] = g_param_spec_object ("code", NULL, NULL, SHOAL_TYPE_DECODED_CODE, f);
  properties[PROP_CODE_LABEL] = g_param_spec_string ("code-label", NULL, NULL, NULL, f);
  properties[PROP_ROLE_NAME] = g_param_spec_string ("role-name", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_log_entry_init (ShoalLogEntry *self)
{
}

/* "2024-03-14 10:23:45.123" from microseconds since the epoch. */
static char *
format_usec (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *base = NULL;

  if (dt == NULL)
    return g_strdup ("?");
  base = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf ("%s.%03d", base, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

/**
 * shoal_log_entry_new:
 * @record: a parser record (its strings are copied)
 *
 * Returns: (transfer full): the entry
 */
ShoalLogEntry *
shoal_log_entry_new (const ShoalLogRecord *record)
{
  ShoalLogEntry *self;
  const char *nl;
  gsize head_len;

  g_return_val_if_fail (record != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_LOG_ENTRY, NULL);
  self->line = record->line;
  self->n_lines = record->n_lines;
  self->format = record->format;
  self->severity = record->severity;
  self->has_time = record->has_time;
  self->has_bias = record->has_bias;
  self->local_usec = record->local_usec;
  self->utc_usec = record->utc_usec;
  self->bias_minutes = record->bias_minutes;
  self->message = g_strdup (record->message);
  self->component = g_strdup (record->component);
  self->thread = g_strdup (record->thread);
  self->file = g_strdup (record->file);
  self->problem = g_strdup (record->problem);

  nl = strchr (self->message, '\n');
  head_len = nl ? (gsize) (nl - self->message) : strlen (self->message);
  if (head_len > HEADLINE_MAX)
    head_len = g_utf8_find_prev_char (self->message, self->message + HEADLINE_MAX)
               - self->message;
  self->headline = g_strndup (self->message, head_len);
  if (head_len < strlen (self->message))
    {
      char *longer = g_strconcat (self->headline, " …", NULL);
      g_free (self->headline);
      self->headline = longer;
    }

  if (record->has_time)
    self->time_text = format_usec (record->local_usec);
  else if (*record->date_text || *record->time_text)
    self->time_text = g_strdup_printf ("%s %s", record->date_text, record->time_text);
  else
    self->time_text = g_strdup ("");
  return self;
}

guint64
shoal_log_entry_get_line (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), 0);
  return self->line;
}

guint
shoal_log_entry_get_n_lines (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), 0);
  return self->n_lines;
}

ShoalLogFormat
shoal_log_entry_get_format (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), SHOAL_LOG_FORMAT_BAD);
  return self->format;
}

ShoalLogSeverity
shoal_log_entry_get_severity (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), SHOAL_LOG_SEVERITY_NONE);
  return self->severity;
}

/* "error", "warning", "info", "none", or "bad" for text that is not an entry. */
const char *
shoal_log_entry_get_severity_name (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);

  if (self->format == SHOAL_LOG_FORMAT_BAD)
    return "bad";
  return shoal_log_severity_name (self->severity);
}

const char *
shoal_log_entry_get_message (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->message;
}

const char *
shoal_log_entry_get_component (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->component;
}

const char *
shoal_log_entry_get_thread (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->thread;
}

const char *
shoal_log_entry_get_file (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->file;
}

gboolean
shoal_log_entry_get_has_time (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), FALSE);
  return self->has_time;
}

gint64
shoal_log_entry_get_utc_usec (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), 0);
  return self->utc_usec;
}

/* The writer's local time, "2024-03-14 10:23:45.123". */
const char *
shoal_log_entry_get_time_text (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->time_text;
}

/**
 * shoal_log_entry_dup_when:
 *
 * When the entry was written, in words: the writer's local time and, when the log gives the
 * bias, UTC ("2024-03-14 10:24:31.443 local time (18:24:31 UTC)").
 *
 * Returns: (transfer full): the text; "time unknown" without a time
 */
char *
shoal_log_entry_dup_when (ShoalLogEntry *self)
{
  g_autofree char *utc = NULL;

  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);

  if (!self->has_time)
    return g_strdup (*self->time_text ? self->time_text : "time unknown");
  if (!self->has_bias)
    return g_strdup_printf ("%s (the log gives no time zone)", self->time_text);
  utc = format_usec (self->utc_usec);
  return g_strdup_printf ("%s local time (%s UTC)", self->time_text, utc);
}

const char *
shoal_log_entry_get_problem (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->problem;
}

/* The first failure code the message mentions, decoded; NULL when it mentions none. */
ShoalDecodedCode *
shoal_log_entry_get_code (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->code;
}

void
shoal_log_entry_set_code (ShoalLogEntry    *self,
                          ShoalDecodedCode *code)
{
  g_return_if_fail (SHOAL_IS_LOG_ENTRY (self));
  g_return_if_fail (code == NULL || SHOAL_IS_DECODED_CODE (code));

  if (g_set_object (&self->code, code))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE_LABEL]);
    }
}

const char *
shoal_log_entry_get_code_label (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);
  return self->code ? shoal_decoded_code_get_label (self->code) : "";
}

ShoalLogRole
shoal_log_entry_get_role (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), SHOAL_LOG_ROLE_NONE);
  return self->role;
}

void
shoal_log_entry_set_role (ShoalLogEntry *self,
                          ShoalLogRole   role)
{
  g_return_if_fail (SHOAL_IS_LOG_ENTRY (self));

  if (self->role == role)
    return;
  self->role = role;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE_NAME]);
}

/* "root-cause", "wrapper", "failure", "step" or "" */
const char *
shoal_log_entry_get_role_name (ShoalLogEntry *self)
{
  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);

  switch (self->role)
    {
    case SHOAL_LOG_ROLE_ROOT_CAUSE: return "root-cause";
    case SHOAL_LOG_ROLE_WRAPPER: return "wrapper";
    case SHOAL_LOG_ROLE_FAILURE: return "failure";
    case SHOAL_LOG_ROLE_STEP: return "step";
    case SHOAL_LOG_ROLE_NONE:
    default: return "";
    }
}

/**
 * shoal_log_entry_dup_details:
 *
 * Everything about the entry for a side panel: where and when, what the analysis found it to
 * be, the whole message, why it could not be read fully, and its code decoded (unwrapped).
 *
 * Returns: (transfer full): several lines of text
 */
char *
shoal_log_entry_dup_details (ShoalLogEntry *self)
{
  static const char * const roles[] = {
    NULL, "The root cause of the failure.", "A generic error that only passes the cause on.",
    "Where the log reports the failure.", "Where the failing step started."
  };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *when = NULL;

  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);

  when = shoal_log_entry_dup_when (self);
  g_string_append_printf (out, "Line %" G_GUINT64_FORMAT, self->line);
  if (self->n_lines > 1)
    g_string_append_printf (out, " (%u lines)", self->n_lines);
  g_string_append_printf (out, " · %s", when);
  if (*self->component)
    g_string_append_printf (out, " · %s", self->component);
  if (*self->thread)
    g_string_append_printf (out, " · thread %s", self->thread);
  if (*self->file)
    g_string_append_printf (out, " · %s", self->file);
  if (self->severity == SHOAL_LOG_SEVERITY_ERROR || self->severity == SHOAL_LOG_SEVERITY_WARNING
      || self->format == SHOAL_LOG_FORMAT_BAD)
    g_string_append_printf (out, " · %s", shoal_log_entry_get_severity_name (self));
  g_string_append_c (out, '\n');
  if (roles[self->role] != NULL)
    g_string_append_printf (out, "%s\n", roles[self->role]);
  g_string_append_printf (out, "\n%s\n", *self->message ? self->message : "(empty message)");
  if (self->problem != NULL)
    g_string_append_printf (out, "\nNot read fully: %s\n", self->problem);
  if (self->code != NULL)
    {
      g_autofree char *text = shoal_decoded_code_dup_text_width (self->code, 0);
      g_string_append_printf (out, "\n%s", text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * shoal_log_entry_to_json:
 *
 * Returns: (transfer full): the entry as an object: line, time, component, message, code...
 */
JsonNode *
shoal_log_entry_to_json (ShoalLogEntry *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_LOG_ENTRY (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "line");
  json_builder_add_int_value (b, (gint64) self->line);
  json_builder_set_member_name (b, "lines");
  json_builder_add_int_value (b, self->n_lines);
  json_builder_set_member_name (b, "severity");
  json_builder_add_string_value (b, shoal_log_entry_get_severity_name (self));
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, self->time_text);
  json_builder_set_member_name (b, "utc");
  if (self->has_time && self->has_bias)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (self->utc_usec / G_USEC_PER_SEC);
      g_autofree char *iso = dt ? g_date_time_format_iso8601 (dt) : NULL;

      if (iso != NULL)
        json_builder_add_string_value (b, iso);
      else
        json_builder_add_null_value (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "component");
  json_builder_add_string_value (b, self->component);
  json_builder_set_member_name (b, "thread");
  json_builder_add_string_value (b, self->thread);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, self->message);
  json_builder_set_member_name (b, "problem");
  if (self->problem != NULL)
    json_builder_add_string_value (b, self->problem);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "code");
  if (self->code != NULL)
    json_builder_add_string_value (b, shoal_decoded_code_get_hex (self->code));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
