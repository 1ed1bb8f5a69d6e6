/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Builds the versioned report document from a session record (shoal_session_to_json() of a
 * live session, or a record the distribution point persisted) and dispatches rendering. */
#include "config.h"

#include <string.h>

#include "shoal-codes.h"
#include "shoal-decoded-code.h"
#include "shoal-json-file.h"
#include "shoal-report-private.h"
#include "shoal-report.h"

/* IPv4 and UDP headers, IPv6 and UDP headers: the sender counts UDP payloads. */
#define IPV4_UDP_HEADERS 28
#define IPV6_UDP_HEADERS 48

struct _ShoalReport
{
  GObject parent_instance;

  JsonNode *root;
};

G_DEFINE_FINAL_TYPE (ShoalReport, shoal_report, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-report-error-quark, shoal_report_error)

static void
shoal_report_finalize (GObject *object)
{
  g_clear_pointer (&SHOAL_REPORT (object)->root, json_node_unref);
  G_OBJECT_CLASS (shoal_report_parent_class)->finalize (object);
}

static void
shoal_report_class_init (ShoalReportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_report_finalize;
}

static void
shoal_report_init (ShoalReport *self)
{
}

/* ---- reading records --------------------------------------------------------------------- */

const char *
shoal_report_str (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gboolean
shoal_report_has_num (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n)
         && (json_node_get_value_type (n) == G_TYPE_INT64
             || json_node_get_value_type (n) == G_TYPE_DOUBLE);
}

double
shoal_report_num (JsonObject *o, const char *key, double fallback)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (!shoal_report_has_num (o, key))
    return fallback;
  return json_node_get_value_type (n) == G_TYPE_DOUBLE ? json_node_get_double (n)
                                                       : (double) json_node_get_int (n);
}

JsonObject *
shoal_report_obj (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
shoal_report_arr (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

gboolean
shoal_report_bool (JsonObject *o, const char *key, gboolean fallback)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (n);
}

/* ISO 8601 to wall-clock microseconds; 0 for none or a bad time. */
gint64
shoal_report_time (JsonObject *o, const char *key)
{
  const char *s = shoal_report_str (o, key);
  g_autoptr(GDateTime) t = s ? g_date_time_new_from_iso8601 (s, NULL) : NULL;

  return t ? g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t) : 0;
}

static void
set_time (JsonObject *o, const char *key, gint64 usec)
{
  g_autoptr(GDateTime) s = NULL;
  g_autoptr(GDateTime) t = NULL;
  g_autofree char *iso = NULL;

  if (usec <= 0)
    {
      json_object_set_null_member (o, key);
      return;
    }
  s = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  t = g_date_time_add (s, usec % G_USEC_PER_SEC);
  iso = g_date_time_format_iso8601 (t);
  json_object_set_string_member (o, key, iso);
}

static void
set_str_or_null (JsonObject *o, const char *key, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, key, value);
  else
    json_object_set_null_member (o, key);
}

static void
copy_num_or_null (JsonObject *to, const char *to_key, JsonObject *from, const char *key)
{
  JsonNode *n = from ? json_object_get_member (from, key) : NULL;

  if (shoal_report_has_num (from, key))
    json_object_set_member (to, to_key, json_node_copy (n));
  else
    json_object_set_null_member (to, to_key);
}

/* ---- failures ---------------------------------------------------------------------------- */

/* The code a client's failure carries: one written in its message (0x8007..., 0xA05A...),
 * or the one Shoal logs for what the distribution point saw (a slow-client drop). */
static gboolean
failure_code (const char *outcome, const char *text, guint32 *code)
{
  for (const char *p = text ? strstr (text, "0x") : NULL; p != NULL; p = strstr (p + 2, "0x"))
    {
      guint n = 0;

      while (n < 8 && g_ascii_isxdigit (p[2 + n]))
        n++;
      if (n == 8 && !g_ascii_isxdigit (p[10]))
        {
          *code = (guint32) g_ascii_strtoull (p + 2, NULL, 16);
          return TRUE;
        }
    }
  if (g_strcmp0 (outcome, "dropped") == 0 && text != NULL && strstr (text, "too slow") != NULL)
    {
      *code = SHOAL_CLIENT_ERROR_DROPPED_SLOW;
      return TRUE;
    }
  return FALSE;
}

