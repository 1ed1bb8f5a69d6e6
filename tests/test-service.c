/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point and its clients as users run them: real shoald and shoal-client
 * processes in network namespaces. Anonymous and authenticated access, an encrypted capture,
 * HTTP fallback when multicast is blocked, multicast-only packages, kill -9 and restart, a
 * corrupted library, bad requests. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-descriptor.h"
#include "shoal-seal.h"
#include "test-utils.h"

#define SIZE (16 * 1024 * 1024 + 4321)
#define SERVER_IP "198.18.0.1"
#define PORT 8470

typedef struct
{
  ShoalTestLan *lan;
  char         *dir;
  char         *library;
  char         *state;
  char         *config;
  char         *token;
  GSubprocess  *shoald;
  guint8       *content;
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
  GRand *rand = g_rand_new_with_seed (5);

  if (geteuid () != 0)
    return;
  f->lan = shoal_test_lan_up (3, NULL);
  f->dir = g_dir_make_tmp ("shoal-service-XXXXXX", NULL);
  f->library = g_build_filename (f->dir, "library", NULL);
  f->state = g_build_filename (f->dir, "state", NULL);
  f->config = g_build_filename (f->dir, "shoald.json", NULL);
  pkg = g_build_filename (f->library, "img", NULL);
  g_mkdir_with_parents (pkg, 0755);
  g_mkdir_with_parents (f->state, 0700);
  f->content = g_malloc (SIZE);
  for (gsize i = 0; i < SIZE; i++)
    f->content[i] = g_rand_int (rand);
  g_rand_free (rand);
  img = g_build_filename (pkg, "disk.img", NULL);
  g_assert_true (g_file_set_contents (img, (char *) f->content, SIZE, NULL));
  f->token = g_build_filename (f->dir, "admin-token", NULL);
  g_assert_true (g_file_set_contents (f->token, "test-admin-token\n", -1, NULL));
  g_chmod (f->token, 0600);
}

