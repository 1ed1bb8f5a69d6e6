/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session reports: a real session over the simulated network exported in every format and
 * checked by independent tools (JSON Schema, Python's CSV reader, an XML parser, pdftotext
 * and pdftoppm); hostile names in every format; a 1,000-client session against the clock;
 * the rate history's compaction; snapshots of live sessions; bad input. The rendered files
 * stay in the build directory under report-artifacts/ for people to look at. */
#include "config.h"

#include <glib/gstdio.h>
#include <malloc.h>
#include <string.h>
#include <sys/resource.h>

#include "shoal-client-record.h"
#include "shoal-rate-history.h"
#include "shoal-reception.h"
#include "shoal-report-export.h"
#include "shoal-report.h"
#include "shoal-session.h"
#include "shoal-sim-transport.h"
#include "test-report-utils.h"

/* ---- a real session over the simulated network --------------------------------------------- */

#define CONTENT_SIZE (3 << 20)
#define N_RECEIVERS  3

typedef struct
{
  guint8        *content;
  ShoalLayout    layout;
  guint8         key[32];
  guint8        *hashes;
  ShoalSimHub   *hub;
  char          *dir;
  guint          index;
  double         loss;
  gboolean       ok;
  char          *error;
  char           address[64];
  gint          *done;
} Receiver;

static gboolean
read_content (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  memcpy (buf, (guint8 *) data + offset, len);
  return TRUE;
}

static const char *const hostnames[N_RECEIVERS] = { "pc-lab-01", "pc-lab-02", "pc\"<b>,03" };

