/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of ShoalRangeFetcher against real servers on 127.0.0.1: ranges from ShoalHttpServer,
 * a server that stalls the first connection (the fetcher must retry on a new connection
 * whose SYN offers window scale 0, checked on the server's socket), access denied, a server
 * that is gone, 404 and 416, a TLS pin, cancellation and a failing writer. */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http-utils.h"
#include "shoal-range-fetcher.h"
#include "shoal-tls.h"

typedef struct
{
  ShoalRangeFetcher *fetcher;
  guint64            offset;
  guint64            len;
  guint8            *buf;
  GCancellable      *cancellable;
  gboolean           ok;
  GError            *error;
  GPtrArray         *diagnoses;
} FetchJob;

static void
on_diagnosis (ShoalRangeFetcher *fetcher,
              const char        *message,
              GPtrArray         *diagnoses)
{
  g_ptr_array_add (diagnoses, g_strdup (message));
}

static gpointer
fetch_thread (gpointer data)
{
  FetchJob *job = data;

  job->ok = shoal_range_fetcher_fetch_into (job->fetcher, job->offset, job->buf, job->len,
                                            job->cancellable, &job->error);
  return NULL;
}

/* Fetches on a thread while the main context serves; returns the bytes or NULL. */
static guint8 *
fetch (ShoalRangeFetcher *fetcher,
       guint64            offset,
       guint64            len,
       GPtrArray         *diagnoses,
       GError           **error)
{
  FetchJob job = { fetcher, offset, len, g_malloc (len ? len : 1), NULL, FALSE, NULL, NULL };
  gulong id = 0;

  if (diagnoses != NULL)
    id = g_signal_connect (fetcher, "diagnosis", G_CALLBACK (on_diagnosis), diagnoses);
  http_run_in_thread (fetch_thread, &job);
  if (id != 0)
    g_signal_handler_disconnect (fetcher, id);
  for (guint i = 0; diagnoses && i < diagnoses->len; i++)
    g_test_message ("diagnosis: %s", (char *) diagnoses->pdata[i]);
  if (!job.ok)
    {
      g_test_message ("error: %s", job.error->message);
      g_propagate_error (error, job.error);
      g_free (job.buf);
      return NULL;
    }
  return job.buf;
}

static void
setup (HttpFixture   *f,
       gconstpointer  data)
{
  http_fixture_setup (f, NULL);
}

static void
teardown (HttpFixture   *f,
          gconstpointer  data)
{
  http_fixture_teardown (f);
}

static ShoalRangeFetcher *
new_fetcher (const char *base,
             const char *path)
{
  g_autofree char *u = g_strconcat (base, path, NULL);
  g_autoptr(GError) error = NULL;
  ShoalRangeFetcher *fetcher = shoal_range_fetcher_new (u, &error);

  g_assert_no_error (error);
  shoal_range_fetcher_set_retry_delay (fetcher, 20);
  return fetcher;
}

static void
test_success (HttpFixture   *f,
              gconstpointer  data)
{
  g_autoptr(ShoalRangeFetcher) fetcher = new_fetcher (f->url, "/packages/pkg/stream");
  g_autoptr(GPtrArray) diagnoses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const guint64 ranges[][2] = { { 0, 1000001 }, { 699000, 2000 }, { 1000000, 1 }, { 5, 1 } };

  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      g_autofree guint8 *got = fetch (fetcher, ranges[i][0], ranges[i][1], diagnoses, &error);

      g_assert_no_error (error);
      g_assert_cmpmem (got, ranges[i][1], f->stream->data + ranges[i][0], ranges[i][1]);
      g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (fetcher), ==, 1);
    }
  g_assert_cmpuint (diagnoses->len, ==, 0);
  g_assert_false (shoal_range_fetcher_get_clamped (fetcher));
}

static void
test_not_found_and_range (HttpFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalRangeFetcher) missing = new_fetcher (f->url, "/packages/nope/stream");
  g_autoptr(ShoalRangeFetcher) fetcher = new_fetcher (f->url, "/packages/pkg/stream");
  g_autoptr(GError) error = NULL;

  g_assert_null (fetch (missing, 0, 10, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "cannot fetch bytes 0-9 of "));
  g_assert_nonnull (strstr (error->message, "/packages/nope/stream: HTTP 404 Not Found: "
                                            "no package named \"nope\""));
  g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (missing), ==, 1);
  g_clear_error (&error);

  g_assert_null (fetch (fetcher, 1000001, 10, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, "bytes 1000001-1000010"));
  g_assert_nonnull (strstr (error->message, "HTTP 416"));
}

