/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reports as users get them, end to end in the namespace lab: a real shoald streams a
 * package to three real shoal-clients (one behind 30 % loss, dropped as slow and finishing
 * over HTTP, one with a hostile host name); shoalctl report and the REST API export the
 * running session as a snapshot, then the finished one in every format, then the client
 * history; after a restart, the same session from the persisted history. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "shoal-report-export.h"
#include "test-report-utils.h"
#include "test-utils.h"

#define SIZE      (16 * 1024 * 1024 + 777)
#define SERVER_IP "198.18.0.1"
#define PORT      8470
#define HOSTILE   "pc\"<script>,x"

typedef struct
{
  ShoalTestLan *lan;
  char         *dir;
  char         *library;
  char         *state;
  char         *config;
  char         *token;
  GSubprocess  *shoald;
} Lab;

static char *
bin (const char *name)
{
  return g_test_build_filename (G_TEST_BUILT, "..", "app", name, NULL);
}

/* One request from c1's namespace. */
static GBytes *
http_request (Lab *lab, const char *method, const char *path, const char *json, guint *status,
              char **content_type)
{
  g_autofree char *url = g_strdup_printf ("http://" SERVER_IP ":%d%s", PORT, path);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer test-admin-token");
  if (json != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  shoal_test_lan_enter (lab->lan, "c1");
  body = soup_session_send_and_read (session, msg, NULL, &error);
  shoal_test_lan_leave ();
  *status = error ? 0 : soup_message_get_status (msg);
  if (content_type != NULL)
    *content_type = g_strdup (soup_message_headers_get_content_type (
      soup_message_get_response_headers (msg), NULL));
  return body;
}

static GBytes *
http_get (Lab *lab, const char *path, guint *status, char **content_type)
{
  return http_request (lab, "GET", path, NULL, status, content_type);
}

static JsonNode *
parse (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), &error))
    g_error ("not JSON: %s", error->message);
  return json_node_ref (json_parser_get_root (parser));
}

static void
start_dp (Lab *lab)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shoald = bin ("shoald");
  g_autofree char *log = g_build_filename (lab->dir, "shoald.log", NULL);
  g_autofree char *cmd = g_strdup_printf ("exec %s --config %s >>%s 2>&1", shoald, lab->config,
                                          log);

  lab->shoald = shoal_test_lan_spawn (lab->lan, "srv", G_SUBPROCESS_FLAGS_NONE, &error,
                                      "sh", "-c", cmd, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    {
      guint status = 0;
      g_autoptr(GBytes) b = http_get (lab, "/metrics", &status, NULL);

      if (status == 200)
        return;
      g_usleep (100 * 1000);
    }
  {
    g_autofree char *text = NULL;
    g_file_get_contents (log, &text, NULL, NULL);
    g_error ("shoald did not come up:\n%s", text);
  }
}

static void
stop_dp (Lab *lab)
{
  g_subprocess_send_signal (lab->shoald, SIGTERM);
  g_subprocess_wait (lab->shoald, NULL, NULL);
  g_clear_object (&lab->shoald);
}

/* shoalctl from c1, as a script would run it; returns its stdout, checks its exit code. */
static char *
ctl (Lab *lab, int expect, const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shoalctl = bin ("shoalctl");
  g_autofree char *cmd = g_strdup_printf ("exec %s --server http://" SERVER_IP ":%d "
                                          "--token-file %s report %s", shoalctl, PORT,
                                          lab->token, args);
  g_autoptr(GSubprocess) p = shoal_test_lan_spawn (lab->lan, "c1",
                                                   G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                                   "sh", "-c", cmd, NULL);
  char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (p) != expect)
    g_error ("shoalctl report %s: exit %d, expected %d:\n%s%s", args,
             g_subprocess_get_exit_status (p), expect, out, err);
  return out;
}

static JsonNode *
load (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_node_ref (json_parser_get_root (parser));
}