static JsonNode *
decode_failure (ShoalDecodedCode *dc)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char * const *remedies = shoal_decoded_code_get_remedies (dc);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, shoal_decoded_code_get_hex (dc));
  json_builder_set_member_name (b, "name");
  if (shoal_decoded_code_get_name (dc))
    json_builder_add_string_value (b, shoal_decoded_code_get_name (dc));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "title");
  if (shoal_decoded_code_get_title (dc))
    json_builder_add_string_value (b, shoal_decoded_code_get_title (dc));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "meaning");
  if (shoal_decoded_code_get_meaning (dc))
    json_builder_add_string_value (b, shoal_decoded_code_get_meaning (dc));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "remedies");
  json_builder_begin_array (b);
  for (guint i = 0; remedies != NULL && remedies[i] != NULL; i++)
    json_builder_add_string_value (b, remedies[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* The "error" of a client: null when it has none to report. Decoded codes are cached, since
 * a thousand clients usually fail for a handful of reasons. */
static JsonNode *
client_error (const char *outcome, const char *text, GHashTable *cache)
{
  gboolean bad = g_strcmp0 (outcome, "failed") == 0 || g_strcmp0 (outcome, "dropped") == 0;
  JsonObject *o;
  JsonNode *node;
  guint32 code = 0;

  if (!bad && text == NULL)
    return json_node_new (JSON_NODE_NULL);
  if (failure_code (outcome, text, &code))
    {
      ShoalDecodedCode *decoded = g_hash_table_lookup (cache, GUINT_TO_POINTER (code));

      if (decoded == NULL)
        {
          decoded = shoal_decoded_code_new (code);
          g_hash_table_insert (cache, GUINT_TO_POINTER (code), decoded);
        }
      node = decode_failure (decoded);
    }
  else
    {
      node = json_node_new (JSON_NODE_OBJECT);
      o = json_object_new ();
      json_node_take_object (node, o);
      json_object_set_null_member (o, "code");
      json_object_set_null_member (o, "name");
      json_object_set_null_member (o, "title");
      json_object_set_null_member (o, "meaning");
      json_object_set_array_member (o, "remedies", json_array_new ());
    }
  o = json_node_get_object (node);
  set_str_or_null (o, "text", text ? text : outcome);
  return node;
}

/* ---- building ---------------------------------------------------------------------------- */

static const char *const outcome_order[] = {
  "complete", "repairing over HTTP", "receiving", "dropped", "failed",
};

static char *
start_rule (JsonObject *config)
{
  GString *s;
  double min_clients = shoal_report_num (config, "min_clients", 0);
  double max_wait = shoal_report_num (config, "max_wait_seconds", 0);

  if (config == NULL)
    return NULL;
  if (shoal_report_bool (config, "scheduled", FALSE))
    return g_strdup ("scheduled: started by the distribution point at the set time");
  if (shoal_report_bool (config, "start_immediately", FALSE)
      || (min_clients <= 0 && max_wait <= 0))
    return g_strdup ("immediately");
  s = g_string_new ("when ");
  if (min_clients > 0)
    g_string_append_printf (s, "%.0f client%s joined", min_clients,
                            min_clients == 1 ? " has" : "s have");
  if (min_clients > 0 && max_wait > 0)
    g_string_append (s, ", or ");
  if (max_wait > 0)
    g_string_append_printf (s, "%.0f s after the first join", max_wait);
  if (min_clients > 0 && max_wait > 0)
    g_string_append (s, ", whichever comes first");
  return g_string_free (s, FALSE);
}

static JsonObject *
build_settings (JsonObject *session)
{
  JsonObject *config = shoal_report_obj (session, "config");
  JsonObject *o = json_object_new ();
  g_autofree char *rule = start_rule (config);

  if (config != NULL)
    copy_num_or_null (o, "max_rate_bps", config, "max_rate_bps");
  else
    copy_num_or_null (o, "max_rate_bps", session, "max_rate_bps");
  copy_num_or_null (o, "min_rate_bps", config, "min_rate_bps");
  if (config != NULL)
    json_object_set_boolean_member (o, "adaptive", shoal_report_bool (config, "adaptive", FALSE));
  else
    json_object_set_null_member (o, "adaptive");
  set_str_or_null (o, "start_rule", rule);
  copy_num_or_null (o, "min_clients", config, "min_clients");
  copy_num_or_null (o, "max_wait_seconds", config, "max_wait_seconds");
  copy_num_or_null (o, "max_clients", config, "max_clients");
  copy_num_or_null (o, "proactive_parity", config, "proactive_parity");
  if (config != NULL)
    json_object_set_boolean_member (o, "drop_slow", shoal_report_bool (config, "drop_slow", FALSE));
  else
    json_object_set_null_member (o, "drop_slow");
  return o;
}

static double
peak_of (JsonObject *rates, const char *kind)
{
  JsonArray *series = shoal_report_arr (rates, "series");
  double peak = -1;

  for (guint i = 0; series != NULL && i < json_array_get_length (series); i++)
    {
      JsonObject *s = json_array_get_object_element (series, i);
      JsonArray *samples;

      if (s == NULL || g_strcmp0 (shoal_report_str (s, "kind"), kind) != 0)
        continue;
      samples = shoal_report_arr (s, "samples");
      for (guint k = 0; samples != NULL && k < json_array_get_length (samples); k++)
        {
          JsonArray *p = json_array_get_array_element (samples, k);

          if (p != NULL && json_array_get_length (p) == 2)
            peak = MAX (peak, json_node_get_double (json_array_get_element (p, 1)));
        }
    }
  return peak;
}

static gboolean
check_rates (JsonObject *rates, GError **error)
{
  JsonArray *series = shoal_report_arr (rates, "series");

  if (series == NULL)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "field \"rates\": no \"series\" array");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (series); i++)
    {
      JsonObject *s = json_array_get_object_element (series, i);
      JsonArray *samples = shoal_report_arr (s, "samples");

      if (s == NULL || shoal_report_str (s, "kind") == NULL || samples == NULL)
        {
          g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                       "field \"rates.series[%u]\": needs \"kind\" and \"samples\"", i);
          return FALSE;
        }
      for (guint k = 0; k < json_array_get_length (samples); k++)
        {
          JsonNode *p = json_array_get_element (samples, k);
          JsonArray *a = JSON_NODE_HOLDS_ARRAY (p) ? json_node_get_array (p) : NULL;

          if (a == NULL || json_array_get_length (a) != 2
              || !JSON_NODE_HOLDS_VALUE (json_array_get_element (a, 0))
              || !JSON_NODE_HOLDS_VALUE (json_array_get_element (a, 1))
              || json_node_get_value_type (json_array_get_element (a, 0)) == G_TYPE_STRING
              || json_node_get_value_type (json_array_get_element (a, 1)) == G_TYPE_STRING)
            {
              g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                           "field \"rates.series[%u].samples[%u]\": expected [seconds, bit/s]",
                           i, k);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* The newest preflight the distribution point had finished when the session was created
 * (see GET /api/v1/preflight/ID): its outcome and checks. */
static JsonNode *
build_preflight (JsonObject *session)
{
  JsonObject *p = shoal_report_obj (session, "preflight");
  JsonArray *checks = shoal_report_arr (p, "checks");
  JsonObject *o;
  JsonArray *out;
  JsonNode *node;

  if (p == NULL || checks == NULL)
    return json_node_new (JSON_NODE_NULL);
  node = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_node_take_object (node, o);
  set_str_or_null (o, "id", shoal_report_str (p, "id"));
  set_str_or_null (o, "outcome", shoal_report_str (p, "outcome"));
  out = json_array_new ();
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      JsonObject *r = json_object_new ();

      set_str_or_null (r, "name", shoal_report_str (c, "name"));
      set_str_or_null (r, "title", shoal_report_str (c, "title"));
      set_str_or_null (r, "state", shoal_report_str (c, "state"));
      set_str_or_null (r, "detail", shoal_report_str (c, "detail"));
      set_str_or_null (r, "remedy", shoal_report_str (c, "remedy"));
      json_array_add_object_element (out, r);
    }
  json_object_set_array_member (o, "checks", out);
  return node;
}

static JsonNode *
build (JsonObject *session, const char *dp_host, const char *dp_url, gint64 now,
       GError **error)
{
  g_autoptr(GHashTable) cache = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  JsonObject *root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o, *stats = shoal_report_obj (session, "stats");
  JsonObject *rates = shoal_report_obj (session, "rates");
  JsonArray *clients = shoal_report_arr (session, "clients");
  JsonArray *events = shoal_report_arr (session, "events");
  JsonArray *out;
  const char *id = shoal_report_str (session, "id");
  const char *package = shoal_report_str (session, "package");
  const char *state = shoal_report_str (session, "state");
  const char *group = shoal_report_str (session, "group");
  gint64 started = shoal_report_time (session, "started");
  gint64 finished = shoal_report_time (session, "finished");
  gboolean live = finished == 0 && (g_strcmp0 (state, "waiting") == 0
                                    || g_strcmp0 (state, "running") == 0
                                    || g_strcmp0 (state, "repairing") == 0);
  gint64 end = finished ? finished : now;
  double size = shoal_report_num (session, "size", 0);
  double source = shoal_report_num (stats, "source_bytes", -1);
  double repair = shoal_report_num (stats, "repair_bytes",
                                    shoal_report_num (session, "repair_bytes", 0));
  double proactive = shoal_report_num (stats, "proactive_bytes", 0);
  double datagrams = shoal_report_num (stats, "datagrams", 0);
  double udp = shoal_report_num (stats, "wire_bytes", shoal_report_num (session, "wire_bytes", 0));
  double wire, delivered = 0, peak, duration;
  gboolean ipv6 = group != NULL && strchr (group, ':') != NULL;

  json_node_take_object (node, root);
  if (id == NULL || package == NULL)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "session record: field \"%s\" is missing or not a string",
                   id == NULL ? "id" : "package");
      return NULL;
    }
  if (rates != NULL && !check_rates (rates, error))
    return NULL;
  if (source < 0)
    source = MAX (0, shoal_report_num (session, "bytes_sent", 0) - repair - proactive);
  wire = udp + datagrams * (ipv6 ? IPV6_UDP_HEADERS : IPV4_UDP_HEADERS);

  json_object_set_string_member (root, "format", SHOAL_REPORT_FORMAT_NAME);
  json_object_set_int_member (root, "version", SHOAL_REPORT_VERSION);
  set_time (root, "generated", now);
  json_object_set_string_member (root, "generator", "shoal " PACKAGE_VERSION);
  json_object_set_boolean_member (root, "snapshot", live);

  o = json_object_new ();
  json_object_set_string_member (o, "id", id);
  set_str_or_null (o, "state", state);
  set_str_or_null (o, "error", shoal_report_str (session, "error"));
  set_time (o, "started", started);
  set_time (o, "finished", finished);
  duration = started ? MAX (0, end - started) / (double) G_USEC_PER_SEC : -1;
  if (started)
    json_object_set_double_member (o, "duration_seconds", duration);
  else
    json_object_set_null_member (o, "duration_seconds");
  if (shoal_report_has_num (session, "progress"))
    json_object_set_double_member (o, "progress", shoal_report_num (session, "progress", 0));
  else
    json_object_set_null_member (o, "progress");
  json_object_set_object_member (root, "session", o);

  o = json_object_new ();
  json_object_set_string_member (o, "name", package);
  json_object_set_int_member (o, "size", (gint64) size);
  json_object_set_object_member (root, "package", o);

  o = json_object_new ();
  set_str_or_null (o, "host", dp_host);
  set_str_or_null (o, "url", dp_url);
  set_str_or_null (o, "interface", shoal_report_str (session, "interface"));
  set_str_or_null (o, "group", group);
  copy_num_or_null (o, "port", session, "port");
  json_object_set_object_member (root, "distribution_point", o);

  json_object_set_object_member (root, "settings", build_settings (session));

  /* Clients, counting outcomes and what they were delivered as we go. */
  out = json_array_new ();
  {
    JsonObject *outcomes = json_object_new ();
    g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) order = g_ptr_array_new ();
    guint n = clients ? json_array_get_length (clients) : 0;

    for (guint i = 0; i < G_N_ELEMENTS (outcome_order); i++)
      {
        g_hash_table_insert (counts, (gpointer) outcome_order[i], GUINT_TO_POINTER (0));
        g_ptr_array_add (order, (gpointer) outcome_order[i]);
      }
    for (guint i = 0; i < n; i++)
      {
        JsonObject *c = json_array_get_object_element (clients, i);
        JsonObject *r;
        const char *outcome = shoal_report_str (c, "state");
        gint64 joined = shoal_report_time (c, "joined");
        gint64 done = shoal_report_time (c, "finished");
        gint64 until = done ? done : end;
        double mcast = shoal_report_num (c, "bytes_received", 0);

        if (c == NULL)
          {
            g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                         "session record: field \"clients[%u]\" is not an object", i);
            json_array_unref (out);
            json_object_unref (outcomes);
            return NULL;
          }
        if (outcome == NULL)
          outcome = "unknown";
        if (!g_hash_table_contains (counts, outcome))
          g_ptr_array_add (order, (gpointer) outcome);
        g_hash_table_insert (counts, (gpointer) outcome,
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (
                               g_hash_table_lookup (counts, outcome)) + 1));
        /* A verified client has the package; another has what it verified from the
         * multicast and what it fetched over HTTP, at most the package. */
        if (g_str_equal (outcome, "complete"))
          delivered += size;
        else
          delivered += MIN (size, shoal_report_num (c, "progress", 0) * size
                                  + shoal_report_num (c, "http_bytes", 0));

        r = json_object_new ();
        set_str_or_null (r, "id", shoal_report_str (c, "id"));
        set_str_or_null (r, "hostname", shoal_report_str (c, "hostname"));
        set_str_or_null (r, "address", shoal_report_str (c, "address"));
        set_str_or_null (r, "mac", shoal_report_str (c, "mac"));
        set_time (r, "joined", joined);
        set_time (r, "finished", done);
        json_object_set_int_member (r, "multicast_bytes", (gint64) mcast);
        copy_num_or_null (r, "http_bytes", c, "http_bytes");
        json_object_set_double_member (r, "loss", shoal_report_num (c, "loss", 0));
        if (joined && until > joined)
          json_object_set_int_member (r, "average_rate_bps",
                                      (gint64) (mcast * 8 * G_USEC_PER_SEC / (until - joined)));
        else
          json_object_set_null_member (r, "average_rate_bps");
        json_object_set_string_member (r, "outcome", outcome);
        json_object_set_member (r, "error",
                                client_error (outcome, shoal_report_str (c, "last_error"),
                                              cache));
        json_array_add_object_element (out, r);
      }
    for (guint i = 0; i < order->len; i++)
      json_object_set_int_member (outcomes, order->pdata[i],
                                  GPOINTER_TO_UINT (g_hash_table_lookup (counts,
                                                                         order->pdata[i])));
    json_object_set_int_member (outcomes, "total", n);
    json_object_set_object_member (root, "outcomes", outcomes);
  }

  o = json_object_new ();
  json_object_set_int_member (o, "multicast_data", (gint64) source);
  json_object_set_int_member (o, "multicast_parity", (gint64) (repair + proactive));
  json_object_set_int_member (o, "multicast_parity_requested", (gint64) repair);
  json_object_set_int_member (o, "multicast_parity_proactive", (gint64) proactive);
  copy_num_or_null (o, "http_repair", session, "http_bytes");
  json_object_set_int_member (o, "multicast_wire", (gint64) wire);
  json_object_set_int_member (o, "delivered", (gint64) delivered);
  if (delivered > 0)
    json_object_set_double_member (o, "efficiency",
                                   (wire + shoal_report_num (session, "http_bytes", 0))
                                   / delivered);
  else
    json_object_set_null_member (o, "efficiency");
  json_object_set_object_member (root, "bytes", o);

  o = json_object_new ();
  if (duration > 0)
    json_object_set_int_member (o, "average_bps", (gint64) (wire * 8 / duration));
  else
    json_object_set_null_member (o, "average_bps");
  peak = peak_of (rates, "sent");
  if (peak >= 0)
    json_object_set_int_member (o, "peak_bps", (gint64) peak);
  else
    json_object_set_null_member (o, "peak_bps");
  json_object_set_object_member (root, "rate", o);

  json_object_set_array_member (root, "clients", out);
  if (rates != NULL)
    json_object_set_object_member (root, "rates", json_object_ref (rates));
  else
    json_object_set_null_member (root, "rates");

  out = json_array_new ();
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *r = json_object_new ();

      set_time (r, "time", shoal_report_time (e, "time"));
      set_str_or_null (r, "kind", shoal_report_str (e, "kind"));
      set_str_or_null (r, "message", shoal_report_str (e, "message"));
      json_array_add_object_element (out, r);
    }
  json_object_set_array_member (root, "events", out);

  json_object_set_member (root, "preflight", build_preflight (session));
  return g_steal_pointer (&node);
}

