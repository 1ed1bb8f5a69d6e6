/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the wizards stand on, as users run it: a real shoald in the namespace lab, shoalctl
 * and shoal-client --probe on the clients. The preflight finds an IGMP querier that one
 * namespace runs and none otherwise, another sender on the range, an MTU too small for the
 * datagrams; settings changes are written back or refused with the disk untouched; access
 * switches between anonymous and authenticated with real fetches; key regeneration survives
 * kill -9 at any point. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-utils.h"

#define SERVER_IP "198.18.0.1"
#define PORT      8470
#define TOKEN     "wizard-admin-token"
#define SIZE      (2 * 1024 * 1024 + 77)
#define N_STALE   3000

typedef struct
{
  ShoalTestLan *lan;
  char         *dir;
  char         *config;
  char         *state;
  char         *token;
  GSubprocess  *shoald;
  gboolean      tls;
} Fixture;

static char *
bin (const char *name)
{
  return g_test_build_filename (G_TEST_BUILT, "..", "app", name, NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *pkg = NULL;
  g_autofree char *img = NULL;
  g_autofree char *content = g_malloc (SIZE);
  GRand *rand = g_rand_new_with_seed (8);

  if (geteuid () != 0)
    return;
  f->lan = shoal_test_lan_up (2, NULL);
  f->dir = g_dir_make_tmp ("shoal-wizard-XXXXXX", NULL);
  f->config = g_build_filename (f->dir, "shoald.json", NULL);
  f->state = g_build_filename (f->dir, "state", NULL);
  f->token = g_build_filename (f->dir, "admin-token", NULL);
  pkg = g_build_filename (f->dir, "library", "img", NULL);
  g_mkdir_with_parents (pkg, 0755);
  g_mkdir_with_parents (f->state, 0700);
  for (gsize i = 0; i < SIZE; i++)
    content[i] = g_rand_int (rand);
  g_rand_free (rand);
  img = g_build_filename (pkg, "disk.img", NULL);
  g_assert_true (g_file_set_contents (img, content, SIZE, NULL));
  g_assert_true (g_file_set_contents (f->token, TOKEN "\n", -1, NULL));
  g_chmod (f->token, 0600);
}

static void
stop_dp (Fixture *f, int sig)
{
  if (f->shoald == NULL)
    return;
  g_subprocess_send_signal (f->shoald, sig);
  g_subprocess_wait (f->shoald, NULL, NULL);
  g_clear_object (&f->shoald);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  if (f->lan == NULL)
    return;
  stop_dp (f, SIGTERM);
  g_clear_pointer (&f->lan, shoal_test_lan_free);
  cmd = g_strdup_printf ("rm -rf %s", f->dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (f->dir);
  g_free (f->config);
  g_free (f->state);
  g_free (f->token);
}

static char *
base_url (Fixture *f)
{
  return g_strdup_printf ("%s://" SERVER_IP ":%d", f->tls ? "https" : "http", PORT);
}

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

/* One request from c1. @auth: NULL, "admin", or "USER:PASSWORD" for HTTP Basic. Returns the
 * body as text and sets @status (0: no connection). */
static char *
http (Fixture *f, const char *method, const char *path, const char *body, const char *auth,
      guint *status)
{
  g_autofree char *base = base_url (f);
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (g_strcmp0 (auth, "admin") == 0)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  "Bearer " TOKEN);
  else if (auth != NULL && g_str_has_prefix (auth, "Bearer "))
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  else if (auth != NULL)
    {
      g_autofree char *b64 = g_base64_encode ((guchar *) auth, strlen (auth));
      g_autofree char *h = g_strconcat ("Basic ", b64, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", h);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  shoal_test_lan_enter (f->lan, "c1");
  out = soup_session_send_and_read (session, msg, NULL, &error);
  shoal_test_lan_leave ();
  *status = error ? 0 : soup_message_get_status (msg);
  if (out == NULL)
    return g_strdup ("");
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) p = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (p, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (p));
}

/* A JSON request that must answer @want; returns the parsed answer. */
static JsonNode *
api (Fixture *f, const char *method, const char *path, const char *body, guint want)
{
  guint status = 0;
  g_autofree char *text = http (f, method, path, body, "admin", &status);

  if (status != want)
    g_error ("%s %s: HTTP %u, wanted %u: %s", method, path, status, want, text);
  return text[0] ? parse (text) : NULL;
}

static void
write_config (Fixture *f, const char *more)
{
  g_autofree char *text = g_strdup_printf (
    "{\n  \"library\": \"%s/library\",\n  \"state_dir\": \"%s\",\n"
    "  \"listen\": \"" SERVER_IP ":%d\",\n  \"interface\": \"eth0\",\n"
    "  \"admin_token_file\": \"%s\",\n  \"tls\": %s,\n  \"max_rate\": 200000000%s%s\n}\n",
    f->dir, f->state, PORT, f->token, f->tls ? "true" : "false", more ? ",\n  " : "",
    more ? more : "");

  g_assert_true (g_file_set_contents (f->config, text, -1, NULL));
}

static void
start_dp (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shoald = bin ("shoald");
  g_autofree char *log = g_build_filename (f->dir, "shoald.log", NULL);
  g_autofree char *cmd = g_strdup_printf ("exec %s --config %s >>%s 2>&1", shoald, f->config,
                                          log);

  f->shoald = shoal_test_lan_spawn (f->lan, "srv", G_SUBPROCESS_FLAGS_NONE, &error,
                                    "sh", "-c", cmd, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 150; i++)
    {
      guint status = 0;
      g_autofree char *b = http (f, "GET", "/metrics", NULL, NULL, &status);

      if (status == 200)
        return;
      if (i == 149 || !g_subprocess_get_identifier (f->shoald))
        {
          g_autofree char *text = NULL;
          g_file_get_contents (log, &text, NULL, NULL);
          g_error ("shoald did not come up:\n%s", text);
        }
      g_usleep (100000);
    }
}

/* Runs a program in @host's namespace; returns its exit status and, in @out, its output. */
static int
run_in (Fixture *f, const char *host, char **out, const char *argv0, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *so = NULL, *se = NULL;
  g_autofree char *ns = shoal_test_lan_ns (f->lan, host);
  g_autofree char *home = g_strdup_printf ("HOME=%s/home-%s", f->dir, host);
  g_autofree char *server = NULL;
  g_autofree char *token = g_strdup_printf ("SHOAL_TOKEN_FILE=%s", f->token);
  g_autofree char *base = base_url (f);
  va_list ap;
  const char *a;

  server = g_strdup_printf ("SHOAL_SERVER=%s", base);
  g_ptr_array_add (args, "ip");
  g_ptr_array_add (args, "netns");
  g_ptr_array_add (args, "exec");
  g_ptr_array_add (args, ns);
  g_ptr_array_add (args, "env");
  g_ptr_array_add (args, home);
  g_ptr_array_add (args, server);
  g_ptr_array_add (args, token);
  g_ptr_array_add (args, (gpointer) argv0);
  va_start (ap, argv0);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  p = g_subprocess_newv ((const char * const *) args->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &so, &se, &error);
  g_assert_no_error (error);
  g_test_message ("%s: exit %d\n%s%s", argv0, g_subprocess_get_exit_status (p), so, se);
  if (out != NULL)
    *out = g_strconcat (so, se, NULL);
  return g_subprocess_get_exit_status (p);
}

static JsonObject *
check_named (JsonNode *preflight, const char *name)
{
  JsonArray *a = json_object_get_array_member (json_node_get_object (preflight), "checks");

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *c = json_array_get_object_element (a, i);
      if (g_str_equal (json_object_get_string_member (c, "name"), name))
        return c;
    }
  g_error ("no check named %s", name);
}

static JsonNode *
run_preflight (Fixture *f, const char *body)
{
  g_autoptr(JsonNode) started = api (f, "POST", "/api/v1/preflight", body, 201);
  g_autofree char *path = g_strdup_printf ("/api/v1/preflight/%s",
                                           json_object_get_string_member (
                                             json_node_get_object (started), "id"));

  for (guint i = 0; i < 300; i++)
    {
      JsonNode *node = api (f, "GET", path, NULL, 200);

      if (g_str_equal (json_object_get_string_member (json_node_get_object (node), "state"),
                       "done"))
        return node;
      json_node_unref (node);
      g_usleep (100000);
    }
  g_error ("preflight did not finish");
}

#define assert_has(text, needle) \
  G_STMT_START { \
    if (strstr ((text), (needle)) == NULL) \
      g_error ("\"%s\" lacks \"%s\"", (text), (needle)); \
  } G_STMT_END

/* ---- an IGMP querier and another sender, from the test -------------------------------- */

typedef struct
{
  int   fd;
  gint  stop;
  guint sent;
} Sender;

static guint16
inet_checksum (const guint8 *p, gsize len)
{
  guint32 sum = 0;

  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (p[i] << 8) | p[i + 1];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/* IGMPv2 general queries to 224.0.0.1, with the router alert option, every 300 ms. */
static gpointer
querier_thread (gpointer data)
{
  Sender *s = data;
  guint8 q[8] = { 0x11, 100, 0, 0, 0, 0, 0, 0 };   /* max response 10 s, group 0 */
  struct sockaddr_in to = { .sin_family = AF_INET };
  guint16 sum;

  sum = inet_checksum (q, sizeof q);
  q[2] = sum >> 8;
  q[3] = sum & 0xff;
  inet_pton (AF_INET, "224.0.0.1", &to.sin_addr);
  while (!g_atomic_int_get (&s->stop))
    {
      if (sendto (s->fd, q, sizeof q, 0, (struct sockaddr *) &to, sizeof to) == sizeof q)
        s->sent++;
      g_usleep (300 * 1000);
    }
  return NULL;
}

static GThread *
start_querier (Fixture *f, Sender *s)
{
  guint8 ra[4] = { 0x94, 0x04, 0x00, 0x00 };   /* router alert (RFC 2113) */
  int ttl = 1;

  /* Raw sockets keep the namespace they were made in, like the helper's UDP ones. */
  shoal_test_lan_enter (f->lan, "c2");
  s->fd = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IGMP);
  shoal_test_lan_leave ();
  g_assert_cmpint (s->fd, >=, 0);
  g_assert_cmpint (setsockopt (s->fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof ra), ==, 0);
  g_assert_cmpint (setsockopt (s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl), ==, 0);
  return g_thread_new ("querier", querier_thread, s);
}

static gpointer
udp_sender_thread (gpointer data)
{
  Sender *s = data;
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (47004) };
  char payload[200] = "not a shoal session";

  inet_pton (AF_INET, "239.255.42.5", &to.sin_addr);
  while (!g_atomic_int_get (&s->stop))
    {
      if (sendto (s->fd, payload, sizeof payload, 0, (struct sockaddr *) &to, sizeof to) > 0)
        s->sent++;
      g_usleep (100 * 1000);
    }
  return NULL;
}

