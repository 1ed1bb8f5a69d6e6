/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of ShoalHttpServer on 127.0.0.1 with real files: manifest, stream and file routes,
 * ranges, HEAD, path traversal attempts, access classes and modes, TLS, and a large body
 * served without loading it in memory. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "http-utils.h"
#include "shoal-crypto.h"
#include "shoal-tls.h"

#define SIZE 1000001   /* the test package's stream: 700000 + 300001 bytes */

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

static char *
url (HttpFixture *f,
     const char  *path)
{
  return g_strconcat (f->url, path, NULL);
}

static const char *
header (HttpReply  *r,
        const char *name)
{
  return soup_message_headers_get_one (r->headers, name);
}

static void
assert_body (HttpReply    *r,
             const guint8 *expected,
             gsize         len)
{
  g_assert_no_error (r->error);
  g_assert_nonnull (r->body);
  g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), expected, len);
}

static void
assert_json_error (HttpReply  *r,
                   const char *fragment)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (r->body, NULL),
                                     g_bytes_get_size (r->body));

  g_test_message ("%u %s", r->status, text);
  g_assert_cmpstr (header (r, "Content-Type"), ==, "application/json");
  g_assert_true (g_str_has_prefix (text, "{\n  \"error\" : \""));
  if (strstr (text, fragment) == NULL)
    g_error ("error body %s lacks \"%s\"", text, fragment);
}

