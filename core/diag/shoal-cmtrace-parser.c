/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A streaming CMTrace log parser. Bytes are decoded (UTF-8, or UTF-16 with or without a BOM),
 * split into lines, and lines into entries; multi-line messages, attributes in any order, the
 * bias of the time and the older $$< format are understood. What is not an entry is reported
 * with its line number, never dropped. Memory stays bounded by SHOAL_CMTRACE_MAX_ENTRY. */
#include "config.h"

#include <string.h>

#include "shoal-cmtrace-parser.h"

#define LOG_START     "<![LOG["
#define LOG_START_LEN 7
#define LOG_END       "]LOG]!>"
#define LOG_END_LEN   7
#define MAX_PENDING_LINES 64
#define READ_CHUNK    (64 * 1024)

typedef struct
{
  guint64 line;
  gsize   offset;
} PendingLine;

struct _ShoalCmtraceParser
{
  ShoalLogRecordFunc func;
  gpointer           user_data;

  /* Decoding: the first bytes decide the encoding. */
  guint8      head[4];
  gsize       n_head;
  gboolean    decided;
  GConverter *converter;    /* UTF-16 to UTF-8, or NULL for UTF-8 */
  GByteArray *carry;        /* bytes of a character split between two pushes */

  /* The line being assembled. */
  GString    *line;
  guint64     line_no;
  gboolean    line_cut;

  /* A CMTrace entry whose end marker has not come yet. */
  GString    *entry;
  gboolean    in_entry;
  guint64     entry_line;
  guint       entry_lines;

  /* Lines that are not entries: either the first lines of a multi-line legacy message, or bad
   * lines, which only the next line tells apart. */
  GString    *pending;
  GArray     *pending_lines;

  /* Scratch space for the fields of the record being emitted. */
  GString    *message;
  GString    *component;
  GString    *context;
  GString    *thread;
  GString    *file;
  GString    *date;
  GString    *time;
  GString    *type;
  GString    *problem;
};

const char *
shoal_log_severity_name (ShoalLogSeverity severity)
{
  switch (severity)
    {
    case SHOAL_LOG_SEVERITY_INFO: return "info";
    case SHOAL_LOG_SEVERITY_WARNING: return "warning";
    case SHOAL_LOG_SEVERITY_ERROR: return "error";
    case SHOAL_LOG_SEVERITY_NONE:
    default: return "none";
    }
}

/**
 * shoal_cmtrace_parser_new:
 * @func: called once per entry, in order, with a record that lives during the call only
 *
 * Returns: (transfer full): a parser; feed it with shoal_cmtrace_parser_push(), then call
 *   shoal_cmtrace_parser_finish()
 */
ShoalCmtraceParser *
shoal_cmtrace_parser_new (ShoalLogRecordFunc func,
                          gpointer           user_data)
{
  ShoalCmtraceParser *self = g_new0 (ShoalCmtraceParser, 1);

  g_return_val_if_fail (func != NULL, NULL);

  self->func = func;
  self->user_data = user_data;
  self->carry = g_byte_array_new ();
  self->line = g_string_new (NULL);
  self->line_no = 1;
  self->entry = g_string_new (NULL);
  self->pending = g_string_new (NULL);
  self->pending_lines = g_array_new (FALSE, FALSE, sizeof (PendingLine));
  self->message = g_string_new (NULL);
  self->component = g_string_new (NULL);
  self->context = g_string_new (NULL);
  self->thread = g_string_new (NULL);
  self->file = g_string_new (NULL);
  self->date = g_string_new (NULL);
  self->time = g_string_new (NULL);
  self->type = g_string_new (NULL);
  self->problem = g_string_new (NULL);
  return self;
}

void
shoal_cmtrace_parser_free (ShoalCmtraceParser *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->converter);
  g_byte_array_unref (self->carry);
  g_string_free (self->line, TRUE);
  g_string_free (self->entry, TRUE);
  g_string_free (self->pending, TRUE);
  g_array_unref (self->pending_lines);
  g_string_free (self->message, TRUE);
  g_string_free (self->component, TRUE);
  g_string_free (self->context, TRUE);
  g_string_free (self->thread, TRUE);
  g_string_free (self->file, TRUE);
  g_string_free (self->date, TRUE);
  g_string_free (self->time, TRUE);
  g_string_free (self->type, TRUE);
  g_string_free (self->problem, TRUE);
  g_free (self);
}