static void
stop_sender (Sender *s, GThread *t)
{
  g_atomic_int_set (&s->stop, 1);
  g_thread_join (t);
  close (s->fd);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
test_preflight (Fixture *f, gconstpointer data)
{
  Sender querier = { 0 }, other = { 0 };
  GThread *qt, *ot;
  g_autoptr(JsonNode) with = NULL;
  g_autoptr(JsonNode) without = NULL;
  g_autofree char *out = NULL;
  g_autofree char *ctl = bin ("shoalctl");
  const char *detail;

  if (!shoal_test_require_root ())
    return;
  write_config (f, NULL);
  start_dp (f);

  qt = start_querier (f, &querier);
  other.fd = shoal_test_lan_socket (f->lan, "c1", AF_INET, SOCK_DGRAM);
  ot = g_thread_new ("other", udp_sender_thread, &other);
  with = run_preflight (f, "{\"querier_wait\": 4, \"listen\": 2}");
  stop_sender (&querier, qt);
  stop_sender (&other, ot);
  g_assert_cmpuint (querier.sent, >, 0);

  /* The querier is c2, 198.18.0.12, and speaks IGMPv2. */
  g_assert_cmpstr (json_object_get_string_member (check_named (with, "igmp-querier"), "state"),
                   ==, "pass");
  detail = json_object_get_string_member (check_named (with, "igmp-querier"), "detail");
  assert_has (detail, "IGMPv2 querier, 198.18.0.12");
  /* c1 sends to 239.255.42.5:47004, inside the default range. */
  g_assert_cmpstr (json_object_get_string_member (check_named (with, "duplicates"), "state"),
                   ==, "warn");
  detail = json_object_get_string_member (check_named (with, "duplicates"), "detail");
  assert_has (detail, "239.255.42.5:47004 from 198.18.0.11");
  g_assert_cmpstr (json_object_get_string_member (check_named (with, "interface"), "state"),
                   ==, "pass");
  g_assert_cmpstr (json_object_get_string_member (check_named (with, "send-loopback"), "state"),
                   ==, "pass");
  g_assert_cmpstr (json_object_get_string_member (check_named (with, "mtu"), "state"), ==,
                   "pass");

  /* Without them: no querier (explained in plain words), no other sender. */
  without = run_preflight (f, "{\"querier_wait\": 2, \"listen\": 1}");
  g_assert_cmpstr (json_object_get_string_member (check_named (without, "igmp-querier"),
                                                  "state"), ==, "warn");
  assert_has (json_object_get_string_member (check_named (without, "igmp-querier"), "remedy"),
              "IGMP snooping");
  g_assert_cmpstr (json_object_get_string_member (check_named (without, "duplicates"), "state"),
                   ==, "pass");

  /* An MTU smaller than the datagrams: the check fails and shoalctl says so with exit 1. */
  shoal_test_lan_exec (f->lan, "srv", "ip link set eth0 mtu 1280");
  g_assert_cmpint (run_in (f, "c1", &out, ctl, "preflight", "--wait-querier", "0", "--listen",
                           "0", NULL), ==, 1);
  assert_has (out, "FAIL  Datagram size against the MTU");
  assert_has (out, "exceed the MTU 1280 of eth0");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_in (f, "c1", &out, ctl, "preflight", "--wait-querier", "0", "--listen",
                           "0", "--mtu", "1280", NULL), ==, 0);
  assert_has (out, "PASS  Datagram size against the MTU");
  /* A name that is not an interface of the point. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_in (f, "c1", &out, ctl, "preflight", "--interface", "eth7",
                           "--wait-querier", "0", "--listen", "0", NULL), ==, 1);
  assert_has (out, "no interface named eth7");
}

static void
test_probe (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) started = NULL;
  g_autofree char *out = NULL;
  g_autofree char *client = bin ("shoal-client");
  g_autofree char *url = NULL;
  JsonObject *probe;
  JsonObject *r;

  if (!shoal_test_require_root ())
    return;
  write_config (f, NULL);
  start_dp (f);
  url = base_url (f);

  /* Nothing armed: the client says so and exits 11. */
  g_assert_cmpint (run_in (f, "c1", &out, client, "--probe", url, "--join-timeout", "2", NULL),
                   ==, 11);
  assert_has (out, "no probe is armed");
  g_clear_pointer (&out, g_free);

  started = api (f, "POST", "/api/v1/preflight",
                 "{\"querier_wait\": 0, \"listen\": 0, \"probe_wait\": 15}", 201);
  g_assert_cmpint (run_in (f, "c2", &out, client, "--probe", url, "--interface", "eth0",
                           "--hostname", "client-two", NULL), ==, 0);
  assert_has (out, "1000 of 1000 datagrams");
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/preflight/%s",
                                             json_object_get_string_member (
                                               json_node_get_object (started), "id"));
    for (guint i = 0; i < 100 && done == NULL; i++)
      {
        JsonNode *n = api (f, "GET", path, NULL, 200);

        if (g_str_equal (json_object_get_string_member (json_node_get_object (n), "state"),
                         "done"))
          done = n;
        else
          {
            json_node_unref (n);
            g_usleep (100000);
          }
      }
  }
  g_assert_nonnull (done);
  g_assert_cmpstr (json_object_get_string_member (check_named (done, "probe"), "state"), ==,
                   "pass");
  assert_has (json_object_get_string_member (check_named (done, "probe"), "detail"),
              "client-two received 1000 of 1000");
  probe = json_object_get_object_member (json_node_get_object (done), "probe");
  r = json_array_get_object_element (json_object_get_array_member (probe, "results"), 0);
  g_assert_cmpstr (json_object_get_string_member (r, "address"), ==, "198.18.0.12");
  g_assert_cmpint (json_object_get_int_member (r, "received"), ==, 1000);
  /* The burst is paced at the point's rate, capped at 100 Mbit/s for probes. */
  g_assert_cmpint (json_object_get_int_member (r, "rate_bps"), >, 20000000);
  g_assert_cmpint (json_object_get_int_member (r, "rate_bps"), <, 150000000);
}