/**
 * shoal_report_new_from_session_json:
 * @session: a session record: shoal_session_to_json (session, TRUE), or a record of the
 *   history (STATE/sessions/ID.json)
 * @dp_host: (nullable): the distribution point's host name
 * @dp_url: (nullable): its URL
 * @now: wall-clock time of the report, in microseconds
 *
 * Builds the report. A session still running gives a snapshot ("snapshot": true) whose
 * durations run to @now.
 */
ShoalReport *
shoal_report_new_from_session_json (JsonNode    *session,
                                    const char  *dp_host,
                                    const char  *dp_url,
                                    gint64       now,
                                    GError     **error)
{
  ShoalReport *self;
  JsonNode *root;

  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (session))
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "session record: not a JSON object");
      return NULL;
    }
  root = build (json_node_get_object (session), dp_host, dp_url, now, error);
  if (root == NULL)
    return NULL;
  self = g_object_new (SHOAL_TYPE_REPORT, NULL);
  self->root = root;
  return self;
}

/* Takes a report document back (to render a saved JSON report in another format). */
ShoalReport *
shoal_report_new_from_json (JsonNode  *report,
                            GError   **error)
{
  JsonObject *o;
  ShoalReport *self;
  double version;

  g_return_val_if_fail (report != NULL, NULL);

  o = JSON_NODE_HOLDS_OBJECT (report) ? json_node_get_object (report) : NULL;
  if (o == NULL || g_strcmp0 (shoal_report_str (o, "format"), SHOAL_REPORT_FORMAT_NAME) != 0)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "not a Shoal session report: field \"format\" is not \"%s\"",
                   SHOAL_REPORT_FORMAT_NAME);
      return NULL;
    }
  version = shoal_report_num (o, "version", 0);
  if (version != SHOAL_REPORT_VERSION)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_VERSION,
                   "field \"version\": report version %g, this Shoal reads version %d",
                   version, SHOAL_REPORT_VERSION);
      return NULL;
    }
  if (shoal_report_str (shoal_report_obj (o, "session"), "id") == NULL
      || shoal_report_str (shoal_report_obj (o, "package"), "name") == NULL
      || shoal_report_arr (o, "clients") == NULL || shoal_report_arr (o, "events") == NULL)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "report: fields \"session.id\", \"package.name\", \"clients\" and "
                   "\"events\" are required");
      return NULL;
    }
  if (shoal_report_obj (o, "rates") != NULL && !check_rates (shoal_report_obj (o, "rates"), error))
    return NULL;
  for (guint i = 0; i < json_array_get_length (shoal_report_arr (o, "clients")); i++)
    if (json_array_get_object_element (shoal_report_arr (o, "clients"), i) == NULL)
      {
        g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                     "report: field \"clients[%u]\" is not an object", i);
        return NULL;
      }
  self = g_object_new (SHOAL_TYPE_REPORT, NULL);
  self->root = json_node_copy (report);
  return self;
}