/* Lines read so far (the last one counts once it has a character). */
guint64
shoal_cmtrace_parser_get_n_lines (ShoalCmtraceParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->line->len > 0 ? self->line_no : self->line_no - 1;
}

/* Sets @dst to @len bytes of @src, replacing invalid UTF-8. */
static void
set_text (GString    *dst,
          const char *src,
          gsize       len)
{
  g_string_truncate (dst, 0);
  if (g_utf8_validate_len (src, len, NULL))
    g_string_append_len (dst, src, len);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (src, len);
      g_string_append (dst, valid);
    }
}

static void
clear_fields (ShoalCmtraceParser *self)
{
  g_string_truncate (self->message, 0);
  g_string_truncate (self->component, 0);
  g_string_truncate (self->context, 0);
  g_string_truncate (self->thread, 0);
  g_string_truncate (self->file, 0);
  g_string_truncate (self->date, 0);
  g_string_truncate (self->time, 0);
  g_string_truncate (self->type, 0);
  g_string_truncate (self->problem, 0);
}

static void
emit (ShoalCmtraceParser *self,
      ShoalLogRecord     *rec)
{
  rec->message = self->message->str;
  rec->component = self->component->str;
  rec->context = self->context->str;
  rec->thread = self->thread->str;
  rec->file = self->file->str;
  rec->date_text = self->date->str;
  rec->time_text = self->time->str;
  rec->problem = self->problem->len > 0 ? self->problem->str : NULL;
  self->func (rec, self->user_data);
}

static void
emit_bad (ShoalCmtraceParser *self,
          const char         *text,
          gsize               len,
          guint64             line,
          guint               n_lines,
          const char         *problem)
{
  ShoalLogRecord rec = { 0 };

  clear_fields (self);
  set_text (self->message, text, len);
  g_string_assign (self->problem, problem);
  rec.format = SHOAL_LOG_FORMAT_BAD;
  rec.line = line;
  rec.n_lines = n_lines;
  emit (self, &rec);
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
skip_space (const char *p)
{
  while (is_space (*p))
    p++;
  return p;
}

static gboolean
is_blank (const char *s)
{
  return *skip_space (s) == '\0';
}

/* ---- dates and times ---- */

static gint64
days_from_civil (int      y,
                 unsigned m,
                 unsigned d)
{
  int era;
  unsigned yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (gint64) era * 146097 + (gint64) doe - 719468;
}

/* Reads 1..@max digits; returns the number of digits read. */
static guint
read_digits (const char **p,
             guint        max,
             guint64     *value)
{
  guint n = 0;

  *value = 0;
  while (n < max && g_ascii_isdigit ((*p)[n]))
    {
      *value = *value * 10 + ((*p)[n] - '0');
      n++;
    }
  *p += n;
  return n;
}

static gboolean
valid_date (guint64 y,
            guint64 m,
            guint64 d)
{
  return y >= 1601 && y <= 9999 && m >= 1 && m <= 12 && d >= 1
         && d <= g_date_get_days_in_month ((GDateMonth) m, (GDateYear) y);
}

/* "M-D-YYYY" (also with '/'): days since 1970-01-01. */
static gboolean
parse_date (const char *s,
            gint64     *days)
{
  guint64 y, m, d;
  char sep;

  if (read_digits (&s, 2, &m) == 0 || (*s != '-' && *s != '/'))
    return FALSE;
  sep = *s++;
  if (read_digits (&s, 2, &d) == 0 || *s++ != sep)
    return FALSE;
  if (read_digits (&s, 4, &y) != 4 || *s != '\0' || !valid_date (y, m, d))
    return FALSE;
  *days = days_from_civil ((int) y, (unsigned) m, (unsigned) d);
  return TRUE;
}

/* "HH:MM:SS[.fff][+-bias]": microseconds since midnight, and the bias in minutes. */
static gboolean
parse_time (const char *s,
            gint64     *usec,
            int        *bias,
            gboolean   *has_bias)
{
  guint64 h, m, sec, frac = 0, b;
  guint n_frac = 0;

  if (read_digits (&s, 2, &h) == 0 || *s++ != ':' || read_digits (&s, 2, &m) != 2
      || *s++ != ':' || read_digits (&s, 2, &sec) != 2 || h > 23 || m > 59 || sec > 60)
    return FALSE;
  if (*s == '.')
    {
      s++;
      if ((n_frac = read_digits (&s, 9, &frac)) == 0)
        return FALSE;
      while (g_ascii_isdigit (*s))
        s++;
    }
  for (guint i = n_frac; i < 6; i++)
    frac *= 10;
  for (guint i = 6; i < n_frac; i++)
    frac /= 10;
  *usec = ((gint64) (h * 3600 + m * 60 + sec)) * G_USEC_PER_SEC + (gint64) frac;
  *has_bias = FALSE;
  *bias = 0;
  if (*s == '+' || *s == '-')
    {
      char sign = *s++;

      if (read_digits (&s, 4, &b) == 0 || b > 24 * 60)
        return FALSE;
      *bias = sign == '-' ? -(int) b : (int) b;
      *has_bias = TRUE;
    }
  return *s == '\0';
}

static void
set_time (ShoalLogRecord *rec,
          gint64          days,
          gint64          usec,
          int             bias,
          gboolean        has_bias)
{
  rec->has_time = TRUE;
  rec->has_bias = has_bias;
  rec->bias_minutes = bias;
  rec->local_usec = days * 86400 * G_USEC_PER_SEC + usec;
  rec->utc_usec = rec->local_usec + (gint64) bias * 60 * G_USEC_PER_SEC;
}

/* The SMS 2003 form: "Thu Nov 02 14:52:47.546 2006 Eastern Standard Time"; no bias. */
static gboolean
parse_textual_datetime (const char     *s,
                        ShoalLogRecord *rec)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  g_auto(GStrv) parts = g_strsplit (s, " ", 6);
  const char *p;
  const char *found;
  guint64 d, y;
  gint64 usec;
  int bias;
  gboolean has_bias;

  if (g_strv_length (parts) < 5 || strlen (parts[1]) != 3)
    return FALSE;
  found = strstr (months, parts[1]);
  if (found == NULL || (found - months) % 3 != 0)
    return FALSE;
  p = parts[2];
  if (read_digits (&p, 2, &d) == 0 || *p != '\0')
    return FALSE;
  p = parts[4];
  if (read_digits (&p, 4, &y) != 4 || *p != '\0')
    return FALSE;
  if (!valid_date (y, (found - months) / 3 + 1, d)
      || !parse_time (parts[3], &usec, &bias, &has_bias) || has_bias)
    return FALSE;
  set_time (rec, days_from_civil ((int) y, (unsigned) ((found - months) / 3 + 1), (unsigned) d),
            usec, 0, FALSE);
  return TRUE;
}