static void
stop_dp (Fixture *f)
{
  if (f->shoald != NULL)
    {
      g_subprocess_send_signal (f->shoald, SIGTERM);
      g_subprocess_wait (f->shoald, NULL, NULL);
      g_clear_object (&f->shoald);
    }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  if (f->lan == NULL)
    return;
  stop_dp (f);
  g_clear_pointer (&f->lan, shoal_test_lan_free);
  cmd = g_strdup_printf ("rm -rf %s", f->dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (f->dir);
  g_free (f->library);
  g_free (f->state);
  g_free (f->config);
  g_free (f->token);
  g_free (f->content);
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

/* One HTTP request from client c1's namespace. */
static GBytes *
http (Fixture *f, const char *method, const char *path, const char *body, const char *auth,
      guint *status)
{
  g_autofree char *url = g_strconcat (base_url (f), path, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *out;

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  shoal_test_lan_enter (f->lan, "c1");
  out = soup_session_send_and_read (session, msg, NULL, &error);
  shoal_test_lan_leave ();
  *status = error ? 0 : soup_message_get_status (msg);
  return out;
}

/* Response bodies are not NUL-terminated. */
static char *
text_of (GBytes *body)
{
  if (body == NULL || g_bytes_get_size (body) == 0)
    return g_strdup ("");
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

#define assert_body_has(body, needle) \
  G_STMT_START { \
    g_autofree char *_t = text_of (body); \
    if (strstr (_t, needle) == NULL) \
      g_error ("the answer lacks \"%s\": %s", needle, _t); \
  } G_STMT_END

static void
start_dp (Fixture *f, const char *config_json, const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shoald = bin ("shoald");
  g_autofree char *log = g_build_filename (f->dir, "shoald.log", NULL);
  g_autofree char *cmd = NULL;
  guint status = 0;

  g_assert_true (g_file_set_contents (f->config, config_json, -1, NULL));
  cmd = g_strdup_printf ("exec %s --config %s %s >>%s 2>&1", shoald, f->config,
                         extra ? extra : "", log);
  f->shoald = shoal_test_lan_spawn (f->lan, "srv", G_SUBPROCESS_FLAGS_NONE, &error,
                                    "sh", "-c", cmd, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GBytes) b = http (f, "GET", "/metrics", NULL, NULL, &status);
      if (status == 200)
        return;
      if (i == 99)
        {
          g_autofree char *text = NULL;
          g_file_get_contents (log, &text, NULL, NULL);
          g_error ("shoald did not come up:\n%s", text);
        }
      g_usleep (100000);
    }
}

static char *
write_config (Fixture *f, const char *more)
{
  return g_strdup_printf ("{\n  \"library\": \"%s\",\n  \"state_dir\": \"%s\",\n"
                          "  \"listen\": \"" SERVER_IP ":%d\",\n  \"interface\": \"eth0\",\n"
                          "  \"admin_token_file\": \"%s\",\n  \"max_rate\": 400000000%s%s\n}\n",
                          f->library, f->state, PORT, f->token, more ? ",\n  " : "",
                          more ? more : "");
}

typedef struct
{
  GSubprocess *proc;
  char        *output;
  char        *stderr_text;
  int          status;
} Run;

static GSubprocess *
spawn_client (Fixture *f, guint i, const char *extra, char **output)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = bin ("shoal-client");
  g_autofree char *url = base_url (f);
  g_autofree char *log = g_strdup_printf ("%s/client-%u.log", f->dir, i);
  g_autofree char *host = g_strdup_printf ("c%u", i);
  g_autofree char *cmd = NULL;
  GSubprocess *p;

  *output = g_strdup_printf ("%s/out-%u.img", f->dir, i);
  cmd = g_strdup_printf ("HOME=%s/home-%u exec %s --server %s --package img --output %s "
                         "--interface eth0 --log %s --hostname c%u --join-timeout 3 %s",
                         f->dir, i, client, url, *output, log, i, extra ? extra : "");
  p = shoal_test_lan_spawn (f->lan, host, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            "sh", "-c", cmd, NULL);
  g_assert_no_error (error);
  return p;
}

static void
finish_client (Run *r)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (r->proc, NULL, NULL, NULL, &r->stderr_text, &error);
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (r->proc);
  g_test_message ("client exit %d: %s", r->status, r->stderr_text);
}

static void
assert_output (Fixture *f, Run *r)
{
  g_autofree char *got = NULL;
  gsize len = 0;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (g_file_get_contents (r->output, &got, &len, NULL));
  g_assert_cmpuint (len, ==, SIZE);
  g_assert_true (memcmp (got, f->content, SIZE) == 0);
}

static void
run_clients (Fixture *f, guint n, const char *extra, Run *runs)
{
  for (guint i = 0; i < n; i++)
    runs[i].proc = spawn_client (f, i + 1, extra, &runs[i].output);
  for (guint i = 0; i < n; i++)
    finish_client (&runs[i]);
}

static void
clear_runs (Run *runs, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_clear_object (&runs[i].proc);
      g_free (runs[i].output);
      g_free (runs[i].stderr_text);
    }
}

/* Reads the REST event stream from c1 over a plain socket until @until. */
typedef struct
{
  int      fd;
  GString *text;
  gint     stop;
} Stream;