JsonNode *
shoal_report_get_json (ShoalReport *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT (self), NULL);
  return self->root;
}

const char *
shoal_report_get_session_id (ShoalReport *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT (self), NULL);
  return shoal_report_str (shoal_report_obj (json_node_get_object (self->root), "session"), "id");
}

const char *
shoal_report_get_package (ShoalReport *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT (self), NULL);
  return shoal_report_str (shoal_report_obj (json_node_get_object (self->root), "package"),
                           "name");
}

gint64
shoal_report_get_started (ShoalReport *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT (self), 0);
  return shoal_report_time (shoal_report_obj (json_node_get_object (self->root), "session"),
                            "started");
}

/* ---- rendering --------------------------------------------------------------------------- */

GBytes *
shoal_report_render (ShoalReport        *self,
                     ShoalReportFormat   format,
                     ShoalReportPaper    paper,
                     GError            **error)
{
  g_return_val_if_fail (SHOAL_IS_REPORT (self), NULL);

  switch (format)
    {
    case SHOAL_REPORT_FORMAT_JSON:
      {
        g_autoptr(JsonGenerator) gen = json_generator_new ();
        gsize len;
        char *text;

        json_generator_set_pretty (gen, TRUE);
        json_generator_set_root (gen, self->root);
        text = json_generator_to_data (gen, &len);
        return g_bytes_new_take (text, len);
      }
    case SHOAL_REPORT_FORMAT_CSV:
      return shoal_report_render_csv (json_node_get_object (self->root));
    case SHOAL_REPORT_FORMAT_HTML:
      return shoal_report_render_html (json_node_get_object (self->root));
    case SHOAL_REPORT_FORMAT_PDF:
      return shoal_report_render_pdf (json_node_get_object (self->root), paper, error);
    default:
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_FORMAT,
                   "unknown report format %d", format);
      return NULL;
    }
}