static void
test_manifest (HttpFixture   *f,
               gconstpointer  data)
{
  g_autofree char *u = url (f, "/packages/pkg/manifest");
  ShoalPackage *pkg = shoal_library_lookup (f->library, "pkg");
  GBytes *json = shoal_package_get_manifest_bytes (pkg);
  HttpReply r = { 0 };

  http_request (&r, "GET", u, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_true (g_bytes_equal (r.body, json));
  g_assert_cmpstr (header (&r, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (header (&r, "ETag"), ==, shoal_package_get_etag (pkg));

  http_request (&r, "HEAD", u, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==,
                   g_bytes_get_size (json));
  http_reply_clear (&r);
}

static void
test_stream_full (HttpFixture   *f,
                  gconstpointer  data)
{
  g_autofree char *u = url (f, "/packages/pkg/stream");
  HttpReply r = { 0 };

  http_request (&r, "GET", u, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, f->stream->data, f->stream->len);
  g_assert_cmpstr (header (&r, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (header (&r, "Content-Type"), ==, "application/octet-stream");
  g_assert_null (header (&r, "Content-Range"));

  http_request (&r, "HEAD", u, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==, SIZE);
  http_reply_clear (&r);
}

static void
assert_range (HttpFixture *f,
              const char  *path,
              const char  *range,
              guint64      first,
              guint64      last,
              guint64      base,
              guint64      size)
{
  g_autofree char *u = url (f, path);
  g_autofree char *cr = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%"
                                         G_GUINT64_FORMAT, first, last, size);
  HttpReply r = { 0 };

  http_request (&r, "GET", u, "Range", range, NULL);
  g_assert_cmpuint (r.status, ==, 206);
  g_assert_cmpstr (header (&r, "Content-Range"), ==, cr);
  assert_body (&r, f->stream->data + base + first, last - first + 1);

  http_request (&r, "HEAD", u, "Range", range, NULL);
  g_assert_cmpuint (r.status, ==, 206);
  g_assert_cmpstr (header (&r, "Content-Range"), ==, cr);
  g_assert_cmpint (soup_message_headers_get_content_length (r.headers), ==, last - first + 1);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  http_reply_clear (&r);
}

static void
assert_416 (HttpFixture *f,
            const char  *path,
            const char  *range,
            guint64      size,
            const char  *why)
{
  g_autofree char *u = url (f, path);
  g_autofree char *cr = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
  HttpReply r = { 0 };

  http_request (&r, "GET", u, "Range", range, NULL);
  g_assert_cmpuint (r.status, ==, 416);
  g_assert_cmpstr (header (&r, "Content-Range"), ==, cr);
  assert_json_error (&r, why);
  http_reply_clear (&r);
}

static void
test_stream_ranges (HttpFixture   *f,
                    gconstpointer  data)
{
  const char *s = "/packages/pkg/stream";
  g_autofree char *u = url (f, s);
  const char *etag = shoal_package_get_etag (shoal_library_lookup (f->library, "pkg"));
  HttpReply r = { 0 };

  /* a-b inside one file, across the file boundary, and running past the end */
  assert_range (f, s, "bytes=100-199", 100, 199, 0, SIZE);
  assert_range (f, s, "bytes=699990-700009", 699990, 700009, 0, SIZE);
  assert_range (f, s, "bytes=999000-5000000", 999000, SIZE - 1, 0, SIZE);
  /* a- and -n */
  assert_range (f, s, "bytes=600000-", 600000, SIZE - 1, 0, SIZE);
  assert_range (f, s, "bytes=0-", 0, SIZE - 1, 0, SIZE);
  assert_range (f, s, "bytes=-10", SIZE - 10, SIZE - 1, 0, SIZE);
  assert_range (f, s, "bytes=-2000000", 0, SIZE - 1, 0, SIZE);
  assert_range (f, s, "bytes=1000000-1000000", SIZE - 1, SIZE - 1, 0, SIZE);

  assert_416 (f, s, "bytes=1000001-", SIZE, "starts at or past the end (1000001 bytes)");
  assert_416 (f, s, "bytes=2000000-2000010", SIZE, "past the end");
  assert_416 (f, s, "bytes=10-5", SIZE, "ends before it starts");
  assert_416 (f, s, "bytes=-0", SIZE, "asks for no bytes");
  assert_416 (f, s, "bytes=0-1,5-6", SIZE, "several ranges in one request are not supported");
  assert_416 (f, s, "bytes=abc", SIZE, "malformed range");
  assert_416 (f, s, "bytes=1-2x", SIZE, "malformed range");
  assert_416 (f, s, "bytes=99999999999999999999999-", SIZE, "malformed range");

  /* Another unit is ignored; If-Range with another version's tag gets everything. */
  http_request (&r, "GET", u, "Range", "items=0-5", NULL);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, f->stream->data, f->stream->len);
  http_request (&r, "GET", u, "Range", "bytes=0-9", "If-Range", "\"other\"", NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, SIZE);
  http_request (&r, "GET", u, "Range", "bytes=0-9", "If-Range", etag, NULL);
  g_assert_cmpuint (r.status, ==, 206);
  assert_body (&r, f->stream->data, 10);
  http_reply_clear (&r);
}

static void
test_files (HttpFixture   *f,
            gconstpointer  data)
{
  const char *b = "/packages/pkg/files/dir/b%20c.img";
  g_autofree char *ub = url (f, b);
  g_autofree char *ua = url (f, "/packages/pkg/files/a.img");
  g_autofree char *ue = url (f, "/packages/pkg/files/empty");
  g_autofree char *unknown = url (f, "/packages/pkg/files/dir/nope");
  g_autofree char *unknown_pkg = url (f, "/packages/nope/stream");
  g_autofree char *unknown_route = url (f, "/packages/pkg/blocks");
  HttpReply r = { 0 };

  http_request (&r, "GET", ua, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, f->stream->data, 700000);
  http_request (&r, "GET", ub, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, f->stream->data + 700000, 300001);
  assert_range (f, b, "bytes=5-14", 5, 14, 700000, 300001);
  assert_range (f, b, "bytes=-1", 300000, 300000, 700000, 300001);
  assert_416 (f, b, "bytes=300001-", 300001, "package pkg file dir/b c.img");

  http_request (&r, "GET", ue, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  assert_416 (f, "/packages/pkg/files/empty", "bytes=0-", 0, "past the end (0 bytes)");

  http_request (&r, "GET", unknown, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  assert_json_error (&r, "package pkg has no file \\\"dir/nope\\\"");
  http_request (&r, "GET", unknown_pkg, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  assert_json_error (&r, "no package named \\\"nope\\\"");
  http_request (&r, "GET", unknown_route, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  http_request (&r, "POST", ua, NULL);
  g_assert_cmpuint (r.status, ==, 405);
  g_assert_cmpstr (header (&r, "Allow"), ==, "GET, HEAD");
  http_reply_clear (&r);
}

/* Requests sent byte for byte, so that no client library normalises them first. None may
 * return a byte of a file outside the package. */
static void
test_traversal (HttpFixture   *f,
                gconstpointer  data)
{
  static const struct
  {
    const char *line;
    guint       status;
  } attempts[] = {
    /* 0: any 4xx. GLib's URI parser decodes and removes dot segments (even "%252e" once)
     * before the server sees some of these, so who refuses them varies; what matters is
     * that nothing outside the package comes back. */
    { "GET /packages/pkg/files/../../../../../../etc/passwd HTTP/1.1", 0 },
    { "GET /packages/pkg/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", 0 },
    { "GET /packages/pkg/files/%2E%2E/%2E%2E/etc/passwd HTTP/1.1", 0 },
    { "GET /packages/pkg/files/..%2f..%2f..%2f..%2fetc%2fpasswd HTTP/1.1", 0 },
    { "GET /packages/pkg/files/%2fetc%2fpasswd HTTP/1.1", 0 },
    { "GET /packages/pkg/files/%252e%252e/etc/passwd HTTP/1.1", 0 },
    { "GET /packages/..%2f..%2f..%2fetc/stream HTTP/1.1", 0 },
    { "GET /packages/%2e%2e/files/etc/passwd HTTP/1.1", 0 },
    { "GET /packages%2f..%2f..%2fetc%2fpasswd HTTP/1.1", 0 },
    { "GET http://127.0.0.1/etc/passwd HTTP/1.1", 404 },
    { "GET /etc/passwd HTTP/1.1", 404 },
    /* Refused by the server's own checks. */
    { "GET /packages/pkg/files//etc/passwd HTTP/1.1", 400 },
    { "GET /packages/pkg/files/a.img%00.txt HTTP/1.1", 400 },
    { "GET /packages/pkg/files/%5c..%5c..%5cetc%5cpasswd HTTP/1.1", 400 },
    { "GET /packages/pkg/files/..\\..\\..\\etc\\passwd HTTP/1.1", 400 },
    { "GET /packages/pkg/files/etc/passwd HTTP/1.1", 404 },
    { "GET /packages/pkg/files/passwd HTTP/1.1", 404 },    /* a symlink planted below */
    /* Dot segments that stay inside the package are harmless. */
    { "GET /packages/pkg/files/./a.img HTTP/1.1", 200 },
    { "GET /packages/pkg/files/%2e/a.img HTTP/1.1", 200 },
  };
  g_autofree char *planted = g_build_filename (f->lib_dir, "pkg", "passwd", NULL);
  guint port = shoal_http_server_get_port (f->server);

  g_assert_cmpint (symlink ("/etc/passwd", planted), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      g_autofree char *response = NULL;
      guint status = http_raw_request (port, attempts[i].line, &response);
      g_autofree char *first = g_strndup (response, strcspn (response, "\r\n"));

      g_test_message ("%s -> %s", attempts[i].line, first);
      g_assert_null (strstr (response, "root:"));
      if (status != attempts[i].status && !(attempts[i].status == 0 && status >= 400 &&
                                              status < 500))
        g_error ("%s: status %u, expected %u\n%s", attempts[i].line, status,
                 attempts[i].status, response);
    }
}

/* A file of the package replaced by a symlink to /etc/passwd after import: the reader
 * refuses it (500 naming the problem), and once a scan has seen it, the package is not
 * served at all (409). */
static void
test_traversal_symlink_swap (HttpFixture   *f,
                             gconstpointer  data)
{
  g_autofree char *in_lib = g_build_filename (f->lib_dir, "pkg", "a.img", NULL);
  g_autofree char *u = url (f, "/packages/pkg/files/a.img");
  g_autofree char *us = url (f, "/packages/pkg/stream");
  g_autoptr(GError) error = NULL;
  HttpReply r = { 0 };

  g_assert_cmpint (g_unlink (in_lib), ==, 0);
  g_assert_cmpint (symlink ("/etc/passwd", in_lib), ==, 0);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, "*a.img resolves to /etc/passwd*");
  http_request (&r, "GET", u, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (r.status, ==, 500);
  assert_json_error (&r, "a.img resolves to /etc/passwd, outside the package");

  g_assert_true (shoal_library_scan (f->library, NULL, NULL, &error));
  g_assert_no_error (error);
  http_request (&r, "GET", us, NULL);
  g_assert_cmpuint (r.status, ==, 409);
  assert_json_error (&r, "package pkg is not served");
  http_reply_clear (&r);
}

/* A file that shrinks after the first chunk went out: headers are gone, so the server cuts
 * the connection and the client sees a short body, never a silently shorter "success". */
static void
test_truncated_mid_body (HttpFixture   *f,
                         gconstpointer  data)
{
  g_autofree char *in_lib = g_build_filename (f->lib_dir, "pkg", "a.img", NULL);
  g_autofree char *u = url (f, "/packages/pkg/stream");
  HttpReply r = { 0 };

  g_assert_cmpint (truncate (in_lib, 400000), ==, 0);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, "*a.img ends at offset 400000, but the "
                         "manifest says it has 700000 bytes*");
  http_request (&r, "GET", u, NULL);
  g_test_assert_expected_messages ();
  g_test_message ("status %u, %s", r.status, r.error ? r.error->message : "no error");
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  http_reply_clear (&r);
}

static void
handle_hello (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, user_data,
                                    strlen (user_data));
}

static char *
basic (const char *user,
       const char *password)
{
  g_autofree char *pair = g_strconcat (user, ":", password, NULL);
  g_autofree char *b64 = g_base64_encode ((guchar *) pair, strlen (pair));

  return g_strconcat ("Basic ", b64, NULL);
}

static void
test_access (HttpFixture   *f,
             gconstpointer  data)
{
  g_autofree char *pwfile = g_build_filename (f->root, "password", NULL);
  g_autofree char *content = url (f, "/packages/pkg/files/a.img");
  g_autofree char *pub = url (f, "/hello");
  g_autofree char *admin = url (f, "/api/v1/packages");
  g_autofree char *good = basic ("imaging", "s3cret pw");
  g_autofree char *bad_pw = basic ("imaging", "s3cret pX");
  g_autofree char *bad_user = basic ("imagine", "s3cret pw");
  g_autoptr(GError) error = NULL;
  HttpReply r = { 0 };

  shoal_http_server_add_handler (f->server, "/hello", SHOAL_ACCESS_PUBLIC, handle_hello,
                                 "public", NULL);
  shoal_http_server_add_handler (f->server, "/api/v1", SHOAL_ACCESS_ADMIN, handle_hello,
                                 "admin", NULL);

  /* Anonymous: content open; admin closed without a token configured. */
  http_request (&r, "GET", content, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  http_request (&r, "GET", admin, "Authorization", "Bearer anything", NULL);
  g_assert_cmpuint (r.status, ==, 403);
  assert_json_error (&r, "the admin API is disabled");

  /* Authenticated: the password file must be private. */
  g_file_set_contents (pwfile, "s3cret pw\n", -1, &error);
  g_assert_no_error (error);
  g_chmod (pwfile, 0644);
  g_assert_false (shoal_http_server_set_account (f->server, "imaging", pwfile, &error));
  g_assert_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_ACCOUNT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, pwfile));
  g_clear_error (&error);
  g_chmod (pwfile, 0600);
  g_assert_true (shoal_http_server_set_account (f->server, "imaging", pwfile, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_http_server_get_anonymous (f->server));
  shoal_http_server_set_admin_token (f->server, "T0KEN-abc");

  http_request (&r, "GET", content, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  g_assert_cmpstr (header (&r, "WWW-Authenticate"), ==, "Basic realm=\"Shoal\", charset=\"UTF-8\"");
  assert_json_error (&r, "needs the network access account");
  http_request (&r, "GET", content, "Authorization", bad_pw, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  assert_json_error (&r, "wrong user name or password");
  http_request (&r, "GET", content, "Authorization", bad_user, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  http_request (&r, "GET", content, "Authorization", "Basic !!notbase64", NULL);
  g_assert_cmpuint (r.status, ==, 401);
  http_request (&r, "GET", content, "Authorization", good, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  assert_body (&r, f->stream->data, 700000);
  /* The admin's token opens content too. */
  http_request (&r, "GET", content, "Authorization", "Bearer T0KEN-abc", NULL);
  g_assert_cmpuint (r.status, ==, 200);

  /* Public stays public. */
  http_request (&r, "GET", pub, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), "public", 6);

  /* Admin: token required, account credentials are not enough. */
  http_request (&r, "GET", admin, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  g_assert_cmpstr (header (&r, "WWW-Authenticate"), ==, "Bearer realm=\"Shoal admin\"");
  assert_json_error (&r, "needs the admin token");
  http_request (&r, "GET", admin, "Authorization", "Bearer T0KEN-abd", NULL);
  g_assert_cmpuint (r.status, ==, 401);
  assert_json_error (&r, "wrong admin token");
  http_request (&r, "GET", admin, "Authorization", good, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  http_request (&r, "GET", admin, "Authorization", "Bearer T0KEN-abc", NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), "admin", 5);

  /* Back to anonymous. */
  shoal_http_server_set_anonymous (f->server);
  http_request (&r, "GET", content, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  http_reply_clear (&r);
}

static void
test_multicast_only (HttpFixture   *f,
                     gconstpointer  data)
{
  ShoalPackage *pkg = shoal_library_lookup (f->library, "pkg");
  g_autofree char *stream = url (f, "/packages/pkg/stream");
  g_autofree char *manifest = url (f, "/packages/pkg/manifest");
  g_autoptr(GError) error = NULL;
  HttpReply r = { 0 };

  g_assert_true (shoal_package_set_multicast_only (pkg, TRUE, &error));
  http_request (&r, "GET", stream, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  assert_json_error (&r, "package pkg is multicast-only");
  http_request (&r, "GET", manifest, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  http_reply_clear (&r);
}

static void
test_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = g_dir_make_tmp ("shoal-tls-XXXXXX", &error);
  const char *addresses[] = { "127.0.0.1", NULL };
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autofree char *u = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *cmd = NULL;
  HttpFixture f = { 0 };
  HttpReply r = { 0 };

  cert = shoal_tls_ensure_self_signed (state, "localhost", addresses, &error);
  g_assert_no_error (error);
  http_fixture_setup (&f, cert);
  u = url (&f, "/packages/pkg/stream");
  http_request (&r, "GET", u, "Range", "bytes=10-19", NULL);
  g_assert_cmpuint (r.status, ==, 206);
  assert_body (&r, f.stream->data + 10, 10);

  /* Plain HTTP to the HTTPS port gets nothing. */
  plain = g_strdup_printf ("http://127.0.0.1:%u/packages/pkg/stream",
                           shoal_http_server_get_port (f.server));
  http_request (&r, "GET", plain, NULL);
  g_assert_cmpuint (r.status, !=, 200);
  http_reply_clear (&r);
  http_fixture_teardown (&f);
  cmd = g_strdup_printf ("rm -rf '%s'", state);
  g_assert_cmpint (system (cmd), ==, 0);
}

static gsize
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  p = status ? strstr (status, "VmHWM:") : NULL;
  return p ? (gsize) g_ascii_strtoull (p + 6, NULL, 10) : 0;
}

typedef struct
{
  const char *url;
  guint64     received;
  guint       status;
  guint8      digest[32];
} DrainJob;

static gpointer
drain_thread (gpointer data)
{
  DrainJob *job = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(ShoalSha256) sha = shoal_sha256_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buf = g_malloc (65536);
  gssize n;

  g_main_context_push_thread_default (context);
  session = soup_session_new ();
  msg = soup_message_new ("GET", job->url);
  in = soup_session_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  job->status = soup_message_get_status (msg);
  while ((n = g_input_stream_read (in, buf, 65536, NULL, &error)) > 0)
    {
      shoal_sha256_update (sha, buf, (gsize) n);
      job->received += (guint64) n;
    }
  g_assert_no_error (error);
  shoal_sha256_finish (sha, job->digest);
  /* libsoup finishes the message when the stream goes: still in this context. */
  g_clear_object (&in);
  g_clear_object (&msg);
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* 256 MiB served while the client hashes and drops it: the process's peak RSS may not grow
 * by anything near the body. */
static void
test_large_body_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("shoal-http-big-XXXXXX", &error);
  g_autofree char *lib_dir = g_build_filename (root, "library", NULL);
  g_autofree char *src = g_build_filename (root, "big.img", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_autofree char *u = NULL;
  g_autofree char *base = NULL;
  g_autoptr(ShoalLibrary) library = NULL;
  g_autoptr(ShoalHttpServer) server = NULL;
  const char *paths[] = { src, NULL };
  ShoalPackage *pkg;
  DrainJob job = { 0 };
  gsize before, after;
  int fd;

  fd = open (src, O_WRONLY | O_CREAT, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 256 << 20), ==, 0);
  g_assert_cmpint (pwrite (fd, "end", 3, (256 << 20) - 3), ==, 3);
  close (fd);
  library = shoal_library_new (lib_dir, &error);
  g_assert_no_error (error);
  pkg = shoal_library_import (library, "big", paths, NULL, &error);
  g_assert_no_error (error);
  server = shoal_http_server_new (library);
  g_assert_true (shoal_http_server_listen (server, "127.0.0.1", 0, &error));
  base = shoal_http_server_dup_url (server);
  u = g_strconcat (base, "/packages/big/stream", NULL);

  before = peak_rss_kib ();
  job.url = u;
  http_run_in_thread (drain_thread, &job);
  after = peak_rss_kib ();
  g_test_message ("peak RSS %zu KiB before, %zu KiB after serving 256 MiB", before, after);
  g_assert_cmpuint (job.status, ==, 200);
  g_assert_cmpuint (job.received, ==, 256 << 20);
  g_assert_cmpmem (job.digest, 32, shoal_manifest_get_file (shoal_package_get_manifest (pkg),
                                                            0)->sha256, 32);
  g_assert_cmpuint (after - before, <, 32 << 10);

  g_clear_object (&server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, HttpFixture, NULL, setup, fn, teardown)
  ADD ("/http/manifest", test_manifest);
  ADD ("/http/stream/full", test_stream_full);
  ADD ("/http/stream/ranges", test_stream_ranges);
  ADD ("/http/files", test_files);
  ADD ("/http/traversal/requests", test_traversal);
  ADD ("/http/traversal/symlink-swapped-in", test_traversal_symlink_swap);
  ADD ("/http/stream/truncated-mid-body", test_truncated_mid_body);
  ADD ("/http/access", test_access);
  ADD ("/http/multicast-only", test_multicast_only);
#undef ADD
  g_test_add_func ("/http/tls", test_tls);
  g_test_add_func ("/http/large-body-bounded", test_large_body_bounded);
  return g_test_run ();
}