static void
test_access_denied (HttpFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(ShoalRangeFetcher) fetcher = new_fetcher (f->url, "/packages/pkg/stream");
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *got = NULL;

  shoal_http_server_set_account_password (f->server, "imaging", "pw");
  g_assert_null (fetch (fetcher, 0, 100, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "cannot fetch bytes 0-99 of http://127.0.0.1:"));
  g_assert_nonnull (strstr (error->message, "HTTP 401 Unauthorized"));
  g_assert_nonnull (strstr (error->message, "no credentials were given"));
  g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (fetcher), ==, 1);
  g_clear_error (&error);

  shoal_range_fetcher_set_credentials (fetcher, "imaging", "wrong");
  g_assert_null (fetch (fetcher, 0, 100, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "wrong user name or password"));
  g_clear_error (&error);

  shoal_range_fetcher_set_credentials (fetcher, "imaging", "pw");
  got = fetch (fetcher, 0, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got, 100, f->stream->data, 100);
}

static void
test_server_gone (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(ShoalRangeFetcher) fetcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;

  /* A port that was just free and has no listener. */
  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  base = g_strdup_printf ("http://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);

  fetcher = new_fetcher (base, "/packages/pkg/stream");
  shoal_range_fetcher_set_max_attempts (fetcher, 3);
  g_assert_null (fetch (fetcher, 0, 100, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, "cannot fetch bytes 0-99 of "));
  g_assert_nonnull (strstr (error->message, base));
  g_assert_nonnull (strstr (error->message, "refused"));
  g_assert_nonnull (strstr (error->message, "(gave up after 3 tries)"));
  g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (fetcher), ==, 3);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(ShoalRangeFetcher) fetcher = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree guint8 *buf = g_malloc (10);
  FetchJob job = { NULL, 0, 10, buf, cancellable, FALSE, NULL, NULL };
  gint64 start;

  /* Port 1 refuses at once; the fetcher would then wait 60 s before trying again. */
  fetcher = new_fetcher ("http://127.0.0.1:1", "/x");
  shoal_range_fetcher_set_retry_delay (fetcher, 60000);
  job.fetcher = fetcher;
  g_timeout_add (300, cancel_later, cancellable);
  start = g_get_monotonic_time ();
  http_run_in_thread (fetch_thread, &job);
  g_assert_false (job.ok);
  g_assert_error (job.error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&job.error);
}

static gboolean
fail_writer (guint64        offset,
             const guint8  *data,
             gsize          len,
             gpointer       user_data,
             GError       **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no space left on /dev/sda");
  return FALSE;
}

typedef struct
{
  ShoalRangeFetcher *fetcher;
  GError            *error;
} WriterJob;

static gpointer
writer_thread (gpointer data)
{
  WriterJob *job = data;

  g_assert_false (shoal_range_fetcher_fetch (job->fetcher, 10, 20, fail_writer, NULL, NULL,
                                             &job->error));
  return NULL;
}

static void
test_writer_error (HttpFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalRangeFetcher) fetcher = new_fetcher (f->url, "/packages/pkg/stream");
  WriterJob job = { fetcher, NULL };

  http_run_in_thread (writer_thread, &job);
  g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_test_message ("%s", job.error->message);
  g_assert_true (g_str_has_prefix (job.error->message, "writing bytes 10-29 of http://"));
  g_assert_nonnull (strstr (job.error->message, "no space left on /dev/sda"));
  g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (fetcher), ==, 1);
  g_clear_error (&job.error);
}

