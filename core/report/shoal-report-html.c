/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML report: one self-contained file (inline CSS and SVG, no script, no external
 * asset; a Content-Security-Policy forbids loading any) that prints cleanly. It is written
 * as well-formed XHTML syntax so that XML tools can check and read it. */
#include "config.h"

#include <string.h>

#include "shoal-report-private.h"

#define CHART_W 600
#define CHART_H 200

static const char css[] =
  "body{font-family:'Cantarell','DejaVu Sans',sans-serif;font-size:10pt;color:#241f31;"
  "margin:2em auto;max-width:60em;padding:0 1em}"
  "h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12.5pt;margin:1.4em 0 .4em;"
  "border-bottom:1px solid #c0bfbc;break-after:avoid}"
  ".sub{color:#5e5c64;margin:0}"
  ".snapshot{background:#fdf3d3;border:1px solid #e5a50a;padding:.4em .6em;margin:.8em 0}"
  "table{border-collapse:collapse;width:100%}"
  "th,td{text-align:left;padding:.18em .45em;vertical-align:top}"
  "table.kv th{width:13em;color:#5e5c64;font-weight:normal}"
  "table.list th{border-bottom:1px solid #9a9996;white-space:nowrap}"
  "table.list td{border-bottom:1px solid #eeeeec}"
  "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
  "td.addr{font-family:'DejaVu Sans Mono',monospace;font-size:9pt}"
  "td.time{white-space:nowrap;font-variant-numeric:tabular-nums}"
  "tr.failed td,tr.dropped td{background:#fbe3e4}"
  "tr.error td{background:#fbe3e4;font-size:9pt;padding-left:2em}"
  "tr.check-fail td{background:#fbe3e4}tr.check-warn td{background:#fdf3d3}"
  ".outcome-complete{color:#26a269}.outcome-failed,.outcome-dropped{color:#c01c28}"
  "figure{margin:.6em 0 1em}figcaption{font-weight:bold;margin-bottom:.2em}"
  "svg{width:100%;height:auto}"
  "footer{margin-top:2em;color:#77767b;font-size:8.5pt}"
  "thead{display:table-header-group}tr{break-inside:avoid}figure{break-inside:avoid}"
  "@page{margin:14mm}"
  "@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}";

/* Text for an element or an attribute: markup characters as entities, and no control
 * character (XML 1.0 allows none but tab and line breaks, even as a reference). */
static void
esc (GString *out, const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    {
      g_string_append (out, "—");
      return;
    }
  valid = g_utf8_make_valid (text, -1);
  for (const char *p = valid; *p; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\'': g_string_append (out, "&#39;"); break;
      default:
        if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
          g_string_append (out, "\xef\xbf\xbd");
        else if (*p == '\x7f')
          g_string_append (out, "\xef\xbf\xbd");
        else
          g_string_append_c (out, *p);
      }
}

static void
num (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.1f", v));
}

/* ---- SVG canvas -------------------------------------------------------------------------- */

static void
svg_line (gpointer data, double x0, double y0, double x1, double y1, const char *colour,
          double width)
{
  GString *out = data;

  g_string_append (out, "<line x1=\"");
  num (out, x0);
  g_string_append (out, "\" y1=\"");
  num (out, y0);
  g_string_append (out, "\" x2=\"");
  num (out, x1);
  g_string_append (out, "\" y2=\"");
  num (out, y1);
  g_string_append_printf (out, "\" stroke=\"%s\" stroke-width=\"", colour);
  num (out, width);
  g_string_append (out, "\"/>\n");
}

static void
svg_points (GString *out, const double *xy, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      num (out, xy[2 * i]);
      g_string_append_c (out, ',');
      num (out, xy[2 * i + 1]);
    }
}