static void
add_problem (ShoalCmtraceParser *self,
             const char         *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_problem (ShoalCmtraceParser *self,
             const char         *format,
             ...)
{
  va_list args;

  if (self->problem->len > 0)
    g_string_append (self->problem, "; ");
  va_start (args, format);
  g_string_append_vprintf (self->problem, format, args);
  va_end (args);
}

/* Fills the record's time from the date and time fields, noting what cannot be read. */
static void
read_date_time (ShoalCmtraceParser *self,
                ShoalLogRecord     *rec)
{
  gint64 days, usec;
  int bias;
  gboolean has_bias;
  gboolean date_ok, time_ok;

  if (self->date->len == 0 && self->time->len == 0)
    return;
  date_ok = parse_date (self->date->str, &days);
  time_ok = parse_time (self->time->str, &usec, &bias, &has_bias);
  if (!date_ok)
    add_problem (self, "date “%s” is not M-D-YYYY", self->date->str);
  if (!time_ok)
    add_problem (self, "time “%s” is not HH:MM:SS.mmm±bias", self->time->str);
  if (date_ok && time_ok)
    set_time (rec, days, usec, bias, has_bias);
}

/* ---- CMTrace entries ---- */

static void
set_attribute (ShoalCmtraceParser *self,
               const char         *name,
               gsize               name_len,
               const char         *value,
               gsize               len)
{
  static const struct { const char *name; gsize offset; } fields[] = {
    { "time", G_STRUCT_OFFSET (ShoalCmtraceParser, time) },
    { "date", G_STRUCT_OFFSET (ShoalCmtraceParser, date) },
    { "component", G_STRUCT_OFFSET (ShoalCmtraceParser, component) },
    { "context", G_STRUCT_OFFSET (ShoalCmtraceParser, context) },
    { "type", G_STRUCT_OFFSET (ShoalCmtraceParser, type) },
    { "thread", G_STRUCT_OFFSET (ShoalCmtraceParser, thread) },
    { "file", G_STRUCT_OFFSET (ShoalCmtraceParser, file) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strlen (fields[i].name) == name_len
        && g_ascii_strncasecmp (fields[i].name, name, name_len) == 0)
      {
        set_text (G_STRUCT_MEMBER (GString *, self, fields[i].offset), value, len);
        return;
      }
}

/* Reads <name="value" ...> in any order. Returns the text after the closing '>', or NULL
 * when the attributes are cut short (the problem is noted). */
static const char *
parse_attributes (ShoalCmtraceParser *self,
                  const char         *p)
{
  if (*p != '<')
    {
      add_problem (self, "no attributes after the message: the line was cut short");
      return NULL;
    }
  p++;
  for (;;)
    {
      const char *name, *value, *end;
      gsize name_len;

      p = skip_space (p);
      if (*p == '>')
        return p + 1;
      if (*p == '\0')
        {
          add_problem (self, "the attributes end early: the line was cut short");
          return NULL;
        }
      name = p;
      while (g_ascii_isalnum (*p) || *p == '_' || *p == '-')
        p++;
      name_len = p - name;
      if (name_len == 0)
        {
          /* The character may be several bytes of UTF-8 (or not UTF-8 at all). */
          const char *next = g_utf8_find_next_char (p, NULL);
          gsize n = next ? (gsize) (next - p) : 1;

          if (g_utf8_validate_len (p, n, NULL))
            add_problem (self, "unexpected character “%.*s” among the attributes", (int) n, p);
          else
            add_problem (self, "unexpected byte 0x%02X among the attributes", (guint8) *p);
          return NULL;
        }
      p = skip_space (p);
      if (*p != '=')
        {
          add_problem (self, "attribute “%.*s” has no value", (int) name_len, name);
          return NULL;
        }
      p = skip_space (p + 1);
      if (*p != '"')
        {
          add_problem (self, "the value of attribute “%.*s” is not quoted", (int) name_len,
                       name);
          return NULL;
        }
      value = p + 1;
      end = strchr (value, '"');
      if (end == NULL)
        {
          set_attribute (self, name, name_len, value, strlen (value));
          add_problem (self, "attribute “%.*s” is cut short", (int) name_len, name);
          return NULL;
        }
      set_attribute (self, name, name_len, value, end - value);
      p = end + 1;
    }
}

/* The entry in self->entry is complete (it holds the end marker). Returns what follows the
 * entry on its last line, when that is not blank. */
static char *
complete_entry (ShoalCmtraceParser *self)
{
  const char *msg = self->entry->str + LOG_START_LEN;
  const char *end = strstr (msg, LOG_END);
  const char *rest;
  ShoalLogRecord rec = { 0 };

  g_assert (end != NULL);
  self->in_entry = FALSE;
  clear_fields (self);
  set_text (self->message, msg, end - msg);
  rest = parse_attributes (self, end + LOG_END_LEN);

  if (self->type->len > 0)
    {
      if (self->type->len == 1 && self->type->str[0] >= '0' && self->type->str[0] <= '3')
        rec.severity = self->type->str[0] - '0';
      else
        add_problem (self, "type “%s” is not 0, 1, 2 or 3", self->type->str);
    }
  read_date_time (self, &rec);
  rec.format = SHOAL_LOG_FORMAT_CMTRACE;
  rec.line = self->entry_line;
  rec.n_lines = self->entry_lines;
  emit (self, &rec);

  if (rest == NULL || is_blank (rest))
    return NULL;
  return g_strdup (skip_space (rest));
}

static void
emit_cut_entry (ShoalCmtraceParser *self,
                const char         *why)
{
  g_autofree char *problem =
    g_strdup_printf ("the entry that starts on line %" G_GUINT64_FORMAT " %s", self->entry_line,
                     why);

  emit_bad (self, self->entry->str, self->entry->len, self->entry_line, self->entry_lines,
            problem);
  self->in_entry = FALSE;
}

/* ---- legacy entries ---- */

static ShoalLogSeverity
infer_severity (const char *message)
{
  g_autofree char *lower = g_ascii_strdown (message, -1);

  if (strstr (lower, "error") != NULL || strstr (lower, "fail") != NULL)
    return SHOAL_LOG_SEVERITY_ERROR;
  if (strstr (lower, "warn") != NULL)
    return SHOAL_LOG_SEVERITY_WARNING;
  return SHOAL_LOG_SEVERITY_INFO;
}

/* "message $$<Component><date time><thread=N (0xN)>": the trailer must end the line. */
static gboolean
split_legacy (const char  *s,
              const char **mark,
              const char **component,
              const char **datetime,
              const char **thread,
              gsize        lens[3])
{
  const char *p, *end;

  *mark = g_strrstr (s, "$$<");
  if (*mark == NULL)
    return FALSE;
  p = *mark + 3;
  if ((end = strchr (p, '>')) == NULL)
    return FALSE;
  *component = p;
  lens[0] = end - p;
  p = end + 1;
  if (*p != '<' || (end = strchr (p + 1, '>')) == NULL)
    return FALSE;
  *datetime = p + 1;
  lens[1] = end - (p + 1);
  p = end + 1;
  if (!g_str_has_prefix (p, "<thread=") || (end = strchr (p + 8, '>')) == NULL)
    return FALSE;
  *thread = p + 8;
  lens[2] = end - (p + 8);
  return is_blank (end + 1);
}

static void
emit_legacy (ShoalCmtraceParser *self,
             const char         *s,
             guint64             line_no)
{
  const char *mark, *component, *datetime, *thread;
  g_autofree char *when = NULL;
  gsize lens[3];
  gsize msg_len;
  ShoalLogRecord rec = { 0 };
  char *space;

  if (!split_legacy (s, &mark, &component, &datetime, &thread, lens))
    g_assert_not_reached ();

  clear_fields (self);
  msg_len = mark - s;
  while (msg_len > 0 && is_space (s[msg_len - 1]))
    msg_len--;
  if (self->pending_lines->len > 0)
    {
      g_string_append_c (self->pending, '\n');
      g_string_append_len (self->pending, s, msg_len);
      set_text (self->message, self->pending->str, self->pending->len);
      rec.line = g_array_index (self->pending_lines, PendingLine, 0).line;
      rec.n_lines = self->pending_lines->len + 1;
      g_string_truncate (self->pending, 0);
      g_array_set_size (self->pending_lines, 0);
    }
  else
    {
      set_text (self->message, s, msg_len);
      rec.line = line_no;
      rec.n_lines = 1;
    }
  set_text (self->component, component, lens[0]);
  set_text (self->thread, thread, lens[2]);

  /* "01-15-2008 13:45:01.687+300" (ConfigMgr 2007) or the SMS 2003 textual form. */
  when = g_strndup (datetime, lens[1]);
  space = strchr (when, ' ');
  if (space != NULL && g_ascii_isdigit (when[0]))
    {
      *space = '\0';
      set_text (self->date, when, strlen (when));
      set_text (self->time, space + 1, strlen (space + 1));
      read_date_time (self, &rec);
    }
  else
    {
      set_text (self->time, datetime, lens[1]);
      if (!parse_textual_datetime (self->time->str, &rec))
        add_problem (self, "time “%s” not understood", self->time->str);
    }
  rec.format = SHOAL_LOG_FORMAT_LEGACY;
  rec.severity = infer_severity (self->message->str);
  rec.severity_inferred = TRUE;
  emit (self, &rec);
}

/* ---- lines that are not entries ---- */

static void
flush_pending_line (ShoalCmtraceParser *self)
{
  PendingLine first = g_array_index (self->pending_lines, PendingLine, 0);
  gsize end = self->pending_lines->len > 1
              ? g_array_index (self->pending_lines, PendingLine, 1).offset - 1
              : self->pending->len;
  g_autofree char *text = g_strndup (self->pending->str, end);

  if (!is_blank (text))
    emit_bad (self, text, end, first.line, 1, "not a log entry");
  g_string_erase (self->pending, 0, MIN (end + 1, self->pending->len));
  g_array_remove_index (self->pending_lines, 0);
  for (guint i = 0; i < self->pending_lines->len; i++)
    g_array_index (self->pending_lines, PendingLine, i).offset -= end + 1;
}

static void
flush_pending (ShoalCmtraceParser *self)
{
  while (self->pending_lines->len > 0)
    flush_pending_line (self);
}

static void
add_pending (ShoalCmtraceParser *self,
             const char         *s,
             guint64             line_no)
{
  gsize len = strlen (s);
  PendingLine pl;

  while (self->pending_lines->len > 0
         && (self->pending_lines->len >= MAX_PENDING_LINES
             || self->pending->len + len + 1 > SHOAL_CMTRACE_MAX_ENTRY))
    flush_pending_line (self);
  if (self->pending_lines->len == 0 && is_blank (s))
    return;
  if (self->pending_lines->len > 0)
    g_string_append_c (self->pending, '\n');
  pl.line = line_no;
  pl.offset = self->pending->len;
  g_string_append_len (self->pending, s, len);
  g_array_append_val (self->pending_lines, pl);
}

/* ---- lines ---- */

static void
dispatch (ShoalCmtraceParser *self,
          const char         *s,
          guint64             line_no)
{
  g_autofree char *owned = NULL;

  while (s != NULL)
    {
      const char *p;
      const char *mark, *c, *d, *t;
      gsize lens[3];

      p = skip_space (s);
      if (self->in_entry)
        {
          if (g_str_has_prefix (p, LOG_START))
            emit_cut_entry (self, "has no end marker “" LOG_END "”: it was cut short");
          else if (self->entry->len + 1 + strlen (s) > SHOAL_CMTRACE_MAX_ENTRY)
            {
              emit_cut_entry (self,
                              "is longer than 1 MiB without its end marker “" LOG_END "”");
              continue;
            }
          else
            {
              g_string_append_c (self->entry, '\n');
              g_string_append (self->entry, s);
              self->entry_lines++;
              if (strstr (s, LOG_END) == NULL)
                return;
              g_free (owned);
              s = owned = complete_entry (self);
              continue;
            }
        }

      if (g_str_has_prefix (p, LOG_START))
        {
          flush_pending (self);
          g_string_assign (self->entry, p);
          self->in_entry = TRUE;
          self->entry_line = line_no;
          self->entry_lines = 1;
          if (strstr (p + LOG_START_LEN, LOG_END) == NULL)
            return;
          g_free (owned);
          s = owned = complete_entry (self);
          continue;
        }
      if (split_legacy (s, &mark, &c, &d, &t, lens))
        {
          emit_legacy (self, s, line_no);
          return;
        }
      add_pending (self, s, line_no);
      return;
    }
}

static void
end_line (ShoalCmtraceParser *self)
{
  GString *line = self->line;
  gsize w = 0;
  gboolean had_nul = FALSE;

  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  /* A log cut off while it was written often ends in NUL bytes. */
  for (gsize r = 0; r < line->len; r++)
    {
      if (line->str[r] == '\0')
        had_nul = TRUE;
      else
        line->str[w++] = line->str[r];
    }
  g_string_truncate (line, w);

  if (self->line_cut)
    {
      g_autofree char *problem =
        g_strdup_printf ("the line is longer than %d bytes; the rest of it was skipped",
                         SHOAL_CMTRACE_MAX_ENTRY);

      if (self->in_entry)
        emit_cut_entry (self, "was interrupted by an over-long line");
      flush_pending (self);
      emit_bad (self, line->str, line->len, self->line_no, 1, problem);
    }
  else if (had_nul && is_blank (line->str))
    {
      if (self->in_entry)
        emit_cut_entry (self, "was cut short (NUL bytes follow it)");
      flush_pending (self);
      emit_bad (self, "", 0, self->line_no, 1,
                "the line holds only NUL bytes: the log was cut off while it was written");
    }
  else
    dispatch (self, line->str, self->line_no);

  g_string_truncate (line, 0);
  self->line_cut = FALSE;
  self->line_no++;
}

static void
push_utf8 (ShoalCmtraceParser *self,
           const char         *data,
           gsize               len)
{
  while (len > 0)
    {
      const char *nl = memchr (data, '\n', len);
      gsize chunk = nl ? (gsize) (nl - data) : len;

      if (!self->line_cut)
        {
          gsize room = SHOAL_CMTRACE_MAX_ENTRY - self->line->len;
          gsize take = MIN (chunk, room);

          g_string_append_len (self->line, data, take);
          if (take < chunk)
            self->line_cut = TRUE;
        }
      if (nl == NULL)
        return;
      end_line (self);
      data = nl + 1;
      len -= chunk + 1;
    }
}

static void
push_decoded (ShoalCmtraceParser *self,
              const guint8       *data,
              gsize               len,
              gboolean            at_end)
{
  gsize in_left, done = 0;

  if (self->converter == NULL)
    {
      push_utf8 (self, (const char *) data, len);
      return;
    }
  g_byte_array_append (self->carry, data, len);
  in_left = self->carry->len;
  while (in_left > 0)
    {
      char out[16384];
      gsize read = 0, written = 0;
      g_autoptr(GError) error = NULL;
      GConverterResult res;

      res = g_converter_convert (self->converter, self->carry->data + done, in_left, out,
                                 sizeof out, at_end ? G_CONVERTER_INPUT_AT_END
                                                    : G_CONVERTER_NO_FLAGS,
                                 &read, &written, &error);
      if (res == G_CONVERTER_ERROR)
        {
          if (!at_end && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            break;
          /* An unpaired surrogate or an odd last byte: one replacement character. */
          push_utf8 (self, "\xEF\xBF\xBD", 3);
          read = MIN (in_left, 2);
          g_converter_reset (self->converter);
        }
      else
        push_utf8 (self, out, written);
      if (read == 0 && written == 0)
        break;
      done += read;
      in_left -= read;
    }
  g_byte_array_remove_range (self->carry, 0, done);
}

/* Looks at the first bytes: a BOM, or the zero bytes of UTF-16 text without one. */
static void
decide_encoding (ShoalCmtraceParser *self,
                 gboolean            at_end)
{
  const guint8 *h = self->head;
  gsize skip = 0;
  const char *charset = NULL;

  self->decided = TRUE;
  if (self->n_head >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
    skip = 3;
  else if (self->n_head >= 2 && h[0] == 0xFF && h[1] == 0xFE)
    charset = "UTF-16LE", skip = 2;
  else if (self->n_head >= 2 && h[0] == 0xFE && h[1] == 0xFF)
    charset = "UTF-16BE", skip = 2;
  else if (self->n_head >= 4 && h[0] != 0 && h[1] == 0 && h[2] != 0 && h[3] == 0)
    charset = "UTF-16LE";
  else if (self->n_head >= 4 && h[0] == 0 && h[1] != 0 && h[2] == 0 && h[3] != 0)
    charset = "UTF-16BE";

  if (charset != NULL)
    self->converter = G_CONVERTER (g_charset_converter_new ("UTF-8", charset, NULL));
  if (charset != NULL && self->converter == NULL)
    g_warning ("iconv cannot convert %s; reading the log as UTF-8", charset);
  push_decoded (self, h + skip, self->n_head - skip, at_end);
}

/* Feeds the next @len bytes of the log, in any chunk sizes. */
void
shoal_cmtrace_parser_push (ShoalCmtraceParser *self,
                           const void         *data,
                           gsize               len)
{
  const guint8 *bytes = data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  while (!self->decided && len > 0)
    {
      self->head[self->n_head++] = *bytes++;
      len--;
      if (self->n_head == sizeof self->head)
        decide_encoding (self, FALSE);
    }
  if (len > 0)
    push_decoded (self, bytes, len, FALSE);
}

/* Ends the log: the last line, an entry left open and pending lines are reported. */
void
shoal_cmtrace_parser_finish (ShoalCmtraceParser *self)
{
  g_return_if_fail (self != NULL);

  if (!self->decided)
    decide_encoding (self, TRUE);
  else if (self->converter != NULL)
    push_decoded (self, NULL, 0, TRUE);
  if (self->carry->len > 0)
    {
      push_utf8 (self, "\xEF\xBF\xBD", 3);
      g_byte_array_set_size (self->carry, 0);
    }
  if (self->line->len > 0 || self->line_cut)
    end_line (self);
  if (self->in_entry)
    emit_cut_entry (self, "has no end marker “" LOG_END "”: the log ends inside it");
  flush_pending (self);
}

/**
 * shoal_cmtrace_parse_stream:
 *
 * Reads @stream to its end in 64 KiB chunks, calling @func for every entry.
 *
 * Returns: FALSE with @error set when reading fails; the entries before the failure have been
 *   delivered
 */
gboolean
shoal_cmtrace_parse_stream (GInputStream       *stream,
                            ShoalLogRecordFunc  func,
                            gpointer            user_data,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(ShoalCmtraceParser) parser = NULL;
  g_autofree guint8 *buf = NULL;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  parser = shoal_cmtrace_parser_new (func, user_data);
  buf = g_malloc (READ_CHUNK);
  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, READ_CHUNK, cancellable, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      shoal_cmtrace_parser_push (parser, buf, n);
    }
  shoal_cmtrace_parser_finish (parser);
  return TRUE;
}