static gpointer
receive_thread (gpointer data)
{
  Receiver *r = data;
  g_autoptr(ShoalTransport) transport = shoal_sim_transport_new_receiver (r->hub, r->loss);
  g_autofree char *path = g_strdup_printf ("%s/rx%u.img", r->dir, r->index);
  g_autofree char *address = shoal_sim_transport_dup_address (SHOAL_SIM_TRANSPORT (transport));
  g_autoptr(ShoalOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  ShoalReceptionConfig cfg;
  ShoalReception *rx;

  /* "IP:port"; records and the HTTP server know clients by IP. */
  *strrchr (address, ':') = '\0';
  g_strlcpy (r->address, address, sizeof r->address);
  shoal_reception_config_init (&cfg);
  cfg.engine.session_id = 77;
  memcpy (cfg.engine.key, r->key, 32);
  cfg.engine.layout = r->layout;
  cfg.engine.client_id = 0x500 + r->index;
  cfg.engine.seed = r->index;
  g_strlcpy (cfg.engine.hostname, hostnames[r->index], sizeof cfg.engine.hostname);
  cfg.block_hashes = r->hashes;
  out = shoal_output_open_single (path, CONTENT_SIZE, &error);
  g_assert_no_error (error);
  rx = shoal_reception_new (&cfg, transport, out);
  r->ok = shoal_reception_run (rx, NULL, &error);
  if (error != NULL)
    r->error = g_strdup (error->message);
  shoal_reception_free (rx);
  g_atomic_int_inc (r->done);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
on_finished (ShoalSession *session, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static ShoalSession *
sim_session (ShoalSimHub *hub, guint8 *content, ShoalLayout *layout, const guint8 *key,
             guint min_clients, guint64 rate)
{
  g_autoptr(ShoalTransport) tx = shoal_sim_transport_new_sender (hub);
  ShoalSession *session;
  ShoalSenderConfig cfg;

  shoal_sender_config_init (&cfg);
  cfg.session_id = 77;
  cfg.instance_id = 1;
  memcpy (cfg.key, key, 32);
  cfg.layout = *layout;
  cfg.max_rate = rate;
  cfg.min_clients = min_clients;
  cfg.max_wait = 20 * G_USEC_PER_SEC;
  cfg.linger = 200 * 1000;
  session = shoal_session_new ("report-sim-1", "win11-lab", &cfg, tx, read_content, content,
                               NULL);
  return session;
}

/* Three clients, one losing 5 % of the datagrams, receive a package at 6 Mbit/s, so that
 * the session lasts a few seconds and has throughput samples; the report of the finished
 * session goes out in every format, and a snapshot is taken while it runs. */
static void
test_report_sim_session (void)
{
  g_autoptr(ShoalSimHub) hub = shoal_sim_hub_new (5);
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(ShoalReport) report = NULL;
  g_autoptr(ShoalReport) snapshot = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *content = g_malloc (CONTENT_SIZE);
  g_autofree guint8 *hashes = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-report-XXXXXX", NULL);
  g_autofree char *cmd = NULL;
  ShoalLayout layout = { CONTENT_SIZE, 1200, 64 };
  Receiver rx[N_RECEIVERS] = { 0 };
  GThread *threads[N_RECEIVERS];
  guint8 key[32];
  gboolean finished = FALSE;
  gint done = 0;
  gint64 deadline;
  GRand *rand = g_rand_new_with_seed (3);
  JsonObject *o, *bytes;
  JsonArray *clients;

  for (gsize i = 0; i < CONTENT_SIZE; i++)
    content[i] = g_rand_int (rand);
  g_rand_free (rand);
  memset (key, 0x42, 32);
  hashes = g_malloc ((gsize) shoal_layout_n_blocks (&layout) * 32);
  for (guint32 b = 0; b < shoal_layout_n_blocks (&layout); b++)
    {
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      gsize len = 32;

      g_checksum_update (sum, content + shoal_layout_block_offset (&layout, b),
                         shoal_layout_block_len (&layout, b));
      g_checksum_get_digest (sum, hashes + (gsize) b * 32, &len);
    }

  session = sim_session (hub, content, &layout, key, N_RECEIVERS, 6 * 1000 * 1000);
  g_signal_connect (session, "finished", G_CALLBACK (on_finished), &finished);
  shoal_session_set_http_counted (session, TRUE);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      rx[i] = (Receiver) { content, layout, { 0 }, hashes, hub, dir, i, i == 1 ? 0.05 : 0,
                           FALSE, NULL, "", &done };
      memcpy (rx[i].key, key, 32);
      threads[i] = g_thread_new ("receiver", receive_thread, &rx[i]);
    }

  /* A snapshot while it runs: figures to now, flagged as such. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_strcmp0 (shoal_session_get_state (session), "running") != 0
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  node = shoal_session_to_json (session, TRUE);
  snapshot = shoal_report_new_from_session_json (node, "dp.example", NULL, g_get_real_time (),
                                                 &error);
  g_assert_no_error (error);
  o = json_node_get_object (shoal_report_get_json (snapshot));
  g_assert_true (json_object_get_boolean_member (o, "snapshot"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "session"),
                                                  "state"), ==, "running");
  g_assert_true (json_object_get_null_member (json_object_get_object_member (o, "session"),
                                              "finished"));
  report_export_and_check (snapshot, "sim-snapshot");
  g_clear_pointer (&node, json_node_unref);

  while ((!finished || g_atomic_int_get (&done) < N_RECEIVERS)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < N_RECEIVERS; i++)
    g_thread_join (threads[i]);
  g_assert_true (finished);
  for (guint i = 0; i < N_RECEIVERS; i++)
    if (!rx[i].ok)
      g_error ("receiver %u failed: %s", i, rx[i].error);

  /* The HTTP server of a distribution point would report these. */
  shoal_session_add_http_bytes (session, rx[2].address, 123456);

  node = shoal_session_to_json (session, TRUE);
  report = shoal_report_new_from_session_json (node, "dp.example", "https://dp.example:8470",
                                               g_get_real_time (), &error);
  g_assert_no_error (error);
  o = json_node_get_object (shoal_report_get_json (report));
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "shoal-session-report");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_false (json_object_get_boolean_member (o, "snapshot"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "outcomes"),
                                               "complete"), ==, N_RECEIVERS);
  bytes = json_object_get_object_member (o, "bytes");
  g_assert_cmpint (json_object_get_int_member (bytes, "multicast_data"), >=, CONTENT_SIZE);
  g_assert_cmpint (json_object_get_int_member (bytes, "multicast_parity"), >, 0);
  g_assert_cmpint (json_object_get_int_member (bytes, "http_repair"), ==, 123456);
  g_assert_cmpint (json_object_get_int_member (bytes, "delivered"), ==,
                   (gint64) CONTENT_SIZE * N_RECEIVERS);
  /* Three copies for the price of a bit more than one. */
  g_assert_cmpfloat (json_object_get_double_member (bytes, "efficiency"), >, 0.33);
  g_assert_cmpfloat (json_object_get_double_member (bytes, "efficiency"), <, 0.6);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "rate"),
                                               "peak_bps"), >, 1000000);
  clients = json_object_get_array_member (o, "clients");
  g_assert_cmpuint (json_array_get_length (clients), ==, N_RECEIVERS);
  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      JsonObject *c = json_array_get_object_element (clients, i);
      const char *host = json_object_get_string_member (c, "hostname");

      g_assert_cmpstr (json_object_get_string_member (c, "outcome"), ==, "complete");
      g_assert_true (g_strv_contains ((const char * const *) hostnames, host));
      g_assert_cmpint (json_object_get_int_member (c, "multicast_bytes"), >=, CONTENT_SIZE);
      if (g_str_equal (host, hostnames[2]))
        g_assert_cmpint (json_object_get_int_member (c, "http_bytes"), ==, 123456);
      else
        g_assert_cmpint (json_object_get_int_member (c, "http_bytes"), ==, 0);
      g_assert_true (json_object_get_null_member (c, "error"));
    }
  /* Sender, repair and one series per client: the console graph's samples. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_object_get_object_member (o, "rates"), "series")), ==, 2 + N_RECEIVERS);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "events")), >=,
                    2 * N_RECEIVERS + 2);
  report_export_and_check (report, "sim-session");

  /* The console's Export: the same report, written from the live session in a worker. */
  {
    g_autofree char *path = report_artifact ("sim-export.html");
    g_autofree char *json = report_artifact ("sim-export.json");
    g_autoptr(GAsyncResult) result = NULL;

    shoal_report_export_async (NULL, session, path, SHOAL_REPORT_FORMAT_HTML,
                               SHOAL_REPORT_PAPER_A4, NULL, on_export_done, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (shoal_report_export_finish (result, &error));
    g_assert_no_error (error);
    g_assert_true (shoal_report_export (NULL, session, json, SHOAL_REPORT_FORMAT_JSON,
                                        SHOAL_REPORT_PAPER_A4, &error));
    g_assert_no_error (error);
    report_check ("schema", json, NULL);
    report_check ("html", path, json);
  }

  cmd = g_strdup_printf ("rm -rf %s", dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  for (guint i = 0; i < N_RECEIVERS; i++)
    g_free (rx[i].error);
}

/* A session still waiting for its clients: a snapshot with no clients and no samples. */
static void
test_report_waiting (void)
{
  g_autoptr(ShoalSimHub) hub = shoal_sim_hub_new (1);
  guint8 content[4096] = { 0 }, key[32] = { 0 };
  ShoalLayout layout = { sizeof content, 1024, 4 };
  g_autoptr(ShoalSession) session = sim_session (hub, content, &layout, key, 5, 1000000);
  g_autoptr(ShoalReport) report = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) html = NULL;
  g_autoptr(GError) error = NULL;
  gboolean finished = FALSE;
  JsonObject *o;

  g_signal_connect (session, "finished", G_CALLBACK (on_finished), &finished);
  g_assert_true (shoal_session_start (session, &error));
  node = shoal_session_to_json (session, TRUE);
  report = shoal_report_new_from_session_json (node, NULL, NULL, g_get_real_time (), &error);
  g_assert_no_error (error);
  o = json_node_get_object (shoal_report_get_json (report));
  g_assert_true (json_object_get_boolean_member (o, "snapshot"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "session"),
                                                  "state"), ==, "waiting");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "settings"),
                                                  "start_rule"), ==,
                   "when 5 clients have joined, or 20 s after the first join, whichever "
                   "comes first");
  html = shoal_report_render (report, SHOAL_REPORT_FORMAT_HTML, SHOAL_REPORT_PAPER_A4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (html, NULL), g_bytes_get_size (html),
                                  "No throughput samples"));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (html, NULL), g_bytes_get_size (html),
                                  "is a snapshot"));
  report_export_and_check (report, "waiting");
  shoal_session_cancel (session);
  while (!finished)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- synthetic sessions -------------------------------------------------------------------- */

