/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CSV (RFC 4180) reports, one row per client, and the client history across sessions as
 * CSV or JSON. A row is built once as a JSON object; both formats write the same rows. */
#include "config.h"

#include <string.h>

#include "shoal-report-private.h"

/* The columns, in order; each is a member of a row object. */
static const char *const columns[] = {
  "session", "package", "session_started", "host", "address", "mac", "joined", "finished",
  "multicast_bytes", "http_bytes", "loss", "average_rate_bps", "outcome", "error_code",
  "error_title", "error_text", "remedy",
};

static void
copy_member (JsonObject *to, const char *to_key, JsonObject *from, const char *key)
{
  JsonNode *n = from ? json_object_get_member (from, key) : NULL;

  if (n != NULL)
    json_object_set_member (to, to_key, json_node_copy (n));
  else
    json_object_set_null_member (to, to_key);
}

static JsonObject *
client_row (JsonObject *report, JsonObject *c)
{
  JsonObject *row = json_object_new ();
  JsonObject *session = shoal_report_obj (report, "session");
  JsonObject *error = shoal_report_obj (c, "error");
  JsonArray *remedies = shoal_report_arr (error, "remedies");

  copy_member (row, "session", session, "id");
  copy_member (row, "package", shoal_report_obj (report, "package"), "name");
  copy_member (row, "session_started", session, "started");
  copy_member (row, "host", c, "hostname");
  copy_member (row, "address", c, "address");
  copy_member (row, "mac", c, "mac");
  copy_member (row, "joined", c, "joined");
  copy_member (row, "finished", c, "finished");
  copy_member (row, "multicast_bytes", c, "multicast_bytes");
  copy_member (row, "http_bytes", c, "http_bytes");
  copy_member (row, "loss", c, "loss");
  copy_member (row, "average_rate_bps", c, "average_rate_bps");
  copy_member (row, "outcome", c, "outcome");
  copy_member (row, "error_code", error, "code");
  copy_member (row, "error_title", error, "title");
  copy_member (row, "error_text", error, "text");
  if (remedies != NULL && json_array_get_length (remedies) > 0)
    {
      g_autoptr(GString) all = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (remedies); i++)
        {
          const char *r = json_array_get_string_element (remedies, i);

          if (r == NULL)
            continue;
          if (all->len > 0)
            g_string_append (all, " / ");
          g_string_append (all, r);
        }
      json_object_set_string_member (row, "remedy", all->str);
    }
  else
    json_object_set_null_member (row, "remedy");
  return row;
}

/* RFC 4180: a field holding a comma, a quote, CR or LF is quoted, quotes doubled. Text that
 * a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe (OWASP's advice against CSV injection); numbers are never text. */
static void
append_field (GString *out, JsonNode *n)
{
  const char *s;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n) || !JSON_NODE_HOLDS_VALUE (n))
    return;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (n));
      return;
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6g", json_node_get_double (n)));
        return;
      }
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (n) ? "true" : "false");
      return;
    default:
      break;
    }
  s = json_node_get_string (n);
  if (s == NULL)
    return;
  if (strpbrk (s, ",\"\r\n") != NULL || strchr ("=+-@\t\r", s[0]) != NULL)
    {
      g_string_append_c (out, '"');
      if (s[0] != '\0' && strchr ("=+-@\t\r", s[0]) != NULL)
        g_string_append_c (out, '\'');
      for (const char *p = s; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, s);
}

static void
append_row (GString *out, JsonObject *row)
{
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_field (out, json_object_get_member (row, columns[i]));
    }
  g_string_append (out, "\r\n");
}

void
shoal_report_csv_header (GString *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, columns[i]);
    }
  g_string_append (out, "\r\n");
}

void
shoal_report_csv_rows (GString    *out,
                       JsonObject *report)
{
  JsonArray *clients = shoal_report_arr (report, "clients");

  for (guint i = 0; clients != NULL && i < json_array_get_length (clients); i++)
    {
      JsonObject *row = client_row (report, json_array_get_object_element (clients, i));

      append_row (out, row);
      json_object_unref (row);
    }
}

GBytes *
shoal_report_render_csv (JsonObject *report)
{
  GString *out = g_string_new (NULL);

  shoal_report_csv_header (out);
  shoal_report_csv_rows (out, report);
  return g_string_free_to_bytes (out);
}

static void
set_time_or_null (JsonObject *o, const char *key, gint64 usec)
{
  g_autoptr(GDateTime) t = NULL;
  g_autofree char *iso = NULL;

  if (usec <= 0)
    {
      json_object_set_null_member (o, key);
      return;
    }
  t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  iso = g_date_time_format_iso8601 (t);
  json_object_set_string_member (o, key, iso);
}

/**
 * shoal_report_render_history:
 * @reports: (element-type ShoalReport): reports of sessions, in the order to list them
 * @since: wall-clock microseconds; sessions that started before (or never) are left out;
 *   0 keeps every session
 * @format: %SHOAL_REPORT_FORMAT_CSV or %SHOAL_REPORT_FORMAT_JSON
 *
 * One row per client across sessions, with the columns of a session's CSV report.
 */
GBytes *
shoal_report_render_history (GPtrArray          *reports,
                             gint64              since,
                             ShoalReportFormat   format,
                             GError            **error)
{
  g_return_val_if_fail (reports != NULL, NULL);

  if (format == SHOAL_REPORT_FORMAT_CSV)
    {
      GString *out = g_string_new (NULL);

      shoal_report_csv_header (out);
      for (guint i = 0; i < reports->len; i++)
        {
          ShoalReport *r = g_ptr_array_index (reports, i);
          gint64 started = shoal_report_get_started (r);

          if (since == 0 || (started != 0 && started >= since))
            shoal_report_csv_rows (out, json_node_get_object (shoal_report_get_json (r)));
        }
      return g_string_free_to_bytes (out);
    }
  if (format == SHOAL_REPORT_FORMAT_JSON)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      JsonObject *root = json_object_new ();
      JsonArray *rows = json_array_new ();
      gsize len;
      char *text;

      json_node_take_object (node, root);
      json_object_set_string_member (root, "format", SHOAL_HISTORY_FORMAT_NAME);
      json_object_set_int_member (root, "version", SHOAL_REPORT_VERSION);
      set_time_or_null (root, "generated", g_get_real_time ());
      set_time_or_null (root, "since", since);
      for (guint i = 0; i < reports->len; i++)
        {
          ShoalReport *r = g_ptr_array_index (reports, i);
          JsonObject *report = json_node_get_object (shoal_report_get_json (r));
          JsonArray *clients = shoal_report_arr (report, "clients");
          gint64 started = shoal_report_get_started (r);

          if (since != 0 && (started == 0 || started < since))
            continue;
          for (guint k = 0; clients != NULL && k < json_array_get_length (clients); k++)
            json_array_add_object_element (rows, client_row (report,
                                           json_array_get_object_element (clients, k)));
        }
      json_object_set_array_member (root, "rows", rows);
      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, node);
      text = json_generator_to_data (gen, &len);
      return g_bytes_new_take (text, len);
    }
  g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_FORMAT,
               "the client history is written as csv or json, not %s",
               shoal_report_format_to_string (format));
  return NULL;
}