static char *
read_file (const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_steal_pointer (&text);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ctl = bin ("shoalctl");
  g_autoptr(JsonNode) audit = NULL;
  guint status;
  int busy;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (48005) };
  JsonArray *entries;
  JsonObject *last;

  if (!shoal_test_require_root ())
    return;
  write_config (f, NULL);
  start_dp (f);
  before = read_file (f->config);

  /* Each refused change names its cause and leaves the config file byte for byte. */
  text = http (f, "PUT", "/api/v1/settings",
               "{\"group_first\": \"239.1.1.10\", \"group_last\": \"239.1.1.1\"}", "admin",
               &status);
  g_assert_cmpuint (status, ==, 400);
  assert_has (text, "239.1.1.10 is above 239.1.1.1");
  g_free (text);
  text = http (f, "PUT", "/api/v1/settings", "{\"group_first\": \"224.0.0.5\"}", "admin",
               &status);
  g_assert_cmpuint (status, ==, 400);
  assert_has (text, "224.0.0.0/24");
  g_free (text);
  text = http (f, "PUT", "/api/v1/settings", "{\"interface\": \"eth9\"}", "admin", &status);
  g_assert_cmpuint (status, ==, 400);
  assert_has (text, "eth9");
  g_free (text);

  /* Another program holds UDP port 48005 on the point. */
  busy = shoal_test_lan_socket (f->lan, "srv", AF_INET, SOCK_DGRAM);
  g_assert_cmpint (bind (busy, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  text = http (f, "PUT", "/api/v1/settings", "{\"port_first\": 48000, \"port_last\": 48010}",
               "admin", &status);
  g_assert_cmpuint (status, ==, 409);
  assert_has (text, "UDP port 48005");
  g_free (text);
  text = http (f, "PUT", "/api/v1/settings", "{\"port_first\": 48000, \"port_last\": 48010}",
               "Bearer not-the-token", &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&text, g_free);
  after = read_file (f->config);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);
  close (busy);

  /* shoalctl: checked, applied, written back, audited. */
  g_assert_cmpint (run_in (f, "c1", &text, ctl, "multicast", "enable", "--range",
                           "239.7.7.1-239.7.7.40", "--ports", "48000-48010", "--rate", "300M",
                           "--min-clients", "3", NULL), ==, 0);
  assert_has (text, "saved to");
  after = read_file (f->config);
  assert_has (after, "\"group_first\" : \"239.7.7.1\"");
  assert_has (after, "\"max_rate\" : 300000000");
  assert_has (after, "\"min_clients\" : 3");
  /* Keys it was not asked to change stay as they were written. */
  assert_has (after, "\"interface\" : \"eth0\"");
  audit = api (f, "GET", "/api/v1/audit", NULL, 200);
  entries = json_node_get_array (audit);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  last = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (last, "what"), ==, "settings");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (last, "who"), "token:"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "old"),
                                                  "group_first"), ==, "239.255.42.1");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "new"),
                                                  "group_first"), ==, "239.7.7.1");

  /* Written back means it survives a restart. */
  stop_dp (f, SIGTERM);
  start_dp (f);
  {
    g_autoptr(JsonNode) s = api (f, "GET", "/api/v1/settings", NULL, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (s), "port_first"), ==,
                     48000);
  }
}