static gpointer
stream_thread (gpointer data)
{
  Stream *st = data;
  char buf[4096];

  while (!g_atomic_int_get (&st->stop))
    {
      struct pollfd pfd = { st->fd, POLLIN, 0 };
      ssize_t n;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      n = recv (st->fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      g_string_append_len (st->text, buf, n);
    }
  return NULL;
}

static GThread *
open_event_stream (Fixture *f, Stream *st)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (PORT) };
  const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: " SERVER_IP "\r\n"
                    "Authorization: Bearer test-admin-token\r\nAccept: text/event-stream\r\n\r\n";

  st->fd = shoal_test_lan_socket (f->lan, "c1", AF_INET, SOCK_STREAM);
  inet_pton (AF_INET, SERVER_IP, &sa.sin_addr);
  g_assert_cmpint (connect (st->fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (send (st->fd, req, strlen (req), 0), ==, (gssize) strlen (req));
  st->text = g_string_new (NULL);
  return g_thread_new ("events", stream_thread, st);
}

static void
test_anonymous (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  g_autoptr(GBytes) body = NULL;
  Run runs[3] = { 0 };
  Stream stream = { 0 };
  GThread *stream_thread_handle;
  guint status;

  if (!shoal_test_require_root ())
    return;
  cfg = write_config (f, "\"tls\": false, \"min_clients\": 3, \"max_wait\": 20");
  start_dp (f, cfg, NULL);
  stream_thread_handle = open_event_stream (f, &stream);
  run_clients (f, 3, NULL, runs);
  for (guint i = 0; i < 3; i++)
    assert_output (f, &runs[i]);

  /* The live event stream told an admin about the joins and the end. */
  g_usleep (500 * 1000);
  g_atomic_int_set (&stream.stop, 1);
  g_thread_join (stream_thread_handle);
  close (stream.fd);
  g_test_message ("event stream: %.300s", stream.text->str);
  g_assert_nonnull (strstr (stream.text->str, "text/event-stream"));
  g_assert_nonnull (strstr (stream.text->str, "event: event"));
  g_assert_nonnull (strstr (stream.text->str, "joined"));
  g_assert_nonnull (strstr (stream.text->str, "Session finished"));
  g_string_free (stream.text, TRUE);

  /* The REST API saw it all, and guards itself. */
  body = http (f, "GET", "/api/v1/sessions", NULL, "Bearer test-admin-token", &status);
  g_assert_cmpuint (status, ==, 200);
  assert_body_has (body, "\"package\" : \"img\"");
  g_clear_pointer (&body, g_bytes_unref);
  body = http (f, "GET", "/api/v1/sessions", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&body, g_bytes_unref);
  body = http (f, "POST", "/api/v1/sessions", "{\"package\": ", "Bearer test-admin-token",
               &status);
  g_assert_cmpuint (status, ==, 400);
  assert_body_has (body, "not valid JSON");
  g_clear_pointer (&body, g_bytes_unref);
  body = http (f, "GET", "/metrics", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  assert_body_has (body, "shoal_session_bytes_sent_total");
  clear_runs (runs, 3);
}

/* Authenticated mode over HTTPS: no credentials get 401 (exit 14); a capture of the
 * multicast cannot be read without the key; with the account the transfer completes. */
typedef struct
{
  ShoalTestLan *lan;
  char         *group;
  guint         port;
  GPtrArray    *packets;   /* GBytes */
  gint          stop;
} Capture;

static gpointer
capture_thread (gpointer data)
{
  Capture *cap = data;
  int fd, one = 1, big = 8 << 20;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (cap->port) };
  struct ip_mreqn mreq = { 0 };
  guint8 buf[2048];

  shoal_test_lan_enter (cap->lan, "c3");
  fd = socket (AF_INET, SOCK_DGRAM, 0);
  shoal_test_lan_leave ();
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  inet_pton (AF_INET, cap->group, &sa.sin_addr);
  inet_pton (AF_INET, cap->group, &mreq.imr_multiaddr);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (setsockopt (fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq), ==, 0);
  while (!g_atomic_int_get (&cap->stop))
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      if (poll (&pfd, 1, 100) > 0)
        {
          ssize_t n = recv (fd, buf, sizeof buf, 0);
          if (n > 0)
            g_ptr_array_add (cap->packets, g_bytes_new (buf, n));
        }
    }
  close (fd);
  return NULL;
}