static void
svg_polyline (gpointer data, const double *xy, guint n, const char *colour, double width)
{
  GString *out = data;

  g_string_append (out, "<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"");
  svg_points (out, xy, n);
  g_string_append_printf (out, "\" stroke=\"%s\" stroke-width=\"", colour);
  num (out, width);
  g_string_append (out, "\"/>\n");
}

static void
svg_band (gpointer data, const double *upper, const double *lower, guint n,
          const char *colour, double opacity)
{
  GString *out = data;

  g_string_append (out, "<polygon stroke=\"none\" points=\"");
  svg_points (out, upper, n);
  for (guint i = n; i-- > 0; )
    {
      g_string_append_c (out, ' ');
      num (out, lower[2 * i]);
      g_string_append_c (out, ',');
      num (out, lower[2 * i + 1]);
    }
  g_string_append_printf (out, "\" fill=\"%s\" fill-opacity=\"", colour);
  num (out, opacity);
  g_string_append (out, "\"/>\n");
}

static void
svg_text (gpointer data, double x, double y, const char *text, ShoalChartAlign align,
          double size, const char *colour)
{
  GString *out = data;
  static const char *const anchors[] = { "start", "middle", "end" };

  g_string_append (out, "<text x=\"");
  num (out, x);
  g_string_append (out, "\" y=\"");
  num (out, y);
  g_string_append_printf (out, "\" text-anchor=\"%s\" fill=\"%s\" font-size=\"", anchors[align],
                          colour);
  num (out, size);
  g_string_append (out, "\">");
  esc (out, text);
  g_string_append (out, "</text>\n");
}

static void
svg_swatch (gpointer data, double x, double y, double w, double h, const char *colour)
{
  GString *out = data;

  g_string_append (out, "<rect x=\"");
  num (out, x);
  g_string_append (out, "\" y=\"");
  num (out, y);
  g_string_append (out, "\" width=\"");
  num (out, w);
  g_string_append (out, "\" height=\"");
  num (out, h);
  g_string_append_printf (out, "\" fill=\"%s\"/>\n", colour);
}

static const ShoalChartCanvas svg_canvas = {
  svg_line, svg_polyline, svg_band, svg_text, svg_swatch, NULL,
};

static void
chart (GString *out, JsonObject *report, ShoalChartKind kind, const char *id)
{
  g_string_append_printf (out, "<figure id=\"%s\"><figcaption>", id);
  esc (out, shoal_report_chart_title (kind));
  g_string_append_printf (out, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                          "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, sans-serif\" "
                          "role=\"img\" aria-label=\"", CHART_W, CHART_H);
  esc (out, shoal_report_chart_title (kind));
  g_string_append (out, "\">\n");
  shoal_report_chart_draw (report, kind, CHART_W, CHART_H, &svg_canvas, out);
  g_string_append (out, "</svg></figure>\n");
}

/* ---- the document ------------------------------------------------------------------------ */

static void
cell (GString *out, const char *cls, const char *text)
{
  if (cls != NULL)
    g_string_append_printf (out, "<td class=\"%s\">", cls);
  else
    g_string_append (out, "<td>");
  esc (out, text);
  g_string_append (out, "</td>");
}

static void
cell_take (GString *out, const char *cls, char *text)
{
  cell (out, cls, text);
  g_free (text);
}

/* A class name from free text: letters and digits only. */
static char *
class_of (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text ? text : ""; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (s, g_ascii_tolower (*p));
    else if (s->len > 0 && s->str[s->len - 1] != '-')
      g_string_append_c (s, '-');
  return g_string_free (s, FALSE);
}

static void
clients_section (GString *out, JsonObject *report)
{
  JsonArray *clients = shoal_report_arr (report, "clients");
  guint n = clients ? json_array_get_length (clients) : 0;
  g_autofree char *day = shoal_report_fmt_day (shoal_report_obj (report, "session"), "started");

  g_string_append_printf (out, "<section id=\"clients\"><h2>Clients (%u)</h2>\n", n);
  if (n == 0)
    {
      g_string_append (out, "<p>No client joined.</p></section>\n");
      return;
    }
  g_string_append (out, "<table class=\"list\"><thead><tr><th>Host</th><th>Address</th>"
                        "<th>MAC</th><th>Joined (UTC)</th><th>Finished</th><th>Multicast</th>"
                        "<th>HTTP</th><th>Loss</th><th>Rate</th><th>Outcome</th></tr></thead>"
                        "\n<tbody>\n");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (clients, i);
      JsonObject *error = shoal_report_obj (c, "error");
      const char *outcome = shoal_report_str (c, "outcome");
      g_autofree char *cls = class_of (outcome);
      g_autofree char *out_cls = g_strconcat ("outcome-", cls, NULL);

      g_string_append_printf (out, "<tr class=\"%s\">", cls);
      cell (out, NULL, shoal_report_str (c, "hostname"));
      cell (out, "addr", shoal_report_str (c, "address"));
      cell (out, "addr", shoal_report_str (c, "mac"));
      cell_take (out, "time", shoal_report_fmt_clock (c, "joined", day));
      cell_take (out, "time", shoal_report_fmt_clock (c, "finished", day));
      cell_take (out, "num", shoal_report_fmt_bytes (c, "multicast_bytes"));
      cell_take (out, "num", shoal_report_has_num (c, "http_bytes")
                             ? shoal_report_fmt_bytes (c, "http_bytes") : g_strdup ("—"));
      cell_take (out, "num", shoal_report_fmt_percent (c, "loss"));
      cell_take (out, "num", shoal_report_fmt_rate (c, "average_rate_bps"));
      cell (out, out_cls, outcome);
      g_string_append (out, "</tr>\n");
      if (error != NULL)
        {
          JsonArray *remedies = shoal_report_arr (error, "remedies");
          const char *code = shoal_report_str (error, "code");
          const char *title = shoal_report_str (error, "title");
          const char *meaning = shoal_report_str (error, "meaning");

          g_string_append (out, "<tr class=\"error\"><td colspan=\"10\">");
          if (code != NULL)
            {
              g_string_append (out, "<strong>");
              esc (out, code);
              if (title != NULL)
                {
                  g_string_append (out, " ");
                  esc (out, title);
                }
              g_string_append (out, "</strong>: ");
            }
          esc (out, shoal_report_str (error, "text"));
          if (meaning != NULL)
            {
              g_string_append (out, "<br/>");
              esc (out, meaning);
            }
          for (guint k = 0; remedies != NULL && k < json_array_get_length (remedies); k++)
            {
              g_string_append (out, "<br/>Remedy: ");
              esc (out, json_array_get_string_element (remedies, k));
            }
          g_string_append (out, "</td></tr>\n");
        }
    }
  g_string_append (out, "</tbody></table></section>\n");
}