static char *
iso (gint64 usec)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (t);
}

/* A finished session record as a distribution point keeps it, with @n clients, a third of
 * them dropped as slow and every 50th failed with a code in its message. */
static JsonNode *
synthetic_session (const char *package, guint n, const char *const *hosts, guint rounds)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(ShoalRateHistory) history = shoal_rate_history_new (SHOAL_RATE_HISTORY_CAPACITY);
  g_autofree ShoalRateClientSample *samples = g_new0 (ShoalRateClientSample, n);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  gint64 t0 = (gint64) 1795000000 * G_USEC_PER_SEC;
  g_autofree char *start = iso (t0);
  g_autofree char *end = iso (t0 + (gint64) rounds * G_USEC_PER_SEC);

  shoal_rate_history_set_compacting (history, TRUE);
  for (guint i = 0; i < n; i++)
    {
      char *label = hosts ? g_strdup (hosts[i]) : g_strdup_printf ("pc-%04u", i);

      g_ptr_array_add (labels, label);
      samples[i].id = 0x1000 + i;
      samples[i].label = label;
    }
  for (guint r = 0; r < rounds; r++)
    {
      for (guint i = 0; i < n; i++)
        samples[i].rate = 90e6 + (i % 17) * 1e6 + (r % 10) * 1e5;
      shoal_rate_history_take_round (history, t0 + (gint64) r * G_USEC_PER_SEC, 100e6, 4e6,
                                     samples, n);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "synthetic-20261122T180000-0001");
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, package);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "done");
  json_builder_set_member_name (b, "error");
  json_builder_add_null_value (b);
  json_builder_set_member_name (b, "group");
  json_builder_add_string_value (b, "239.255.42.7");
  json_builder_set_member_name (b, "port");
  json_builder_add_int_value (b, 47007);
  json_builder_set_member_name (b, "interface");
  json_builder_add_string_value (b, "eth0");
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) 5 << 30);
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, 1.0);
  json_builder_set_member_name (b, "started");
  json_builder_add_string_value (b, start);
  json_builder_set_member_name (b, "finished");
  json_builder_add_string_value (b, end);
  json_builder_set_member_name (b, "http_bytes");
  json_builder_add_int_value (b, (gint64) 3 << 30);
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "max_rate_bps");
  json_builder_add_int_value (b, 1000000000);
  json_builder_set_member_name (b, "adaptive");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "min_rate_bps");
  json_builder_add_int_value (b, 10000000);
  json_builder_set_member_name (b, "min_clients");
  json_builder_add_int_value (b, n);
  json_builder_set_member_name (b, "max_wait_seconds");
  json_builder_add_int_value (b, 600);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source_bytes");
  json_builder_add_int_value (b, (gint64) 5 << 30);
  json_builder_set_member_name (b, "repair_bytes");
  json_builder_add_int_value (b, (gint64) 300 << 20);
  json_builder_set_member_name (b, "proactive_bytes");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "wire_bytes");
  json_builder_add_int_value (b, (gint64) 5500 << 20);
  json_builder_set_member_name (b, "datagrams");
  json_builder_add_int_value (b, 4000000);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "clients");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08x", 0x1000 + i);
      g_autofree char *addr = g_strdup_printf ("10.%u.%u.%u", i >> 16, (i >> 8) & 0xff,
                                               i & 0xff);
      const char *state = i % 50 == 7 ? "failed" : i % 3 == 1 ? "dropped" : "complete";

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "hostname");
      json_builder_add_string_value (b, labels->pdata[i]);
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, addr);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, state);
      json_builder_set_member_name (b, "loss");
      json_builder_add_double_value (b, (i % 13) / 1000.0);
      json_builder_set_member_name (b, "bytes_received");
      json_builder_add_int_value (b, (gint64) 5 << 30);
      json_builder_set_member_name (b, "http_bytes");
      json_builder_add_int_value (b, g_str_equal (state, "complete") ? 0 : (gint64) 40 << 20);
      json_builder_set_member_name (b, "last_error");
      if (g_str_equal (state, "failed"))
        json_builder_add_string_value (b, "Hash mismatch in install.wim block 812 "
                                          "(0xA05A0003)");
      else if (g_str_equal (state, "dropped"))
        json_builder_add_string_value (b, "too slow or too lossy for the session "
                                          "(slow-client policy)");
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "joined");
      json_builder_add_string_value (b, start);
      json_builder_set_member_name (b, "finished");
      json_builder_add_string_value (b, end);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < 2; k++)
      {
        g_autofree char *msg = g_strdup_printf ("%s (10.0.%u.%u) %s", (char *) labels->pdata[i],
                                                i >> 8, i & 0xff,
                                                k ? "verified the package" : "joined");

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "time");
        json_builder_add_string_value (b, k ? end : start);
        json_builder_set_member_name (b, "kind");
        json_builder_add_string_value (b, k ? "complete" : "joined");
        json_builder_set_member_name (b, "message");
        json_builder_add_string_value (b, msg);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rates");
  json_builder_add_value (b, shoal_rate_history_to_json (history, 12));
  /* As GET /api/v1/preflight/ID shows a finished one. */
  json_builder_set_member_name (b, "preflight");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "pf-0001");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "done");
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, "warn");
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "querier");
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, "IGMP querier");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "warn");
  json_builder_set_member_name (b, "detail");
  json_builder_add_string_value (b, hosts ? hosts[0] : "no querier answered in 10 s");
  json_builder_set_member_name (b, "remedy");
  json_builder_add_string_value (b, "Enable an IGMP querier on the switch.");
  json_builder_end_object (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "route");
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, "Multicast route");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "pass");
  json_builder_set_member_name (b, "detail");
  json_builder_add_string_value (b, "224.0.0.0/4 via eth0");
  json_builder_set_member_name (b, "remedy");
  json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Names that would run a script, break a CSV row or end an attribute, in every format. */