static void
test_authenticated (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL, *pw = NULL, *extra = NULL, *auth = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(ShoalDescriptor) d = NULL;
  g_autoptr(GError) error = NULL;
  Capture cap = { 0 };
  GThread *thread;
  Run denied = { 0 }, runs[2] = { 0 };
  guint status, readable = 0;

  if (!shoal_test_require_root ())
    return;
  f->tls = TRUE;
  pw = g_build_filename (f->dir, "password", NULL);
  g_assert_true (g_file_set_contents (pw, "s3cret\n", -1, NULL));
  g_chmod (pw, 0600);
  cfg = write_config (f, "\"min_clients\": 2, \"max_wait\": 20, \"max_rate\": 100000000");
  {
    g_autofree char *account = g_strdup_printf ("--account deploy:%s", pw);
    start_dp (f, cfg, account);
  }

  /* Without the account: refused, with the right exit code. */
  denied.proc = spawn_client (f, 1, NULL, &denied.output);
  finish_client (&denied);
  g_assert_cmpint (denied.status, ==, 14);
  g_assert_nonnull (strstr (denied.stderr_text, "access denied"));
  body = http (f, "GET", "/sessions/for-package/img", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&body, g_bytes_unref);
  body = http (f, "GET", "/packages/img/stream", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&body, g_bytes_unref);

  /* Learn the session's group (this also creates the session) and listen in from c3. */
  auth = g_strdup_printf ("Basic %s", "ZGVwbG95OnMzY3JldA==");   /* deploy:s3cret */
  body = http (f, "GET", "/sessions/for-package/img", NULL, auth, &status);
  g_assert_cmpuint (status, ==, 200);
  d = shoal_descriptor_verify (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL,
                               NULL, &error);
  g_assert_no_error (error);
  cap = (Capture) { f->lan, d->group, d->port, g_ptr_array_new_with_free_func (
                      (GDestroyNotify) g_bytes_unref), 0 };
  thread = g_thread_new ("capture", capture_thread, &cap);

  extra = g_strdup_printf ("--user deploy --password-file %s", pw);
  run_clients (f, 2, extra, runs);
  for (guint i = 0; i < 2; i++)
    assert_output (f, &runs[i]);
  g_atomic_int_set (&cap.stop, 1);
  g_thread_join (thread);

  /* The capture is the real stream, and not one plaintext window of the package is in it. */
  g_test_message ("captured %u datagrams", cap.packets->len);
  g_assert_cmpuint (cap.packets->len, >, SIZE / 1500);
  for (guint i = 0; i < cap.packets->len; i++)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (g_ptr_array_index (cap.packets, i), &len);
      for (guint probe = 0; probe < 4; probe++)
        {
          gsize off = (gsize) (i * 7919 + probe * 104729) % (SIZE - 64);
          g_assert_null (memmem (p, len, f->content + off, 32));
        }
      /* Without the key the tag never verifies. */
      {
        guint8 wrong[32] = { 1 };
        g_autoptr(ShoalSeal) seal = shoal_seal_new (wrong);
        g_autofree guint8 *copy = g_memdup2 (p, len);
        ShoalPacketHeader hdr;

        if (len >= SHOAL_DATA_HEADER_LEN + SHOAL_TAG_LEN && copy[3] == SHOAL_PACKET_DATA
            && shoal_packet_peek_header (copy, len, &hdr, NULL)
            && shoal_seal_open (seal, &hdr, copy, SHOAL_DATA_HEADER_LEN,
                                len - SHOAL_DATA_HEADER_LEN - SHOAL_TAG_LEN))
          readable++;
      }
    }
  g_assert_cmpuint (readable, ==, 0);
  g_ptr_array_unref (cap.packets);
  clear_runs (runs, 2);
  clear_runs (&denied, 1);
}

/* c2 never sees multicast (nftables drops the groups): it finishes over HTTP. With the
 * package multicast-only, the same client fails with the multicast-only code. */