static void
test_access (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cfg = NULL;
  g_autofree char *pwfile = g_build_filename (f->dir, "password", NULL);
  g_autofree char *client = bin ("shoal-client");
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) settings = NULL;
  g_autoptr(JsonNode) audit = NULL;
  const char *hash_path;
  g_autofree char *hash = NULL;
  guint status;

  if (!shoal_test_require_root ())
    return;
  f->tls = TRUE;
  write_config (f, NULL);
  start_dp (f);
  url = base_url (f);
  g_assert_true (g_file_set_contents (pwfile, "correct horse\n", -1, NULL));
  g_chmod (pwfile, 0600);

  /* Anonymous: content without credentials. */
  g_free (http (f, "GET", "/packages/img/manifest", NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 200);

  /* A short password and a missing one are refused; nothing changes. */
  text = http (f, "PUT", "/api/v1/access",
               "{\"anonymous\": false, \"account\": \"deploy\", \"password\": \"short\"}", "admin",
               &status);
  g_assert_cmpuint (status, ==, 400);
  assert_has (text, "at least 8");
  g_free (text);
  text = http (f, "PUT", "/api/v1/access", "{\"anonymous\": false, \"account\": \"deploy\"}",
               "admin", &status);
  g_assert_cmpuint (status, ==, 400);
  g_free (http (f, "GET", "/packages/img/manifest", NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 200);

  g_free (text);
  text = http (f, "PUT", "/api/v1/access",
               "{\"anonymous\": false, \"account\": \"deploy\", \"password\": \"correct horse\"}",
               "admin", &status);
  g_assert_cmpuint (status, ==, 200);
  {
    g_autoptr(JsonNode) answer = parse (text);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "access"), ==,
                     "authenticated");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "account"),
                     ==, "deploy");
  }

  /* Real fetches: 401 without, 401 with a wrong password, 200 with the account. */
  g_free (http (f, "GET", "/packages/img/manifest", NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  g_free (http (f, "GET", "/packages/img/manifest", NULL, "deploy:wrong horse", &status));
  g_assert_cmpuint (status, ==, 401);
  g_free (http (f, "GET", "/packages/img/manifest", NULL, "deploy:correct horse", &status));
  g_assert_cmpuint (status, ==, 200);

  /* On disk: the config points at a salted hash; the password is nowhere. */
  cfg = read_file (f->config);
  assert_has (cfg, "\"access\" : \"authenticated\"");
  settings = api (f, "GET", "/api/v1/settings", NULL, 200);
  hash_path = json_object_get_string_member (json_node_get_object (settings), "password_file");
  hash = read_file (hash_path);
  g_assert_true (g_str_has_prefix (hash, "pbkdf2-sha256$"));
  g_assert_null (strstr (hash, "correct horse"));
  g_assert_null (strstr (cfg, "correct horse"));

  /* A probe works in authenticated mode with the account, and is refused without it. */
  api (f, "POST", "/api/v1/probe", "{\"wait\": 10}", 201);
  g_free (out);
  out = NULL;
  g_assert_cmpint (run_in (f, "c1", &out, client, "--probe", url, NULL), ==, 14);
  g_free (out);
  out = NULL;
  g_assert_cmpint (run_in (f, "c1", &out, client, "--probe", url, "--user", "deploy",
                           "--password-file", pwfile, NULL), ==, 0);
  assert_has (out, "1000 of 1000");

  /* It survives a restart (the hash is read back), then back to anonymous. */
  stop_dp (f, SIGTERM);
  start_dp (f);
  g_free (http (f, "GET", "/packages/img/manifest", NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  g_free (http (f, "GET", "/packages/img/manifest", NULL, "deploy:correct horse", &status));
  g_assert_cmpuint (status, ==, 200);
  json_node_unref (api (f, "PUT", "/api/v1/access", "{\"anonymous\": true}", 200));
  g_free (http (f, "GET", "/packages/img/manifest", NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 200);
  api (f, "POST", "/api/v1/probe", "{\"wait\": 10}", 201);
  g_free (out);
  out = NULL;
  g_assert_cmpint (run_in (f, "c1", &out, client, "--probe", url, NULL), ==, 0);

  /* Both changes are in the audit log, without the password. */
  audit = api (f, "GET", "/api/v1/audit", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (audit)), ==, 2);
  {
    g_autofree char *log = NULL;
    g_autofree char *path = g_build_filename (f->state, "audit.log", NULL);

    log = read_file (path);
    assert_has (log, "\"what\":\"access\"");
    g_assert_null (strstr (log, "correct horse"));
  }
}

/* Key regeneration interrupted by kill -9 at different moments: the point starts again each
 * time, resumes its session, and a client receives the package. */
static void
test_keys_kill (Fixture *f, gconstpointer data)
{
  const guint delays_us[] = { 0, 1000, 4000, 12000, 16000, 20000, 30000, 60000 };
  guint interrupted = 0;
  g_autofree char *ctl = bin ("shoalctl");
  g_autofree char *client = bin ("shoal-client");
  g_autofree char *keys = NULL;
  g_autofree char *out = NULL;
  g_autofree char *fp_before = NULL;
  g_autofree char *output = g_build_filename (f->dir, "received.img", NULL);
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) session = NULL;
  guint n_keys = 0;
  const char *name, *state;

  if (!shoal_test_require_root ())
    return;
  write_config (f, "\"min_clients\": 1");
  start_dp (f);
  url = base_url (f);
  session = api (f, "POST", "/api/v1/sessions", "{\"package\": \"img\", \"min_clients\": 1}",
                 201);
  {
    g_autoptr(JsonNode) st = api (f, "GET", "/api/v1/status", NULL, 200);
    fp_before = g_strdup (json_object_get_string_member (json_node_get_object (st),
                                                         "key_fingerprint"));
  }
  /* Stale keys of sessions long gone, for the regeneration to work through. */
  keys = g_build_filename (f->state, "keys", NULL);
  for (guint i = 0; i < N_STALE; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/session-old-%04u.key", keys, i);
      g_assert_true (g_file_set_contents (p, "{}", -1, NULL));
    }

  for (guint d = 0; d < G_N_ELEMENTS (delays_us); d++)
    {
      const char *req = "POST /api/v1/keys/regenerate HTTP/1.1\r\nHost: " SERVER_IP "\r\n"
                        "Authorization: Bearer " TOKEN "\r\n"
                        "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n"
                        "{\"signing\": true}";
      struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (PORT) };
      int fd = shoal_test_lan_socket (f->lan, "c1", AF_INET, SOCK_STREAM);
      g_autoptr(JsonNode) st = NULL;
      g_autoptr(GDir) dir = NULL;
      guint left = 0;

      /* Connected beforehand, so the kill is timed from the request itself. */
      inet_pton (AF_INET, SERVER_IP, &sa.sin_addr);
      g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
      g_assert_cmpint (send (fd, req, strlen (req), 0), ==, (gssize) strlen (req));
      g_usleep (delays_us[d]);
      stop_dp (f, SIGKILL);
      close (fd);
      start_dp (f);
      st = api (f, "GET", "/api/v1/status", NULL, 200);
      dir = g_dir_open (keys, 0, NULL);
      while ((name = g_dir_read_name (dir)) != NULL)
        left += g_str_has_prefix (name, "session-old-");
      g_test_message ("killed %u us after the request: %u of %u stale keys left, signing key "
                      "%s", delays_us[d], left, N_STALE,
                      g_strcmp0 (fp_before, json_object_get_string_member (
                                   json_node_get_object (st), "key_fingerprint")) == 0
                      ? "unchanged" : "replaced");
      interrupted += left > 0 && left < N_STALE;
    }
  g_test_message ("%u kills landed in the middle of the regeneration", interrupted);

  /* Whatever was interrupted, the point is whole: one signing key, the session resumed. */
  {
    g_autoptr(JsonNode) st = api (f, "GET", "/api/v1/status", NULL, 200);
    g_autoptr(JsonNode) s = NULL;
    g_autofree char *path = g_strdup_printf ("/api/v1/sessions/%s",
                                             json_object_get_string_member (
                                               json_node_get_object (session), "id"));
    g_autoptr(GDir) dir = g_dir_open (keys, 0, NULL);

    g_assert_true (g_str_has_prefix (json_object_get_string_member (json_node_get_object (st),
                                                                    "key_fingerprint"),
                                     "SHA256:"));
    s = api (f, "GET", path, NULL, 200);
    /* Resumed after each kill (a resumed session starts at once). */
    state = json_object_get_string_member (json_node_get_object (s), "state");
    g_assert_true (g_str_equal (state, "waiting") || g_str_equal (state, "running")
                   || g_str_equal (state, "repairing"));
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        /* No temporary file of an interrupted write survives a start. */
        g_assert_false (g_str_has_prefix (name, "."));
        n_keys += g_str_has_prefix (name, "session-old-");
      }
    g_test_message ("stale keys left after the interruptions: %u of %u", n_keys, N_STALE);
  }
  /* A finished regeneration removes what is left and keeps the running session's key. */
  g_assert_cmpint (run_in (f, "c1", &out, ctl, "keys", "regenerate", NULL), ==, 0);
  assert_has (out, "kept 1 for running sessions");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_in (f, "c1", &out, client, "--server", url, "--package", "img",
                           "--output", output, "--interface", "eth0", "--join-timeout", "5",
                           NULL), ==, 0);
  {
    gsize len = 0;
    g_autofree char *got = NULL;

    g_assert_true (g_file_get_contents (output, &got, &len, NULL));
    g_assert_cmpuint (len, ==, SIZE);
  }
  g_test_message ("signing key before: %s", fp_before);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/wizard/lan/preflight", Fixture, NULL, fixture_setup, test_preflight,
              fixture_teardown);
  g_test_add ("/wizard/lan/probe", Fixture, NULL, fixture_setup, test_probe, fixture_teardown);
  g_test_add ("/wizard/lan/settings", Fixture, NULL, fixture_setup, test_settings,
              fixture_teardown);
  g_test_add ("/wizard/lan/access", Fixture, NULL, fixture_setup, test_access, fixture_teardown);
  g_test_add ("/wizard/lan/keys-kill", Fixture, NULL, fixture_setup, test_keys_kill,
              fixture_teardown);
  return g_test_run ();
}