static void
events_section (GString *out, JsonObject *report)
{
  JsonArray *events = shoal_report_arr (report, "events");
  guint n = events ? json_array_get_length (events) : 0;

  g_string_append (out, "<section id=\"events\"><h2>Events</h2>\n");
  if (n == 0)
    {
      g_string_append (out, "<p>No events.</p></section>\n");
      return;
    }
  g_string_append (out, "<table class=\"list\"><thead><tr><th>Time (UTC)</th><th>Event</th>"
                        "<th>What happened</th></tr></thead>\n<tbody>\n");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_autofree char *cls = class_of (shoal_report_str (e, "kind"));

      g_string_append_printf (out, "<tr class=\"%s\">", cls);
      cell_take (out, "time", shoal_report_fmt_clock (e, "time", NULL));
      cell (out, NULL, shoal_report_str (e, "kind"));
      cell (out, NULL, shoal_report_str (e, "message"));
      g_string_append (out, "</tr>\n");
    }
  g_string_append (out, "</tbody></table></section>\n");
}

static void
preflight_section (GString *out, JsonObject *report)
{
  JsonObject *preflight = shoal_report_obj (report, "preflight");
  JsonArray *checks = shoal_report_arr (preflight, "checks");

  if (checks == NULL)
    return;
  g_string_append (out, "<section id=\"preflight\"><h2>Preflight</h2>\n<p>Preflight ");
  esc (out, shoal_report_str (preflight, "id"));
  g_string_append (out, ": ");
  esc (out, shoal_report_str (preflight, "outcome"));
  g_string_append (out, "</p>\n<table class=\"list\"><thead><tr><th>Check</th><th>Result</th>"
                        "<th>Detail</th></tr></thead>\n<tbody>\n");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      const char *remedy = shoal_report_str (c, "remedy");
      g_autofree char *cls = class_of (shoal_report_str (c, "state"));

      g_string_append_printf (out, "<tr class=\"check-%s\">", cls);
      cell (out, NULL, shoal_report_str (c, "title") ? shoal_report_str (c, "title")
                                                     : shoal_report_str (c, "name"));
      cell (out, NULL, shoal_report_str (c, "state"));
      g_string_append (out, "<td>");
      esc (out, shoal_report_str (c, "detail"));
      if (remedy != NULL)
        {
          g_string_append (out, "<br/>Remedy: ");
          esc (out, remedy);
        }
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</tbody></table></section>\n");
}