/* shoalctl report SESSION in every format into the artifacts, each one checked. */
static JsonNode *
export_all (Lab *lab, const char *id, const char *stem)
{
  static const char *const formats[] = { "json", "csv", "html", "pdf" };
  g_autofree char *paths[4] = { NULL };
  g_autofree char *png = NULL;
  JsonNode *report;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", stem, formats[i]);
      g_autofree char *args = NULL;
      g_autofree char *out = NULL;

      paths[i] = report_artifact (name);
      /* The format from the extension for two of them, named for the others. */
      args = i % 2 ? g_strdup_printf ("%s -o %s", id, paths[i])
                   : g_strdup_printf ("%s --format %s --output %s", id, formats[i], paths[i]);
      out = ctl (lab, 0, args);
    }
  report = load (paths[0]);
  report_check ("schema", paths[0], NULL);
  report_check ("csv", paths[1], paths[0]);
  report_check ("html", paths[2], paths[0]);
  png = g_strdup_printf ("%s-page1.png", paths[3]);
  report_check_pdf (paths[3], json_node_get_object (report), png);
  return report;
}

static JsonObject *
client_named (JsonObject *report, const char *host)
{
  JsonArray *clients = json_object_get_array_member (report, "clients");

  for (guint i = 0; i < json_array_get_length (clients); i++)
    {
      JsonObject *c = json_array_get_object_element (clients, i);

      if (g_strcmp0 (json_object_get_string_member (c, "hostname"), host) == 0)
        return c;
    }
  g_error ("no client %s in the report", host);
}

static GSubprocess *
spawn_client (Lab *lab, guint i, const char *hostname)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = bin ("shoal-client");
  g_autofree char *host = g_strdup_printf ("c%u", i);
  g_autofree char *cmd = g_strdup_printf ("HOME=%s/home-%u exec %s --server http://" SERVER_IP
                                          ":%d --package img --output %s/out-%u.img "
                                          "--interface eth0 --log %s/client-%u.log "
                                          "--hostname '%s' --join-timeout 5 --quiet",
                                          lab->dir, i, client, PORT, lab->dir, i, lab->dir, i,
                                          hostname);
  GSubprocess *p = shoal_test_lan_spawn (lab->lan, host, G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                         &error, "sh", "-c", cmd, NULL);

  g_assert_no_error (error);
  return p;
}

