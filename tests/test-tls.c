/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP server's TLS identity: a self-signed certificate that a real SoupServer serves on
 * loopback to a client that pins its fingerprint, kept across restarts, replaced when
 * damaged; and the operator's own PEM files. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "shoal-crypto.h"
#include "shoal-tls.h"
#include "state-utils.h"

static const char *const test_addresses[] = { "127.0.0.1", "::1", NULL };

typedef struct
{
  char *state;
  char *pem;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->state = shoal_test_state_dir_new ();
  f->pem = g_build_filename (f->state, "tls", "server.pem", NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  shoal_test_state_rm_rf (f->state);
  g_free (f->state);
  g_free (f->pem);
}

static GTlsCertificate *
make_identity (const char *state)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert;

  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE,
                         "*Made a self-signed TLS certificate for “dp.test”*SHA256:*");
  cert = shoal_tls_ensure_self_signed (state, "dp.test", test_addresses, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_nonnull (cert);
  return cert;
}

static GTlsCertificate *
reload_identity (const char *state)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert = shoal_tls_ensure_self_signed (state, "dp.test", test_addresses,
                                                        &error);

  g_assert_no_error (error);
  g_assert_nonnull (cert);
  return cert;
}

/* ---- a real HTTPS exchange on loopback ------------------------------------------------- */

typedef struct
{
  const char *pinned;         /* fingerprint the client accepts */
  gboolean    asked;          /* accept-certificate was emitted */
  GBytes     *body;
  GError     *error;
  guint       status;
  gboolean    done;
} Exchange;

static void
serve_hello (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello over TLS", 14);
}

static gboolean
accept_certificate (SoupMessage         *msg,
                    GTlsCertificate     *peer,
                    GTlsCertificateFlags errors,
                    gpointer             data)
{
  Exchange *ex = data;
  g_autofree char *fingerprint = shoal_tls_certificate_fingerprint (peer);

  ex->asked = TRUE;
  /* Self-signed, so the usual check fails for want of a CA; the pin decides instead. */
  g_assert_true (errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  return g_strcmp0 (fingerprint, ex->pinned) == 0;
}

static void
got_response (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Exchange *ex = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  ex->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &ex->error);
  ex->status = soup_message_get_status (msg);
  ex->done = TRUE;
}

static void
https_get (GTlsCertificate *cert,
           Exchange        *ex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) server = soup_server_new ("tls-certificate", cert, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;
  GSList *uris;

  soup_server_add_handler (server, "/", serve_hello, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0,
                                           SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  uri = g_uri_ref (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "https");

  msg = soup_message_new_from_uri ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate), ex);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, got_response, ex);
  while (!ex->done)
    g_main_context_iteration (NULL, TRUE);
  soup_server_disconnect (server);
}

static void
test_serve (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GTlsCertificate) cert = make_identity (f->state);
  g_autofree char *fingerprint = shoal_tls_certificate_fingerprint (cert);
  g_autofree char *wrong = NULL;
  Exchange ok = { 0 }, refused = { 0 };

  g_assert_true (g_str_has_prefix (fingerprint, "SHA256:"));
  g_assert_cmpuint (strlen (fingerprint), ==, 7 + 64);
  for (const char *p = fingerprint + 7; *p; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));

  ok.pinned = fingerprint;
  https_get (cert, &ok);
  g_assert_no_error (ok.error);
  g_assert_true (ok.asked);
  g_assert_cmpuint (ok.status, ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (ok.body, NULL), g_bytes_get_size (ok.body),
                   "hello over TLS", 14);
  g_bytes_unref (ok.body);

  /* A client pinned to another fingerprint refuses the connection. */
  wrong = g_strdup (fingerprint);
  wrong[10] = wrong[10] == '0' ? '1' : '0';
  refused.pinned = wrong;
  https_get (cert, &refused);
  g_assert_true (refused.asked);
  g_assert_error (refused.error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_null (refused.body);
}