static void
test_report_hostile (void)
{
  static const char *const hosts[] = {
    "<script>alert(1)</script>",
    "pc\"onmouseover=\"x",
    "a,b,c",
    "line1\nline2\r\nline3",
    "=HYPERLINK(\"http://evil\")",
    "tab\there\x01" "ctl",
    "ünïcødé-✓",
  };
  const char *package = "pkg\"<script>alert('p')</script>,x\ny&amp;";
  g_autoptr(JsonNode) session = synthetic_session (package, G_N_ELEMENTS (hosts), hosts, 40);
  g_autoptr(ShoalReport) report = NULL;
  g_autoptr(GBytes) html = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *html_text = NULL;

  report = shoal_report_new_from_session_json (session, "dp<evil>", "http://x/\"><script>",
                                               g_get_real_time (), &error);
  g_assert_no_error (error);
  report_export_and_check (report, "hostile");

  html = shoal_report_render (report, SHOAL_REPORT_FORMAT_HTML, SHOAL_REPORT_PAPER_A4, &error);
  html_text = g_strndup (g_bytes_get_data (html, NULL), g_bytes_get_size (html));
  /* Nothing but our own markup: no script element, no attribute closed early. */
  g_assert_null (strstr (html_text, "<script"));
  g_assert_null (strstr (html_text, "\"onmouseover"));
  g_assert_null (strstr (html_text, "\x01"));
  g_assert_nonnull (strstr (html_text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  g_assert_nonnull (strstr (html_text, "&amp;amp;"));

  csv = shoal_report_render (report, SHOAL_REPORT_FORMAT_CSV, SHOAL_REPORT_PAPER_A4, &error);
  /* The formula is text to a spreadsheet, the quotes doubled, the newline inside quotes. */
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (csv, NULL), g_bytes_get_size (csv),
                                  "\"'=HYPERLINK(\"\"http://evil\"\")\""));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (csv, NULL), g_bytes_get_size (csv),
                                  "\"line1\nline2\r\nline3\""));
}