static void
block_multicast (Fixture *f, const char *host)
{
  g_autofree char *ns = shoal_test_lan_ns (f->lan, host);
  g_autofree char *cmd = g_strdup_printf (
    "ip netns exec %s nft add table inet shoal_block ; "
    "ip netns exec %s nft add chain inet shoal_block input "
    "'{ type filter hook input priority -10; }' ; "
    "ip netns exec %s nft add rule inet shoal_block input ip daddr 239.0.0.0/8 drop", ns, ns, ns);
  int status = 0;
  const char *argv[] = { "sh", "-c", cmd, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_http_fallback (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  Run runs[2] = { 0 };

  if (!shoal_test_require_root ())
    return;
  block_multicast (f, "c2");
  cfg = write_config (f, "\"tls\": false, \"min_clients\": 2, \"max_wait\": 3");
  start_dp (f, cfg, NULL);
  run_clients (f, 2, NULL, runs);
  assert_output (f, &runs[0]);
  assert_output (f, &runs[1]);
  g_assert_nonnull (strstr (runs[0].stderr_text, " 0 by HTTP"));
  g_assert_nonnull (strstr (runs[1].stderr_text, "no multicast arrived"));
  g_assert_null (strstr (runs[1].stderr_text, " 0 by HTTP"));
  clear_runs (runs, 2);
}

static void
test_multicast_only (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  g_autofree char *settings = g_build_filename (f->library, ".shoal", "img", NULL);
  g_autofree char *settings_file = g_build_filename (settings, "package.json", NULL);
  Run runs[1] = { 0 };

  if (!shoal_test_require_root ())
    return;
  block_multicast (f, "c1");
  g_mkdir_with_parents (settings, 0755);
  g_assert_true (g_file_set_contents (settings_file, "{\"multicast_only\": true}\n", -1, NULL));
  cfg = write_config (f, "\"tls\": false");
  start_dp (f, cfg, NULL);
  run_clients (f, 1, NULL, runs);
  g_assert_cmpint (runs[0].status, ==, 15);
  g_assert_nonnull (strstr (runs[0].stderr_text, "multicast-only"));
  clear_runs (runs, 1);
}

/* kill -9 shoald mid-session, start it again: every client still verifies its output, and
 * the session is in the history afterwards. */
static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  g_autoptr(GBytes) body = NULL;
  Run runs[3] = { 0 };
  guint status;

  if (!shoal_test_require_root ())
    return;
  /* ~3 s at 50 Mbit/s: the kill lands mid-transfer. */
  cfg = write_config (f, "\"tls\": false, \"min_clients\": 3, \"max_wait\": 20, "
                         "\"max_rate\": 50000000");
  start_dp (f, cfg, NULL);
  for (guint i = 0; i < 3; i++)
    runs[i].proc = spawn_client (f, i + 1, NULL, &runs[i].output);
  g_usleep (1500 * 1000);
  g_subprocess_force_exit (f->shoald);
  g_subprocess_wait (f->shoald, NULL, NULL);
  g_clear_object (&f->shoald);
  g_usleep (500 * 1000);
  start_dp (f, cfg, NULL);
  for (guint i = 0; i < 3; i++)
    {
      finish_client (&runs[i]);
      assert_output (f, &runs[i]);
    }
  body = http (f, "GET", "/api/v1/sessions", NULL, "Bearer test-admin-token", &status);
  g_assert_cmpuint (status, ==, 200);
  assert_body_has (body, "\"package\" : \"img\"");
  clear_runs (runs, 3);
}

/* A block of the library's copy damaged after import: the client names the file and the
 * block and exits with the hash-mismatch code. */
static void
test_corrupt_block (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  g_autofree char *img = g_build_filename (f->library, "img", "disk.img", NULL);
  Run runs[1] = { 0 };
  FILE *fp;

  if (!shoal_test_require_root ())
    return;
  cfg = write_config (f, "\"tls\": false");
  start_dp (f, cfg, NULL);
  /* Block 3 starts at 3 * 128 * 1404 bytes. */
  fp = fopen (img, "r+");
  g_assert_nonnull (fp);
  fseek (fp, 3 * 128 * 1404 + 1000, SEEK_SET);
  fputs ("CORRUPTION", fp);
  fclose (fp);
  run_clients (f, 1, NULL, runs);
  g_assert_cmpint (runs[0].status, ==, 12);
  g_assert_nonnull (strstr (runs[0].stderr_text, "block 3"));
  g_assert_nonnull (strstr (runs[0].stderr_text, "disk.img"));
  clear_runs (runs, 1);
}

static void
test_bad_requests (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  const char *bad[] = {
    "/packages/img/files/..%2F..%2F..%2Fetc%2Fpasswd", "/packages/..%2Fstate/manifest",
    "/packages/img/files/%2Fetc%2Fpasswd",
  };
  guint status;

  if (!shoal_test_require_root ())
    return;
  cfg = write_config (f, "\"tls\": false");
  start_dp (f, cfg, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) body = http (f, "GET", bad[i], NULL, NULL, &status);
      g_test_message ("%s -> %u", bad[i], status);
      g_assert_cmpuint (status, >=, 400);
      g_assert_cmpuint (status, <, 500);
      {
        g_autofree char *t = text_of (body);
        g_assert_null (strstr (t, "root:"));
      }
    }
  {
    g_autoptr(GBytes) body = http (f, "PUT", "/api/v1/settings", "{\"ttl\": \"one\"}",
                                   "Bearer test-admin-token", &status);
    g_assert_cmpuint (status, ==, 400);
    assert_body_has (body, "ttl");
  }
  {
    g_autoptr(GBytes) body = http (f, "POST", "/api/v1/sessions", "{\"package\": \"nope\"}",
                                   "Bearer test-admin-token", &status);
    g_assert_cmpuint (status, ==, 404);
  }
}

/* kill -9 a client mid-transfer, damage one block its journal lists, and start it again: it
 * resumes from its journal, notices the damaged block, and fetches only what it had not
 * verified, plus that block. */