/* The certificate names the host and the addresses it was made for, and no others. */
static void
test_names (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GTlsCertificate) cert = make_identity (f->state);
  g_autoptr(GSocketConnectable) by_name = g_network_address_new ("dp.test", 443);
  g_autoptr(GSocketConnectable) by_v4 = G_SOCKET_CONNECTABLE (
    g_inet_socket_address_new_from_string ("127.0.0.1", 443));
  g_autoptr(GSocketConnectable) by_v6 = G_SOCKET_CONNECTABLE (
    g_inet_socket_address_new_from_string ("::1", 443));
  g_autoptr(GSocketConnectable) other = g_network_address_new ("elsewhere.test", 443);
  g_autoptr(GSocketConnectable) other_ip = G_SOCKET_CONNECTABLE (
    g_inet_socket_address_new_from_string ("127.0.0.2", 443));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *subject = NULL;

  /* Trusting the certificate itself as the CA leaves only the identity to check. */
  g_assert_cmpuint (g_tls_certificate_verify (cert, by_name, cert), ==, 0);
  g_assert_cmpuint (g_tls_certificate_verify (cert, by_v4, cert), ==, 0);
  g_assert_cmpuint (g_tls_certificate_verify (cert, by_v6, cert), ==, 0);
  g_assert_cmpuint (g_tls_certificate_verify (cert, other, cert), ==,
                    G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpuint (g_tls_certificate_verify (cert, other_ip, cert), ==,
                    G_TLS_CERTIFICATE_BAD_IDENTITY);

  g_object_get (cert, "subject-name", &subject, "not-valid-before", &not_before,
                "not-valid-after", &not_after, NULL);
  g_assert_nonnull (strstr (subject, "CN=dp.test"));
  g_assert_cmpint (g_date_time_compare (not_before, now), <=, 0);
  /* Ten years, give or take the leap days and the hour of slack. */
  g_assert_cmpint (g_date_time_difference (not_after, now) / G_TIME_SPAN_DAY, >=, 3650);
  g_assert_cmpint (g_date_time_difference (not_after, now) / G_TIME_SPAN_DAY, <=, 3655);
}

static void
test_kept (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GTlsCertificate) first = make_identity (f->state);
  g_autoptr(GTlsCertificate) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fp1 = shoal_tls_certificate_fingerprint (first);
  g_autofree char *fp2 = NULL;
  g_autofree char *text = NULL;
  g_autofree char *tls_dir = g_path_get_dirname (f->pem);
  struct stat st;

  g_assert_cmpint (g_stat (f->pem, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (tls_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  text = shoal_test_state_read (f->pem, NULL);
  g_assert_true (g_str_has_prefix (text, "Shoal-Format: shoal-tls-identity\nShoal-Version: 1\n"
                                         "Shoal-SHA256: "));
  g_assert_nonnull (strstr (text, "\n-----BEGIN CERTIFICATE-----\n"));
  g_assert_nonnull (strstr (text, "\n-----BEGIN PRIVATE KEY-----\n"));

  /* A restart, even with other names, keeps the certificate clients have pinned. */
  again = shoal_tls_ensure_self_signed (f->state, "renamed.test", NULL, &error);
  g_assert_no_error (error);
  fp2 = shoal_tls_certificate_fingerprint (again);
  g_assert_cmpstr (fp1, ==, fp2);
}

/* ---- damage ---------------------------------------------------------------------------- */

typedef void (*DamageFunc) (const char *path);

static void
damage_truncate (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);

  shoal_test_state_write (path, text, len / 2);
}

/* One base64 character of the certificate changed: the PEM still parses, the checksum
 * does not match. */
static void
damage_flip_cert (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);
  char *at = strstr (text, "-----BEGIN CERTIFICATE-----\n");

  g_assert_nonnull (at);
  at += strlen ("-----BEGIN CERTIFICATE-----\n") + 100;
  *at = *at == 'A' ? 'B' : 'A';
  shoal_test_state_write (path, text, len);
}

static void
damage_flip_key (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);
  char *at = strstr (text, "-----BEGIN PRIVATE KEY-----\n");

  g_assert_nonnull (at);
  at += strlen ("-----BEGIN PRIVATE KEY-----\n") + 40;
  *at = *at == 'A' ? 'B' : 'A';
  shoal_test_state_write (path, text, len);
}

static void
damage_flip_checksum (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);
  char *at = strstr (text, "Shoal-SHA256: ");

  at += strlen ("Shoal-SHA256: ") + 3;
  *at = *at == '0' ? '1' : '0';
  shoal_test_state_write (path, text, len);
}

static void
damage_garbage (const char *path)
{
  char junk[2000];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (char) g_random_int ();
  shoal_test_state_write (path, junk, sizeof junk);
}