static void
test_report_lab (void)
{
  static const char *const hosts[] = { "lab-pc-01", "lab-pc-02", HOSTILE };
  Lab lab = { 0 };
  g_autofree char *pkg = NULL;
  g_autofree char *img = NULL;
  g_autofree char *cfg = NULL;
  g_autofree char *id = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *preflight = NULL;
  g_autofree guint8 *content = g_malloc (SIZE);
  g_autoptr(JsonNode) live = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) past = NULL;
  GSubprocess *clients[3];
  GRand *rand = g_rand_new_with_seed (9);
  JsonObject *o, *c;
  gint64 deadline;

  if (!shoal_test_require_root ())
    return;
  lab.lan = shoal_test_lan_up (3, "--loss 0,0,300");
  lab.dir = g_dir_make_tmp ("shoal-report-lab-XXXXXX", NULL);
  lab.library = g_build_filename (lab.dir, "library", NULL);
  lab.state = g_build_filename (lab.dir, "state", NULL);
  lab.config = g_build_filename (lab.dir, "shoald.json", NULL);
  lab.token = g_build_filename (lab.dir, "admin-token", NULL);
  pkg = g_build_filename (lab.library, "img", NULL);
  g_mkdir_with_parents (pkg, 0755);
  g_mkdir_with_parents (lab.state, 0700);
  for (gsize i = 0; i < SIZE; i++)
    content[i] = g_rand_int (rand);
  g_rand_free (rand);
  img = g_build_filename (pkg, "disk.img", NULL);
  g_assert_true (g_file_set_contents (img, (char *) content, SIZE, NULL));
  g_assert_true (g_file_set_contents (lab.token, "test-admin-token\n", -1, NULL));
  g_chmod (lab.token, 0600);
  /* 40 Mbit/s: a few seconds of samples. The lossy client is dropped as slow after a
   * second above 5 % loss and finishes over HTTP. */
  cfg = g_strdup_printf ("{ \"library\": \"%s\", \"state_dir\": \"%s\", \"listen\": \""
                         SERVER_IP ":%d\", \"interface\": \"eth0\", \"admin_token_file\": "
                         "\"%s\", \"tls\": false, \"max_rate\": 40000000, \"min_clients\": 3, "
                         "\"max_wait\": 20, \"drop_slow\": true, \"slow_loss_percent\": 5, "
                         "\"slow_grace\": 1 }", lab.library, lab.state, PORT, lab.token);
  g_assert_true (g_file_set_contents (lab.config, cfg, -1, NULL));
  start_dp (&lab);

  /* An admin runs a preflight first; the session's report shows it. */
  {
    guint status = 0;
    g_autoptr(GBytes) b = http_request (&lab, "POST", "/api/v1/preflight",
                                        "{\"querier_wait\": 1, \"listen\": 1}", &status, NULL);
    g_autoptr(JsonNode) run = parse (b);
    g_autofree char *path = NULL;

    g_assert_cmpuint (status, ==, 201);
    preflight = g_strdup (json_object_get_string_member (json_node_get_object (run), "id"));
    path = g_strdup_printf ("/api/v1/preflight/%s", preflight);
    deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    for (;;)
      {
        g_autoptr(GBytes) pb = http_get (&lab, path, &status, NULL);
        g_autoptr(JsonNode) p = parse (pb);

        if (g_str_equal (json_object_get_string_member (json_node_get_object (p), "state"),
                         "done"))
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (200 * 1000);
      }
  }

  for (guint i = 0; i < 3; i++)
    clients[i] = spawn_client (&lab, i + 1, hosts[i]);

  /* The running session, as a snapshot, through shoalctl. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (id == NULL || live == NULL)
    {
      guint status = 0;
      g_autoptr(GBytes) b = http_get (&lab, "/api/v1/sessions", &status, NULL);
      g_autoptr(JsonNode) list = status == 200 ? parse (b) : NULL;
      JsonArray *a = list ? json_node_get_array (list) : NULL;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (a != NULL && json_array_get_length (a) > 0)
        {
          JsonObject *s = json_array_get_object_element (a, 0);

          g_free (id);
          id = g_strdup (json_object_get_string_member (s, "id"));
          if (g_str_equal (json_object_get_string_member (s, "state"), "running"))
            {
              g_autofree char *path = report_artifact ("lab-live.json");
              g_autofree char *args = g_strdup_printf ("%s -o %s", id, path);
              g_autofree char *out = ctl (&lab, 0, args);

              live = load (path);
              report_check ("schema", path, NULL);
            }
        }
      g_usleep (200 * 1000);
    }
  o = json_node_get_object (live);
  g_assert_true (json_object_get_boolean_member (o, "snapshot"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "session"),
                                                  "state"), ==, "running");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "clients")), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      g_subprocess_communicate_utf8 (clients[i], NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      if (g_subprocess_get_exit_status (clients[i]) != 0)
        g_error ("client %u failed: %s", i + 1, err);
      g_object_unref (clients[i]);
    }
  /* The session ends after its clients do. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      guint status = 0;
      g_autofree char *path = g_strdup_printf ("/api/v1/sessions/%s", id);
      g_autoptr(GBytes) b = http_get (&lab, path, &status, NULL);
      g_autoptr(JsonNode) s = parse (b);

      if (g_str_equal (json_object_get_string_member (json_node_get_object (s), "state"),
                       "done"))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }

  /* The finished session in every format, through shoalctl. */
  done = export_all (&lab, id, "lab-session");
  o = json_node_get_object (done);
  g_assert_false (json_object_get_boolean_member (o, "snapshot"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "outcomes"),
                                               "complete"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "outcomes"),
                                               "dropped"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (o, "distribution_point"), "group"), !=, NULL);
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (o, "distribution_point"), "interface"), ==, "eth0");
  /* The dropped client's HTTP repair, counted by the server and found in the session. */
  c = client_named (o, HOSTILE);
  g_assert_cmpstr (json_object_get_string_member (c, "address"), ==, "198.18.0.13");
  g_assert_cmpstr (json_object_get_string_member (c, "outcome"), ==, "dropped");
  g_assert_cmpint (json_object_get_int_member (c, "http_bytes"), >, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "bytes"),
                                               "http_repair"), ==,
                   json_object_get_int_member (c, "http_bytes"));
  c = json_object_get_object_member (c, "error");
  g_assert_cmpstr (json_object_get_string_member (c, "code"), ==, "0xA05A0007");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (c, "remedies")), >, 0);
  c = client_named (o, "lab-pc-01");
  g_assert_cmpstr (json_object_get_string_member (c, "outcome"), ==, "complete");
  g_assert_cmpint (json_object_get_int_member (c, "http_bytes"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (c, "multicast_bytes"), >=, SIZE);
  g_assert_true (json_object_get_null_member (c, "error"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_object_get_object_member (o, "rates"), "series")), ==, 5);
  c = json_object_get_object_member (o, "preflight");
  g_assert_cmpstr (json_object_get_string_member (c, "id"), ==, preflight);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (c, "checks")), >, 2);

  /* The REST API itself: a PDF with its type, and clear errors. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/sessions/%s/report?format=pdf&paper="
                                             "letter", id);
    g_autofree char *type = NULL;
    guint status = 0;
    g_autoptr(GBytes) pdf = http_get (&lab, path, &status, &type);
    g_autoptr(GBytes) bad = NULL;

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (type, ==, "application/pdf");
    g_assert_true (memcmp (g_bytes_get_data (pdf, NULL), "%PDF-", 5) == 0);
    g_free (path);
    path = g_strdup_printf ("/api/v1/sessions/%s/report?format=docx", id);
    bad = http_get (&lab, path, &status, NULL);
    g_assert_cmpuint (status, ==, 400);
    g_clear_pointer (&bad, g_bytes_unref);
    bad = http_get (&lab, "/api/v1/sessions/no-such-session/report", &status, NULL);
    g_assert_cmpuint (status, ==, 404);
  }

  /* The console's Export of a remote daemon's session: the daemon renders it. */
  {
    g_autoptr(ShoalPoint) point = shoal_point_new_remote ("lab", "http://" SERVER_IP ":8470",
                                                          "test-admin-token");
    g_autoptr(ShoalSession) mirror = shoal_session_new_remote (id, "img");
    g_autofree char *path = report_artifact ("lab-console-export.pdf");
    g_autofree char *png = report_artifact ("lab-console-export.png");
    g_autoptr(GError) error = NULL;
    gboolean ok;

    shoal_test_lan_enter (lab.lan, "c1");
    ok = shoal_report_export (point, mirror, path, SHOAL_REPORT_FORMAT_PDF,
                              SHOAL_REPORT_PAPER_A4, &error);
    shoal_test_lan_leave ();
    g_assert_no_error (error);
    g_assert_true (ok);
    report_check_pdf (path, o, png);
  }

  /* The client history, one row per client, from a date on; none from the future. */
  {
    g_autofree char *hist = report_artifact ("lab-history.csv");
    g_autofree char *json = report_artifact ("lab-session.json");
    g_autofree char *args = g_strdup_printf ("--history --since 2020-01-01 --format csv -o %s",
                                             hist);
    g_autofree char *out = ctl (&lab, 0, args);
    g_autofree char *later = ctl (&lab, 0, "--history --since 2999-01-01 --format csv");
    g_autofree char *usage = ctl (&lab, 2, "--history --format pdf");

    report_check ("csv", hist, json);
    g_assert_true (g_str_has_prefix (later, "session,package,"));
    g_assert_cmpuint (strlen (strchr (later, '\n')), ==, 1);
  }

  /* After a restart the session is history: the persisted record has the same clients,
   * the HTTP bytes and the throughput samples. */
  stop_dp (&lab);
  start_dp (&lab);
  past = export_all (&lab, id, "lab-past");
  o = json_node_get_object (past);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "session"),
                                                  "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "bytes"),
                                               "http_repair"), ==,
                   json_object_get_int_member (json_object_get_object_member (
                     json_node_get_object (done), "bytes"), "http_repair"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "clients")), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_object_get_object_member (o, "rates"), "series")), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    client_named (o, HOSTILE), "error"), "code"), ==, "0xA05A0007");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "preflight"),
                                                  "id"), ==, preflight);

  stop_dp (&lab);
  g_clear_pointer (&lab.lan, shoal_test_lan_free);
  cmd = g_strdup_printf ("rm -rf %s", lab.dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (lab.dir);
  g_free (lab.library);
  g_free (lab.state);
  g_free (lab.config);
  g_free (lab.token);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/lab/shoald", test_report_lab);
  return g_test_run ();
}