static void
test_client_resume (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = NULL;
  g_autofree char *log_path = NULL, *log = NULL;
  Run first = { 0 }, second = { 0 };
  guint64 mc = 0, http_bytes = 0;
  guint resumed = 0, n_blocks = 0;
  const char *line;

  if (!shoal_test_require_root ())
    return;
  /* ~2.7 s at 50 Mbit/s. */
  cfg = write_config (f, "\"tls\": false, \"max_rate\": 50000000");
  start_dp (f, cfg, NULL);
  first.proc = spawn_client (f, 1, NULL, &first.output);
  /* Kill it once it has journalled some verified blocks, whatever the machine's load. */
  {
    g_autofree char *journal = g_strconcat (first.output, ".shoal-journal", NULL);
    for (guint i = 0; i < 200 && !g_file_test (journal, G_FILE_TEST_EXISTS); i++)
      g_usleep (50 * 1000);
    g_assert_true (g_file_test (journal, G_FILE_TEST_EXISTS));
  }
  g_subprocess_force_exit (first.proc);
  g_subprocess_wait (first.proc, NULL, NULL);
  /* The journal is saved without flushing the output: a block it lists may not be on disk. */
  {
    g_autofree char *journal = g_strconcat (first.output, ".shoal-journal", NULL);
    g_autofree char *jdata = NULL;
    gsize jlen = 0;
    guint32 b = 0;
    FILE *fp;

    g_assert_true (g_file_get_contents (journal, &jdata, &jlen, NULL));
    g_assert_cmpuint (jlen, >, 40);
    while (40 + b / 8 < jlen && !(jdata[40 + b / 8] & (1 << (b % 8))))
      b++;
    g_assert_cmpuint (40 + b / 8, <, jlen);
    fp = fopen (first.output, "r+");
    g_assert_nonnull (fp);
    fseek (fp, (long) b * 128 * 1404 + 100, SEEK_SET);
    fputs ("NOT WHAT THE JOURNAL SAYS", fp);
    fclose (fp);
  }

  second.proc = spawn_client (f, 1, NULL, &second.output);
  finish_client (&second);
  assert_output (f, &second);
  line = strstr (second.stderr_text, "resuming: ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "resuming: %u of %u", &resumed, &n_blocks), ==, 2);
  g_assert_cmpuint (resumed, >, 0);
  g_assert_nonnull (strstr (second.stderr_text, "1 blocks the resume journal lists did not read "
                                                "back intact"));
  line = strstr (second.stderr_text, "verified ");
  g_assert_nonnull (line);
  line = strchr (line, ':');
  g_assert_cmpint (sscanf (line, ": %" G_GUINT64_FORMAT " bytes by multicast, %" G_GUINT64_FORMAT,
                           &mc, &http_bytes), ==, 2);
  g_test_message ("after the restart: %" G_GUINT64_FORMAT " B by multicast, %" G_GUINT64_FORMAT
                  " B by HTTP, of %d", mc, http_bytes, SIZE);
  /* It fetched only what its journal did not hold (a block of slack for the one in flight). */
  g_assert_cmpuint (mc + http_bytes, <=, (guint64) (n_blocks - resumed + 1) * 128 * 1404);
  log_path = g_strdup_printf ("%s/client-1.log", f->dir);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "<![LOG[resuming: "));
  clear_runs (&first, 1);
  clear_runs (&second, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/service/anonymous", Fixture, NULL, fixture_setup, test_anonymous,
              fixture_teardown);
  g_test_add ("/service/authenticated", Fixture, NULL, fixture_setup, test_authenticated,
              fixture_teardown);
  g_test_add ("/service/http-fallback", Fixture, NULL, fixture_setup, test_http_fallback,
              fixture_teardown);
  g_test_add ("/service/multicast-only", Fixture, NULL, fixture_setup, test_multicast_only,
              fixture_teardown);
  g_test_add ("/service/client-resume", Fixture, NULL, fixture_setup, test_client_resume,
              fixture_teardown);
  g_test_add ("/service/restart", Fixture, NULL, fixture_setup, test_restart,
              fixture_teardown);
  g_test_add ("/service/corrupt-block", Fixture, NULL, fixture_setup, test_corrupt_block,
              fixture_teardown);
  g_test_add ("/service/bad-requests", Fixture, NULL, fixture_setup, test_bad_requests,
              fixture_teardown);
  return g_test_run ();
}