static void
damage_empty (const char *path)
{
  shoal_test_state_write (path, "", 0);
}

static void
damage_permissions (const char *path)
{
  g_assert_cmpint (g_chmod (path, 0604), ==, 0);
}

static void
damage_version (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);
  char *at = strstr (text, "Shoal-Version: 1\n");

  at[strlen ("Shoal-Version: ")] = '2';
  shoal_test_state_write (path, text, len);
}

/* A bare PEM, as someone might copy over it by hand: no header, so not ours to trust. */
static void
damage_no_header (const char *path)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);
  char *at = strstr (text, "-----BEGIN");

  shoal_test_state_write (path, at, len - (gsize) (at - text));
}

/* A certificate and key that no longer belong together: the key of another identity, with a
 * checksum that is correct for the file as it now is, so only the key check can catch it. */
static void
damage_mismatched_key (const char *path)
{
  g_autofree char *other_state = shoal_test_state_dir_new ();
  g_autofree char *other_pem = g_build_filename (other_state, "tls", "server.pem", NULL);
  g_autoptr(GTlsCertificate) other = make_identity (other_state);
  g_autofree char *mine = shoal_test_state_read (path, NULL);
  g_autofree char *theirs = shoal_test_state_read (other_pem, NULL);
  g_autofree char *body = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *text = NULL;
  char *my_cert = strstr (mine, "-----BEGIN CERTIFICATE-----");
  char *my_key = strstr (mine, "-----BEGIN PRIVATE KEY-----");
  char *their_key = strstr (theirs, "-----BEGIN PRIVATE KEY-----");

  body = g_strdup_printf ("%.*s%s", (int) (my_key - my_cert), my_cert, their_key);
  sum = shoal_sha256_hex (body, strlen (body));
  text = g_strdup_printf ("Shoal-Format: shoal-tls-identity\nShoal-Version: 1\n"
                          "Shoal-SHA256: %s\n%s", sum, body);
  shoal_test_state_write (path, text, strlen (text));
  shoal_test_state_rm_rf (other_state);
}

typedef struct
{
  const char *name;
  DamageFunc  damage;
  const char *reason;    /* what the warning must say was wrong */
} Damage;

static const Damage damages[] = {
  { "truncate", damage_truncate, "do not match their SHA-256 checksum" },
  { "flip-cert", damage_flip_cert, "do not match their SHA-256 checksum" },
  { "flip-key", damage_flip_key, "do not match their SHA-256 checksum" },
  { "flip-checksum", damage_flip_checksum, "do not match their SHA-256 checksum" },
  { "garbage", damage_garbage, "line 1 is not" },
  { "empty", damage_empty, "is empty" },
  { "permissions", damage_permissions, "has permissions 0604" },
  { "version", damage_version, "line 2 is not" },
  { "no-header", damage_no_header, "line 1 is not" },
  { "mismatched-key", damage_mismatched_key, "private key does not belong" },
};

static void
test_damaged (gconstpointer data)
{
  const Damage *d = data;
  g_autofree char *state = shoal_test_state_dir_new ();
  g_autofree char *pem = g_build_filename (state, "tls", "server.pem", NULL);
  g_autofree char *tls_dir = g_build_filename (state, "tls", NULL);
  g_autoptr(GTlsCertificate) first = make_identity (state);
  g_autoptr(GTlsCertificate) second = NULL;
  g_autoptr(GTlsCertificate) third = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fp1 = shoal_tls_certificate_fingerprint (first);
  g_autofree char *fp2 = NULL;
  g_autofree char *fp3 = NULL;
  g_autofree char *pattern = NULL;
  g_auto(GStrv) aside = NULL;
  Exchange ex = { 0 };

  d->damage (pem);

  pattern = g_strdup_printf ("Unusable TLS certificate file: “%s”*%s*. Moved it to “%s.corrupt-*"
                             "new self-signed certificate for “dp.test”, fingerprint SHA256:*",
                             pem, d->reason, pem);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, pattern);
  second = shoal_tls_ensure_self_signed (state, "dp.test", test_addresses, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  fp2 = shoal_tls_certificate_fingerprint (second);
  g_assert_cmpstr (fp1, !=, fp2);
  aside = shoal_test_state_list (tls_dir, "server.pem.corrupt-");
  g_assert_cmpuint (g_strv_length (aside), ==, 1);

  /* The replacement serves, and survives the next start untouched. */
  ex.pinned = fp2;
  https_get (second, &ex);
  g_assert_no_error (ex.error);
  g_assert_cmpuint (ex.status, ==, SOUP_STATUS_OK);
  g_bytes_unref (ex.body);
  third = reload_identity (state);
  fp3 = shoal_tls_certificate_fingerprint (third);
  g_assert_cmpstr (fp2, ==, fp3);

  shoal_test_state_rm_rf (state);
}