static void
test_tls_pin (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = g_dir_make_tmp ("shoal-tls-XXXXXX", &error);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", state);
  g_autofree char *fingerprint = NULL;
  g_autofree guint8 *got = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(ShoalRangeFetcher) pinned = NULL;
  g_autoptr(ShoalRangeFetcher) wrong = NULL;
  g_autoptr(ShoalRangeFetcher) unpinned = NULL;
  const char *addresses[] = { "127.0.0.1", NULL };
  HttpFixture f = { 0 };

  cert = shoal_tls_ensure_self_signed (state, "localhost", addresses, &error);
  g_assert_no_error (error);
  fingerprint = shoal_tls_certificate_fingerprint (cert);
  http_fixture_setup (&f, cert);

  pinned = new_fetcher (f.url, "/packages/pkg/stream");
  g_assert_true (shoal_range_fetcher_set_pin (pinned, fingerprint, &error));
  got = fetch (pinned, 100, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got, 5000, f.stream->data + 100, 5000);

  wrong = new_fetcher (f.url, "/packages/pkg/stream");
  g_assert_true (shoal_range_fetcher_set_pin (wrong, "SHA256:00112233445566778899aabbccddeeff"
                                              "00112233445566778899aabbccddeeff", &error));
  g_assert_null (fetch (wrong, 0, 10, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, fingerprint));
  g_assert_nonnull (strstr (error->message, "not the pinned one"));
  g_clear_error (&error);

  unpinned = new_fetcher (f.url, "/packages/pkg/stream");
  g_assert_null (fetch (unpinned, 0, 10, NULL, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, "give the server's fingerprint as a pin"));
  g_clear_error (&error);

  g_assert_false (shoal_range_fetcher_set_pin (unpinned, "SHA256:abc", &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS);

  http_fixture_teardown (&f);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* ---- the stalling server ---------------------------------------------------------------- */

#define STALL_SIZE   (2u << 20)
#define STALL_FIRST  (64u << 10)

typedef struct
{
  GBytes   *content;
  guint     requests;
  int       wscale[8];       /* window scale each request's client offered in its SYN */
  double    cpu_during_stall;
} StallServer;

static int
peer_wscale (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  struct tcp_info info = { 0 };
  socklen_t len = sizeof info;

  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
    return -1;
  /* tcpi_snd_wscale: the shift the peer asked us to apply to the windows it sends. */
  return (info.tcpi_options & TCPI_OPT_WSCALE) ? info.tcpi_snd_wscale : 0;
}

/* The first request gets its headers and 64 KiB, then nothing more while the connection
 * stays open, as behind a middlebox that dropped the scaled window; later ones are served
 * normally (libsoup cuts the range out of the whole body). */
static void
handle_stall (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  StallServer *s = user_data;
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  guint n = s->requests++;

  if (n < G_N_ELEMENTS (s->wscale))
    s->wscale[n] = peer_wscale (msg);
  if (n == 0)
    {
      goffset start, end;
      SoupRange *ranges;
      int n_ranges;
      g_autoptr(GBytes) first = NULL;

      g_assert_true (soup_message_headers_get_ranges (soup_server_message_get_request_headers (msg),
                                                      STALL_SIZE, &ranges, &n_ranges));
      start = ranges[0].start;
      end = ranges[0].end;
      soup_message_headers_free_ranges (soup_server_message_get_request_headers (msg), ranges);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_set_content_range (resp, start, end, STALL_SIZE);
      soup_message_headers_set_content_length (resp, end - start + 1);
      soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
      first = g_bytes_new_from_bytes (s->content, (gsize) start, STALL_FIRST);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), first);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), s->content);
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
test_stall_clamped_retry (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(ShoalRangeFetcher) fetcher = NULL;
  g_autoptr(GPtrArray) diagnoses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *got = NULL;
  g_autofree char *base = NULL;
  g_autofree char *where = NULL;
  StallServer s = { 0 };
  GSList *uris;
  double cpu0;
  const char *d0, *d1;

  s.content = http_random_bytes (STALL_SIZE, 77);
  soup_server_add_handler (server, "/stall", handle_stall, &s, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  where = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fetcher = new_fetcher (base, "/stall");
  shoal_range_fetcher_set_stall_timeout (fetcher, 1);
  cpu0 = cpu_seconds ();
  got = fetch (fetcher, 1000, STALL_SIZE - 2000, diagnoses, &error);
  g_assert_no_error (error);
  g_test_message ("CPU time while fetching across a 1 s stall: %.2f s", cpu_seconds () - cpu0);
  g_assert_cmpmem (got, STALL_SIZE - 2000,
                   (const guint8 *) g_bytes_get_data (s.content, NULL) + 1000, STALL_SIZE - 2000);

  /* Two connections: the first offered a scaled window, the retry offered scale 0 after
   * the buffer was clamped (the kernel reports twice what was set). */
  g_assert_cmpuint (s.requests, ==, 2);
  g_test_message ("window scale offered: first connection %d, retry %d; SO_RCVBUF %d",
                  s.wscale[0], s.wscale[1], shoal_range_fetcher_get_last_rcvbuf (fetcher));
  g_assert_cmpint (s.wscale[0], >, 0);
  g_assert_cmpint (s.wscale[1], ==, 0);
  g_assert_true (shoal_range_fetcher_get_clamped (fetcher));
  g_assert_cmpint (shoal_range_fetcher_get_last_rcvbuf (fetcher), >=,
                   SHOAL_RANGE_FETCHER_CLAMPED_RCVBUF);
  g_assert_cmpint (shoal_range_fetcher_get_last_rcvbuf (fetcher), <=,
                   2 * SHOAL_RANGE_FETCHER_CLAMPED_RCVBUF);
  g_assert_cmpuint (shoal_range_fetcher_get_last_attempts (fetcher), ==, 2);

  g_assert_cmpuint (diagnoses->len, ==, 2);
  d0 = diagnoses->pdata[0];
  d1 = diagnoses->pdata[1];
  g_assert_true (g_str_has_prefix (d0, "Download stalled after 65536 of 2095152 bytes from "));
  g_assert_nonnull (strstr (d0, where));
  g_assert_nonnull (strstr (d0, "retrying with TCP window scaling disabled (RFC 7323)"));
  g_assert_nonnull (strstr (d0, "middlebox"));
  g_assert_nonnull (strstr (d1, "bytes 1000-2096151"));
  g_assert_nonnull (strstr (d1, "arrived on try 2 with the receive window clamped"));
  g_assert_nonnull (strstr (d1, "window scale 0"));

  /* Clamping sticks: the next fetch is clamped from its first connection. */
  g_clear_pointer (&got, g_free);
  got = fetch (fetcher, 0, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s.requests, ==, 3);
  g_assert_cmpint (s.wscale[2], ==, 0);

  soup_server_disconnect (server);
  g_bytes_unref (s.content);
}

/* Every connection stalls: the fetcher gives up with STALLED, having tried clamped too. */
static void
handle_always_stall (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  guint *requests = user_data;

  (*requests)++;
  soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
  soup_message_headers_set_content_range (soup_server_message_get_response_headers (msg),
                                          0, 99, 100);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                           100);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  soup_server_message_pause (msg);
}