static size_t
heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
}

static long
peak_rss_kb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* A thousand clients, two thousand events, an hour of samples: every format in under 2 s
 * and a bounded memory, and nothing left behind. */
static void
test_report_scale (void)
{
  g_autoptr(JsonNode) session = synthetic_session ("win11-23h2", 1000, NULL, 3600);
  static const ShoalReportFormat formats[] = {
    SHOAL_REPORT_FORMAT_JSON, SHOAL_REPORT_FORMAT_CSV, SHOAL_REPORT_FORMAT_HTML,
    SHOAL_REPORT_FORMAT_PDF,
  };
  size_t heap_before = heap_in_use (), heap_after;
  long rss_before = peak_rss_kb (), rss_after;
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time (), spent;
      gssize held;
      g_autoptr(ShoalReport) report = shoal_report_new_from_session_json (session, "dp", NULL,
                                                                          g_get_real_time (),
                                                                          &error);
      g_autoptr(GBytes) out = NULL;

      g_assert_no_error (error);
      out = shoal_report_render (report, formats[i], SHOAL_REPORT_PAPER_A4, &error);
      g_assert_no_error (error);
      spent = g_get_monotonic_time () - t0;
      total += spent;
      /* The report and its rendering, both still held: the most this export needs. */
      held = heap_in_use () - heap_before;
      g_test_message ("1000 clients as %s: %.3f s, %" G_GSIZE_FORMAT " bytes, %.1f MiB of "
                      "heap held", shoal_report_format_to_string (formats[i]), spent / 1e6,
                      g_bytes_get_size (out), held / 1048576.0);
      g_assert_cmpint (spent, <, 2 * G_USEC_PER_SEC);
      g_assert_cmpint (held, <, 64 << 20);
      if (formats[i] == SHOAL_REPORT_FORMAT_PDF)
        {
          g_autofree char *path = report_artifact ("scale-1000.pdf");
          g_assert_true (g_file_set_contents (path, g_bytes_get_data (out, NULL),
                                              g_bytes_get_size (out), NULL));
        }
    }
  rss_after = peak_rss_kb ();
  /* Fonts, glyphs and fontconfig stay cached after the first PDF: a second round of every
   * format must leave nothing more behind. */
  heap_before = heap_in_use ();
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(ShoalReport) report = shoal_report_new_from_session_json (session, "dp", NULL,
                                                                          0, NULL);
      g_autoptr(GBytes) out = shoal_report_render (report, formats[i], SHOAL_REPORT_PAPER_A4,
                                                   NULL);
      g_assert_nonnull (out);
    }
  heap_after = heap_in_use ();
  g_test_message ("1000 clients, all four formats: %.3f s; peak RSS grew by %ld KiB; heap "
                  "%+zd bytes after a second round", total / 1e6, rss_after - rss_before,
                  (gssize) (heap_after - heap_before));
  g_assert_cmpint (rss_after - rss_before, <, 128 * 1024);
  g_assert_cmpint ((gssize) (heap_after - heap_before), <, 256 << 10);
}