/* Renders and writes atomically (a report a script picks up is never half written). */
gboolean
shoal_report_save (ShoalReport        *self,
                   const char         *path,
                   ShoalReportFormat   format,
                   ShoalReportPaper    paper,
                   GError            **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (SHOAL_IS_REPORT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  bytes = shoal_report_render (self, format, paper, error);
  if (bytes == NULL)
    return FALSE;
  return shoal_atomic_write (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                             0644, error);
}

static const struct
{
  const char *name;
  const char *ext;
  const char *type;
} formats[] = {
  [SHOAL_REPORT_FORMAT_JSON] = { "json", ".json", "application/json" },
  [SHOAL_REPORT_FORMAT_CSV] = { "csv", ".csv", "text/csv; charset=utf-8; header=present" },
  [SHOAL_REPORT_FORMAT_HTML] = { "html", ".html", "text/html; charset=utf-8" },
  [SHOAL_REPORT_FORMAT_PDF] = { "pdf", ".pdf", "application/pdf" },
};

gboolean
shoal_report_format_from_string (const char         *name,
                                 ShoalReportFormat  *format,
                                 GError            **error)
{
  g_return_val_if_fail (format != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (name, formats[i].name) == 0)
      {
        *format = i;
        return TRUE;
      }
  g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_FORMAT,
               "unknown report format \"%s\" (use json, csv, html or pdf)", name ? name : "");
  return FALSE;
}