static void
test_stall_gives_up (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(ShoalRangeFetcher) fetcher = NULL;
  g_autoptr(GPtrArray) diagnoses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  guint requests = 0;
  GSList *uris;

  soup_server_add_handler (server, "/stall", handle_always_stall, &requests, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fetcher = new_fetcher (base, "/stall");
  shoal_range_fetcher_set_stall_timeout (fetcher, 1);
  shoal_range_fetcher_set_max_attempts (fetcher, 2);
  g_assert_null (fetch (fetcher, 0, 100, diagnoses, &error));
  g_assert_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_STALLED);
  g_assert_nonnull (strstr (error->message, "cannot fetch bytes 0-99 of "));
  g_assert_nonnull (strstr (error->message, "(gave up after 2 tries)"));
  g_assert_cmpuint (requests, ==, 2);
  g_assert_cmpuint (diagnoses->len, ==, 2);
  g_assert_nonnull (strstr (diagnoses->pdata[1], "stalled again"));
  soup_server_disconnect (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, HttpFixture, NULL, setup, fn, teardown)
  ADD ("/fetcher/success", test_success);
  ADD ("/fetcher/not-found-and-range", test_not_found_and_range);
  ADD ("/fetcher/access-denied", test_access_denied);
  ADD ("/fetcher/writer-error", test_writer_error);
#undef ADD
  g_test_add_func ("/fetcher/server-gone", test_server_gone);
  g_test_add_func ("/fetcher/cancel", test_cancel);
  g_test_add_func ("/fetcher/tls-pin", test_tls_pin);
  g_test_add_func ("/fetcher/stall/clamped-retry", test_stall_clamped_retry);
  g_test_add_func ("/fetcher/stall/gives-up", test_stall_gives_up);
  return g_test_run ();
}