/* A long session keeps its whole course: the history halves its resolution instead of
 * forgetting, every series on the same rounds, late joiners included. */
static void
test_rate_history_compaction (void)
{
  g_autoptr(ShoalRateHistory) h = shoal_rate_history_new (5);
  ShoalRateClientSample late = { 9, "late", 0 };
  const ShoalRateSeries *sent, *client;
  static const double expect_sent[] = { 1.5, 5.5, 9.5 };

  shoal_rate_history_set_compacting (h, TRUE);
  for (guint r = 0; r < 12; r++)
    {
      late.rate = 100 + r;
      shoal_rate_history_take_round (h, (gint64) (r + 1) * G_USEC_PER_SEC, r, 2 * r,
                                     &late, r >= 3 ? 1 : 0);
    }
  /* Capacity 5: full at round 5 (the newest sample waits for its pair), again at 10 (4 s a
   * sample); rounds 8..11 make the third. */
  g_assert_cmpuint (shoal_rate_history_get_stride (h), ==, 4);
  sent = shoal_rate_history_get_series (h, 0);
  g_assert_cmpuint (shoal_sample_ring_get_length (sent->ring), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (shoal_sample_ring_get (sent->ring, i)->value,
                                      expect_sent[i], 1e-9);
      g_assert_cmpint (shoal_sample_ring_get (sent->ring, i)->time, ==,
                       (gint64) (4 * i + 4) * G_USEC_PER_SEC);
    }
  g_assert_cmpfloat_with_epsilon (shoal_sample_ring_get (shoal_rate_history_get_series (h, 1)->ring,
                                                         2)->value, 19.0, 1e-9);
  /* The late client (rounds 3..11) lines up with the sender from the newest sample back. */
  client = shoal_rate_history_get_series (h, 2);
  g_assert_cmpuint (client->kind, ==, SHOAL_SERIES_CLIENT);
  g_assert_cmpuint (shoal_sample_ring_get_length (client->ring), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (shoal_sample_ring_get (client->ring, i)->time, ==,
                     shoal_sample_ring_get (sent->ring, i)->time);
  g_assert_cmpfloat_with_epsilon (shoal_sample_ring_get (client->ring, 1)->value, 105.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (shoal_sample_ring_get (client->ring, 2)->value, 109.5, 1e-9);
}

/* Beyond twelve clients a record keeps their slowest, mean and fastest rate per sample. */
static void
test_rate_history_aggregates (void)
{
  g_autoptr(ShoalRateHistory) h = shoal_rate_history_new (SHOAL_RATE_HISTORY_CAPACITY);
  ShoalRateClientSample c[20];
  g_autoptr(JsonNode) node = NULL;
  JsonArray *series;
  char labels[20][8];

  for (guint i = 0; i < 20; i++)
    {
      g_snprintf (labels[i], sizeof labels[i], "c%u", i);
      c[i] = (ShoalRateClientSample) { i, labels[i], i * 1e6 };
    }
  for (guint r = 0; r < 3; r++)
    shoal_rate_history_take_round (h, (gint64) (r + 1) * G_USEC_PER_SEC, 5e6, 1e6, c,
                                   r == 0 ? 10 : 20);
  node = shoal_rate_history_to_json (h, 12);
  series = json_object_get_array_member (json_node_get_object (node), "series");
  g_assert_cmpuint (json_array_get_length (series), ==, 5);
  for (guint i = 2; i < 5; i++)
    {
      JsonObject *s = json_array_get_object_element (series, i);
      JsonArray *samples = json_object_get_array_member (s, "samples");
      JsonArray *first = json_array_get_array_element (samples, 0);
      JsonArray *last = json_array_get_array_element (samples, 2);
      const char *kind = json_object_get_string_member (s, "kind");

      g_assert_cmpuint (json_array_get_length (samples), ==, 3);
      g_assert_cmpfloat (json_array_get_double_element (first, 0), ==, 0.0);
      if (g_str_equal (kind, "clients-min"))
        g_assert_cmpint (json_array_get_int_element (last, 1), ==, 0);
      else if (g_str_equal (kind, "clients-mean"))
        {
          /* First round: clients 0..9; the last: 0..19. */
          g_assert_cmpint (json_array_get_int_element (first, 1), ==, 4500000);
          g_assert_cmpint (json_array_get_int_element (last, 1), ==, 9500000);
        }
      else
        {
          g_assert_cmpstr (kind, ==, "clients-max");
          g_assert_cmpint (json_array_get_int_element (first, 1), ==, 9000000);
          g_assert_cmpint (json_array_get_int_element (last, 1), ==, 19000000);
        }
    }
  g_clear_pointer (&node, json_node_unref);
  node = shoal_rate_history_to_json (h, 20);
  series = json_object_get_array_member (json_node_get_object (node), "series");
  g_assert_cmpuint (json_array_get_length (series), ==, 22);
}

/* A saved JSON report renders again to the same HTML; damaged input says what is wrong. */
static void
test_report_json_round_trip (void)
{
  g_autoptr(JsonNode) session = synthetic_session ("drivers", 30, NULL, 100);
  g_autoptr(ShoalReport) a = shoal_report_new_from_session_json (session, "dp", NULL,
                                                                 g_get_real_time (), NULL);
  g_autoptr(ShoalReport) b = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GBytes) html_a = NULL;
  g_autoptr(GBytes) html_b = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  json = shoal_report_render (a, SHOAL_REPORT_FORMAT_JSON, SHOAL_REPORT_PAPER_A4, &error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (json, NULL),
                                             g_bytes_get_size (json), &error));
  b = shoal_report_new_from_json (json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  html_a = shoal_report_render (a, SHOAL_REPORT_FORMAT_HTML, SHOAL_REPORT_PAPER_A4, &error);
  html_b = shoal_report_render (b, SHOAL_REPORT_FORMAT_HTML, SHOAL_REPORT_PAPER_A4, &error);
  g_assert_true (g_bytes_equal (html_a, html_b));

  /* The preflight's checks, with their remedies, in every rendering. */
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (html_a, NULL), g_bytes_get_size (html_a),
                                  "Enable an IGMP querier on the switch."));
  o = json_object_get_object_member (json_node_get_object (shoal_report_get_json (a)),
                                     "preflight");
  g_assert_cmpstr (json_object_get_string_member (o, "outcome"), ==, "warn");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "checks")), ==, 2);

  /* A failure carries the knowledge base's reading of its code. */
  o = json_array_get_object_element (json_object_get_array_member (
        json_node_get_object (shoal_report_get_json (a)), "clients"), 7);
  g_assert_cmpstr (json_object_get_string_member (o, "outcome"), ==, "failed");
  o = json_object_get_object_member (o, "error");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "0xA05A0003");
  g_assert_nonnull (json_object_get_string_member (o, "title"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "remedies")), >, 0);
  o = json_array_get_object_element (json_object_get_array_member (
        json_node_get_object (shoal_report_get_json (a)), "clients"), 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "error"),
                                                  "code"), ==, "0xA05A0007");

  /* A newer version, a missing id, a sample that is not a pair. */
  o = json_node_get_object (json_parser_get_root (parser));
  json_object_set_int_member (o, "version", 2);
  g_clear_object (&b);
  b = shoal_report_new_from_json (json_parser_get_root (parser), &error);
  g_assert_null (b);
  g_assert_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "version 2"));
  g_clear_error (&error);

  o = json_node_get_object (session);
  json_array_add_int_element (json_object_get_array_member (json_array_get_object_element (
    json_object_get_array_member (json_object_get_object_member (o, "rates"), "series"), 0),
    "samples"), 5);
  b = shoal_report_new_from_session_json (session, NULL, NULL, 0, &error);
  g_assert_null (b);
  g_assert_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "rates.series[0].samples["));
  g_clear_error (&error);
  json_object_remove_member (o, "id");
  b = shoal_report_new_from_session_json (session, NULL, NULL, 0, &error);
  g_assert_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"id\""));
}

