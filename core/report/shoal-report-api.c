/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reports over the REST API. A running session gives a snapshot from its live objects, a
 * past one its persisted record; either way the distribution point renders the report. */
#include "config.h"

#include "shoal-http-server.h"
#include "shoal-report-api.h"
#include "shoal-report-private.h"

static void
reply (SoupServerMessage *msg, ShoalReportFormat format, const char *name, GBytes *bytes)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autofree char *disposition = NULL;
  g_autoptr(GString) safe = g_string_new (NULL);

  /* The file name a browser offers: the id without anything a header could misread. */
  for (const char *p = name; *p; p++)
    g_string_append_c (safe, g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_'
                             ? *p : '_');
  disposition = g_strdup_printf ("inline; filename=\"%s.%s\"", safe->str,
                                 shoal_report_format_to_string (format));
  soup_message_headers_replace (h, "Content-Disposition", disposition);
  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, shoal_report_format_content_type (format),
                                    SOUP_MEMORY_COPY, g_bytes_get_data (bytes, NULL),
                                    g_bytes_get_size (bytes));
}

static ShoalReport *
report_for (ShoalDp *dp, const char *id, GError **error)
{
  g_autoptr(JsonNode) node = shoal_dp_session_to_json (dp, id, error);
  g_autofree char *url = shoal_dp_dup_url (dp);

  if (node == NULL)
    return NULL;
  return shoal_report_new_from_session_json (node, g_get_host_name (), url, g_get_real_time (),
                                             error);
}

static gint
by_start (gconstpointer a, gconstpointer b)
{
  gint64 sa = shoal_report_get_started (*(ShoalReport **) a);
  gint64 sb = shoal_report_get_started (*(ShoalReport **) b);

  return sa < sb ? -1 : sa > sb;
}

static void
history (ShoalDp *dp, SoupServerMessage *msg, GHashTable *query)
{
  const char *since_text = query ? g_hash_table_lookup (query, "since") : NULL;
  const char *format_name = query ? g_hash_table_lookup (query, "format") : NULL;
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonNode) list = shoal_dp_sessions_to_json (dp);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ShoalReportFormat format = SHOAL_REPORT_FORMAT_CSV;
  gint64 since = 0;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;

  if (format_name != NULL && !shoal_report_format_from_string (format_name, &format, &error))
    return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
  if (since_text != NULL)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (since_text, NULL);

      if (t == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "since \"%s\" is not an "
                                       "ISO 8601 time such as 2026-11-01T00:00:00Z",
                                       since_text);
      since = g_date_time_to_unix (t) * G_USEC_PER_SEC;
    }
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      const char *id = shoal_report_str (json_array_get_object_element (a, i), "id");
      g_autoptr(GError) local = NULL;
      ShoalReport *r;

      if (id == NULL)
        continue;
      r = report_for (dp, id, &local);
      if (r == NULL)
        {
          /* One damaged record must not hide every other session's clients. */
          g_warning ("client history: session %s left out: %s", id, local->message);
          continue;
        }
      g_ptr_array_add (reports, r);
    }
  g_ptr_array_sort (reports, by_start);
  bytes = shoal_report_render_history (reports, since, format, &error);
  if (bytes == NULL)
    return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
  reply (msg, format, "client-history", bytes);
}

static void
session_report (ShoalDp *dp, SoupServerMessage *msg, const char *raw_id, GHashTable *query)
{
  const char *format_name = query ? g_hash_table_lookup (query, "format") : NULL;
  const char *paper_name = query ? g_hash_table_lookup (query, "paper") : NULL;
  g_autofree char *id = g_uri_unescape_string (raw_id, NULL);
  g_autoptr(ShoalReport) report = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ShoalReportFormat format = SHOAL_REPORT_FORMAT_JSON;
  ShoalReportPaper paper = SHOAL_REPORT_PAPER_A4;

  if (id == NULL)
    return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "bad session id %s", raw_id);
  if ((format_name != NULL && !shoal_report_format_from_string (format_name, &format, &error))
      || (paper_name != NULL && !shoal_report_paper_from_string (paper_name, &paper, &error)))
    return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
  report = report_for (dp, id, &error);
  if (report == NULL)
    return shoal_http_reply_error (msg, g_error_matches (error, SHOAL_DP_ERROR,
                                                         SHOAL_DP_ERROR_NOT_FOUND)
                                        ? SOUP_STATUS_NOT_FOUND
                                        : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                   "report of session %s: %s", id, error->message);
  bytes = shoal_report_render (report, format, paper, &error);
  if (bytes == NULL)
    return shoal_http_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                   "report of session %s: %s", id, error->message);
  reply (msg, format, id, bytes);
}

gboolean
shoal_report_handle_api (ShoalDp            *dp,
                         SoupServerMessage  *msg,
                         const char         *method,
                         char              **parts)
{
  gboolean is_session, is_history;
  const char *q;
  g_autoptr(GHashTable) query = NULL;

  g_return_val_if_fail (SHOAL_IS_DP (dp), FALSE);

  is_session = parts[0] != NULL && g_str_equal (parts[0], "sessions") && parts[1] != NULL
               && parts[2] != NULL && g_str_equal (parts[2], "report") && parts[3] == NULL;
  is_history = parts[0] != NULL && g_str_equal (parts[0], "report") && parts[1] != NULL
               && g_str_equal (parts[1], "history") && parts[2] == NULL;
  if (!is_session && !is_history)
    return FALSE;
  if (!g_str_equal (method, "GET"))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "reports are read with GET");
      return TRUE;
    }
  q = g_uri_get_query (soup_server_message_get_uri (msg));
  if (q != NULL)
    query = g_uri_parse_params (q, -1, "&", G_URI_PARAMS_NONE, NULL);
  if (is_session)
    session_report (dp, msg, parts[1], query);
  else
    history (dp, msg, query);
  return TRUE;
}