static void
test_stale_temp (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GTlsCertificate) first = make_identity (f->state);
  g_autoptr(GTlsCertificate) again = NULL;
  g_autofree char *stale = g_build_filename (f->state, "tls", ".server.pem.tmp-a1B2c3", NULL);
  g_autofree char *fp1 = shoal_tls_certificate_fingerprint (first);
  g_autofree char *fp2 = NULL;

  g_assert_true (g_file_set_contents (stale, "Shoal-Format: shoal-tls-identity\nShoal-Ver", -1,
                                      NULL));
  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "*Removed*.server.pem.tmp-a1B2c3*");
  again = reload_identity (f->state);
  g_test_assert_expected_messages ();
  fp2 = shoal_tls_certificate_fingerprint (again);
  g_assert_cmpstr (fp1, ==, fp2);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
}

static void
test_bad_address (Fixture      *f,
                  gconstpointer data)
{
  static const char *const bad[] = { "127.0.0.1", "dp.test", NULL };
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert;

  cert = shoal_tls_ensure_self_signed (f->state, "dp.test", bad, &error);
  g_assert_null (cert);
  g_assert_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_GENERATE);
  g_assert_nonnull (strstr (error->message, "“dp.test” is not an IP address"));
  g_assert_false (g_file_test (f->pem, G_FILE_TEST_EXISTS));
}

/* The operator's PEM files, as a CA would issue them: separate certificate and key. */
static void
test_operator_files (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GTlsCertificate) made = make_identity (f->state);
  g_autoptr(GTlsCertificate) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = shoal_test_state_read (f->pem, NULL);
  g_autofree char *cert_file = g_build_filename (f->state, "operator.crt", NULL);
  g_autofree char *key_file = g_build_filename (f->state, "operator.key", NULL);
  g_autofree char *missing = g_build_filename (f->state, "absent.key", NULL);
  g_autofree char *fp_made = shoal_tls_certificate_fingerprint (made);
  g_autofree char *fp_loaded = NULL;
  char *cert_pem = strstr (text, "-----BEGIN CERTIFICATE-----");
  char *key_pem = strstr (text, "-----BEGIN PRIVATE KEY-----");
  Exchange ex = { 0 };

  g_assert_true (g_file_set_contents (cert_file, cert_pem, key_pem - cert_pem, NULL));
  g_assert_true (g_file_set_contents (key_file, key_pem, -1, NULL));

  loaded = shoal_tls_load_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  fp_loaded = shoal_tls_certificate_fingerprint (loaded);
  g_assert_cmpstr (fp_made, ==, fp_loaded);
  ex.pinned = fp_loaded;
  https_get (loaded, &ex);
  g_assert_no_error (ex.error);
  g_assert_cmpuint (ex.status, ==, SOUP_STATUS_OK);
  g_bytes_unref (ex.body);

  /* Errors name the files; the operator's files are never touched. */
  g_assert_null (shoal_tls_load_files (cert_file, missing, &error));
  g_assert_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_LOAD);
  g_assert_nonnull (strstr (error->message, missing));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (shoal_tls_load_files (key_file, key_file, &error));
  g_assert_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_LOAD);
  g_test_message ("%s", error->message);
  g_assert_true (g_file_test (cert_file, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/tls/self-signed/serve", test_serve);
  ADD ("/tls/self-signed/names", test_names);
  ADD ("/tls/self-signed/kept", test_kept);
  ADD ("/tls/self-signed/stale-temp", test_stale_temp);
  ADD ("/tls/self-signed/bad-address", test_bad_address);
  ADD ("/tls/operator-files", test_operator_files);
#undef ADD
  for (gsize i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      g_autofree char *path = g_strdup_printf ("/tls/self-signed/damaged/%s", damages[i].name);

      g_test_add_data_func (path, &damages[i], test_damaged);
    }

  return g_test_run ();
}