/* The format a file name asks for by its extension (.json, .csv, .html or .htm, .pdf). */
gboolean
shoal_report_format_from_path (const char        *path,
                               ShoalReportFormat *format)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL && format != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_has_suffix (lower, formats[i].ext))
      {
        *format = i;
        return TRUE;
      }
  if (g_str_has_suffix (lower, ".htm"))
    {
      *format = SHOAL_REPORT_FORMAT_HTML;
      return TRUE;
    }
  return FALSE;
}

const char *
shoal_report_format_to_string (ShoalReportFormat format)
{
  g_return_val_if_fail (format < G_N_ELEMENTS (formats), NULL);
  return formats[format].name;
}

const char *
shoal_report_format_content_type (ShoalReportFormat format)
{
  g_return_val_if_fail (format < G_N_ELEMENTS (formats), NULL);
  return formats[format].type;
}

gboolean
shoal_report_paper_from_string (const char        *name,
                                ShoalReportPaper  *paper,
                                GError           **error)
{
  g_return_val_if_fail (paper != NULL, FALSE);

  if (name != NULL && g_ascii_strcasecmp (name, "a4") == 0)
    *paper = SHOAL_REPORT_PAPER_A4;
  else if (name != NULL && g_ascii_strcasecmp (name, "letter") == 0)
    *paper = SHOAL_REPORT_PAPER_LETTER;
  else
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_FORMAT,
                   "unknown paper \"%s\" (use a4 or letter)", name ? name : "");
      return FALSE;
    }
  return TRUE;
}