static void
test_report_formats (void)
{
  ShoalReportFormat f;
  ShoalReportPaper p;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  g_assert_true (shoal_report_format_from_string ("PDF", &f, NULL));
  g_assert_cmpint (f, ==, SHOAL_REPORT_FORMAT_PDF);
  g_assert_false (shoal_report_format_from_string ("docx", &f, &error));
  g_assert_nonnull (strstr (error->message, "docx"));
  g_clear_error (&error);
  g_assert_true (shoal_report_format_from_path ("/tmp/R.HTM", &f));
  g_assert_cmpint (f, ==, SHOAL_REPORT_FORMAT_HTML);
  g_assert_true (shoal_report_format_from_path ("r.csv", &f));
  g_assert_cmpint (f, ==, SHOAL_REPORT_FORMAT_CSV);
  g_assert_false (shoal_report_format_from_path ("r.txt", &f));
  g_assert_true (shoal_report_paper_from_string ("Letter", &p, NULL));
  g_assert_cmpint (p, ==, SHOAL_REPORT_PAPER_LETTER);
  g_assert_false (shoal_report_paper_from_string ("a5", &p, &error));
  g_clear_error (&error);
  g_assert_null (shoal_report_render_history (none, 0, SHOAL_REPORT_FORMAT_PDF, &error));
  g_assert_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_FORMAT);
}

