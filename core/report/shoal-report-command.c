/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl report. The distribution point renders (GET /api/v1/sessions/ID/report and
 * /api/v1/report/history), so a report looks the same whichever way it was asked for; only
 * --input renders here, from a JSON report or session record saved earlier. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "shoal-json-file.h"
#include "shoal-report-command.h"
#include "shoal-report.h"
#include "shoal-rest-client.h"

#define PROG "shoalctl report"

static int
fail (GError *error)
{
  fprintf (stderr, PROG ": %s\n", error->message);
  return SHOAL_EXIT_FAILURE;
}

static gboolean
write_out (const char *output, GBytes *bytes, GError **error)
{
  if (output == NULL || g_str_equal (output, "-"))
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write the report to "
                       "standard output");
          return FALSE;
        }
      return TRUE;
    }
  return shoal_atomic_write (output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                             0644, error);
}

/* "2026-11-01" (midnight UTC) or a full ISO 8601 time, as wall-clock microseconds. */
static gboolean
parse_since (const char *text, gint64 *since, char **iso)
{
  g_autofree char *full = NULL;
  g_autoptr(GDateTime) t = NULL;

  if (strlen (text) == 10)
    full = g_strconcat (text, "T00:00:00Z", NULL);
  t = g_date_time_new_from_iso8601 (full ? full : text, NULL);
  if (t == NULL)
    return FALSE;
  *since = g_date_time_to_unix (t) * G_USEC_PER_SEC;
  *iso = g_date_time_format_iso8601 (t);
  return TRUE;
}

static ShoalRestClient *
connect_dp (const ShoalCtlGlobals *g, GError **error)
{
  g_autofree char *token = NULL;

  if (g->server == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE,
                   "no distribution point: give --server URL or set $SHOAL_SERVER");
      return NULL;
    }
  if (g->token_file != NULL && (token = shoal_rest_read_token (g->token_file, error)) == NULL)
    return NULL;
  return shoal_rest_client_new (g->server, token, NULL);
}

/* Renders a saved report, or builds one from a saved session record. */
static GBytes *
render_input (const char *input, ShoalReportFormat format, ShoalReportPaper paper,
              GError **error)
{
  g_autoptr(JsonNode) node = shoal_json_file_load (input, error);
  g_autoptr(ShoalReport) report = NULL;
  JsonObject *o;

  if (node == NULL)
    return NULL;
  o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  if (o != NULL && json_object_has_member (o, "format"))
    report = shoal_report_new_from_json (node, error);
  else
    report = shoal_report_new_from_session_json (node, NULL, NULL, g_get_real_time (), error);
  if (report == NULL)
    {
      g_prefix_error (error, "%s: ", input);
      return NULL;
    }
  return shoal_report_render (report, format, paper, error);
}

int
shoal_report_command (const ShoalCtlGlobals *g,
                      int                    argc,
                      char                 **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("SESSION | --history | --input FILE");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *paper_name = NULL;
  g_autofree char *output = NULL;
  g_autofree char *since_text = NULL;
  g_autofree char *input = NULL;
  g_autofree char *path = NULL;
  gboolean history = FALSE, json = FALSE;
  ShoalReportFormat format = SHOAL_REPORT_FORMAT_JSON;
  ShoalReportPaper paper = SHOAL_REPORT_PAPER_A4;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "json, csv, html or pdf (default: from the output's extension, else json)", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the report to FILE (default: standard output)", "FILE" },
    { "paper", 0, 0, G_OPTION_ARG_STRING, &paper_name, "PDF paper: a4 (default) or letter",
      "PAPER" },
    { "history", 0, 0, G_OPTION_ARG_NONE, &history,
      "One row per client across sessions (csv or json)", NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      "With --history: sessions started at or after DATE (2026-11-01 or ISO 8601)", "DATE" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      "Render a saved JSON report or session record instead of asking a server", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "The same as --format json", NULL },
    { NULL }
  };
  int code;

  g_option_context_set_summary (ctx, "Write a session's report (JSON, CSV, HTML or PDF), or "
                                     "the history of clients across sessions.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  code = shoal_cli_parse (ctx, PROG, &argc, &argv);
  if (code >= 0)
    return code;

  if (json && format_name == NULL)
    format_name = g_strdup ("json");
  if (format_name != NULL)
    {
      if (!shoal_report_format_from_string (format_name, &format, &error))
        {
          shoal_cli_usage_error (PROG, "%s", error->message);
          return SHOAL_EXIT_USAGE;
        }
    }
  else if (output != NULL && !shoal_report_format_from_path (output, &format))
    format = SHOAL_REPORT_FORMAT_JSON;
  if (paper_name != NULL && !shoal_report_paper_from_string (paper_name, &paper, &error))
    {
      shoal_cli_usage_error (PROG, "%s", error->message);
      return SHOAL_EXIT_USAGE;
    }
  if ((history ? 1 : 0) + (input ? 1 : 0) + (argc == 2 ? 1 : 0) != 1 || argc > 2)
    {
      shoal_cli_usage_error (PROG, "give one SESSION (see shoalctl sessions), or --history, "
                             "or --input FILE");
      return SHOAL_EXIT_USAGE;
    }
  if (since_text != NULL && !history)
    {
      shoal_cli_usage_error (PROG, "--since goes with --history");
      return SHOAL_EXIT_USAGE;
    }
  if (history && format != SHOAL_REPORT_FORMAT_CSV && format != SHOAL_REPORT_FORMAT_JSON)
    {
      shoal_cli_usage_error (PROG, "the history is written as csv or json");
      return SHOAL_EXIT_USAGE;
    }

  if (input != NULL)
    {
      bytes = render_input (input, format, paper, &error);
      if (bytes == NULL || !write_out (output, bytes, &error))
        return fail (error);
      return SHOAL_EXIT_OK;
    }
  if (history)
    {
      g_autofree char *iso = NULL;
      g_autofree char *escaped = NULL;
      gint64 since = 0;

      if (since_text != NULL && !parse_since (since_text, &since, &iso))
        {
          shoal_cli_usage_error (PROG, "--since \"%s\" is not a date such as 2026-11-01 or "
                                 "2026-11-01T18:00:00Z", since_text);
          return SHOAL_EXIT_USAGE;
        }
      escaped = iso ? g_uri_escape_string (iso, NULL, FALSE) : NULL;
      path = g_strdup_printf ("/api/v1/report/history?format=%s%s%s",
                              shoal_report_format_to_string (format), escaped ? "&since=" : "",
                              escaped ? escaped : "");
    }
  else
    {
      g_autofree char *id = g_uri_escape_string (argv[1], NULL, FALSE);

      path = g_strdup_printf ("/api/v1/sessions/%s/report?format=%s&paper=%s", id,
                              shoal_report_format_to_string (format),
                              paper == SHOAL_REPORT_PAPER_LETTER ? "letter" : "a4");
    }
  if ((rc = connect_dp (g, &error)) == NULL
      || (bytes = shoal_rest_client_get_raw (rc, path, NULL, &error)) == NULL
      || !write_out (output, bytes, &error))
    return fail (error);
  if (output != NULL && !g_str_equal (output, "-"))
    fprintf (stderr, "wrote %s (%s, %" G_GSIZE_FORMAT " bytes)\n", output,
             shoal_report_format_to_string (format), g_bytes_get_size (bytes));
  return SHOAL_EXIT_OK;
}