GBytes *
shoal_report_render_html (JsonObject *report)
{
  GString *out = g_string_sized_new (64 * 1024);
  JsonObject *session = shoal_report_obj (report, "session");
  const char *package = shoal_report_str (shoal_report_obj (report, "package"), "name");
  const char *id = shoal_report_str (session, "id");
  g_autoptr(GPtrArray) rows = shoal_report_summary_rows (report);
  g_autofree char *generated = shoal_report_fmt_time (report, "generated");

  g_string_append (out, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
                        "lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                        "'none'; style-src 'unsafe-inline'\"/>\n"
                        "<meta name=\"viewport\" content=\"width=device-width\"/>\n"
                        "<meta name=\"generator\" content=\"");
  esc (out, shoal_report_str (report, "generator"));
  g_string_append (out, "\"/>\n<title>Session report: ");
  esc (out, package);
  g_string_append (out, " — ");
  esc (out, id);
  g_string_append_printf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>"
                               "<h1>Session report: ", css);
  esc (out, package);
  g_string_append (out, "</h1>\n<p class=\"sub\">Session ");
  esc (out, id);
  g_string_append (out, " · generated ");
  esc (out, generated);
  g_string_append (out, "</p>\n");
  if (shoal_report_bool (report, "snapshot", FALSE))
    g_string_append (out, "<p class=\"snapshot\">The session was still running: this report "
                          "is a snapshot of it at the time it was generated.</p>\n");
  g_string_append (out, "</header>\n<section id=\"summary\"><h2>Summary</h2>\n"
                        "<table class=\"kv\"><tbody>\n");
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      g_string_append (out, "<tr><th>");
      esc (out, rows->pdata[i]);
      g_string_append (out, "</th>");
      cell (out, NULL, rows->pdata[i + 1]);
      g_string_append (out, "</tr>\n");
    }
  g_string_append (out, "</tbody></table></section>\n<section id=\"throughput\">"
                        "<h2>Throughput</h2>\n");
  if (shoal_report_chart_has_data (report, SHOAL_CHART_SENDER)
      || shoal_report_chart_has_data (report, SHOAL_CHART_CLIENTS))
    {
      chart (out, report, SHOAL_CHART_SENDER, "chart-sender");
      chart (out, report, SHOAL_CHART_CLIENTS, "chart-clients");
    }
  else
    g_string_append (out, "<p>No throughput samples: the session did not start, or its "
                          "record predates rate histories.</p>\n");
  g_string_append (out, "</section>\n");
  clients_section (out, report);
  events_section (out, report);
  preflight_section (out, report);
  g_string_append (out, "<footer>");
  esc (out, shoal_report_str (report, "generator"));
  g_string_append_printf (out, " · report format %s version %d · times in UTC</footer>\n"
                               "</body>\n</html>\n", SHOAL_REPORT_FORMAT_NAME,
                          SHOAL_REPORT_VERSION);
  return g_string_free_to_bytes (out);
}