/* The client history: one row per client across sessions, filtered by start. */
static void
test_report_history (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GBytes) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = report_artifact ("history.csv");
  g_autofree char *jpath = report_artifact ("history-input.json");
  g_autofree char *text = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonNode) s = synthetic_session (i ? "drivers" : "win11", 4 + i, NULL, 20);
      g_ptr_array_add (reports, shoal_report_new_from_session_json (s, NULL, NULL,
                                                                    g_get_real_time (), NULL));
    }
  csv = shoal_report_render_history (reports, 0, SHOAL_REPORT_FORMAT_CSV, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (csv, NULL),
                                      g_bytes_get_size (csv), NULL));
  {
    g_autoptr(GBytes) j0 = shoal_report_render (reports->pdata[0], SHOAL_REPORT_FORMAT_JSON,
                                                0, NULL);
    g_autoptr(GBytes) j1 = shoal_report_render (reports->pdata[1], SHOAL_REPORT_FORMAT_JSON,
                                                0, NULL);
    g_autofree char *p1 = report_artifact ("history-input-2.json");
    g_autofree char *both = g_strdup_printf ("%s,%s", jpath, p1);

    g_assert_true (g_file_set_contents (jpath, g_bytes_get_data (j0, NULL),
                                        g_bytes_get_size (j0), NULL));
    g_assert_true (g_file_set_contents (p1, g_bytes_get_data (j1, NULL),
                                        g_bytes_get_size (j1), NULL));
    report_check ("csv", path, both);
  }
  /* Both started at the same synthetic time; a later --since leaves only the header. */
  none = shoal_report_render_history (reports, (gint64) 1796000000 * G_USEC_PER_SEC,
                                      SHOAL_REPORT_FORMAT_CSV, &error);
  text = g_strndup (g_bytes_get_data (none, NULL), g_bytes_get_size (none));
  g_assert_true (g_str_has_prefix (text, "session,package,"));
  g_assert_cmpuint (strlen (strchr (text, '\n')), ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/formats", test_report_formats);
  g_test_add_func ("/report/rates/compaction", test_rate_history_compaction);
  g_test_add_func ("/report/rates/aggregates", test_rate_history_aggregates);
  g_test_add_func ("/report/json/round-trip", test_report_json_round_trip);
  g_test_add_func ("/report/hostile", test_report_hostile);
  g_test_add_func ("/report/history", test_report_history);
  g_test_add_func ("/report/scale/1000-clients", test_report_scale);
  g_test_add_func ("/report/session/waiting", test_report_waiting);
  g_test_add_func ("/report/session/sim", test_report_sim_session);
  return g_test_run ();
}
