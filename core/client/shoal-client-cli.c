/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal-client: fetch the signed session descriptor and the session key, join the multicast,
 * repair over HTTP, verify every file against the manifest, and exit with a code per failure
 * class. Everything it does goes to a CMTrace log as well. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <libsoup/soup.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shoal-cli.h"
#include "shoal-client-cli.h"
#include "shoal-client-error.h"
#include "shoal-cmtrace.h"
#include "shoal-descriptor.h"
#include "shoal-json-file.h"
#include "shoal-tls.h"
#include "shoal-probe-client.h"
#include "shoal-range-fetcher.h"
#include "shoal-reception.h"
#include "shoal-transport-factory.h"

typedef struct
{
  char   *server;
  char   *package;
  char   *output;
  char   *interface;
  char   *user;
  char   *password_file;
  char   *pin;
  char   *transport;
  char   *journal;
  char   *log_path;
  char   *hostname;
  gboolean http_only;
  gboolean verify_readback;
  gboolean quiet;
  int     join_timeout;
  int     loss_permille;     /* hidden: the demo's simulated loss */

  char   *password;
  SoupSession *http;
  ShoalCmtrace *log;
  char   *tls_seen;          /* fingerprint of the server's certificate */
  char   *known_path;
  JsonNode *known;
  gboolean tty;
  gint64   started;
} Client;

static void
client_clear (Client *c)
{
  g_free (c->server);
  g_free (c->package);
  g_free (c->output);
  g_free (c->interface);
  g_free (c->user);
  g_free (c->password_file);
  g_free (c->pin);
  g_free (c->transport);
  g_free (c->journal);
  g_free (c->log_path);
  g_free (c->hostname);
  if (c->password)
    memset (c->password, 0, strlen (c->password));
  g_free (c->password);
  g_clear_object (&c->http);
  shoal_cmtrace_close (c->log);
  g_free (c->tls_seen);
  g_free (c->known_path);
  g_clear_pointer (&c->known, json_node_unref);
}

static void
say (Client *c, ShoalCmtraceType type, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
say (Client *c, ShoalCmtraceType type, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  shoal_cmtrace_log (c->log, type, "%s", msg);
  if (!c->quiet || type == SHOAL_CMTRACE_ERROR)
    fprintf (stderr, "%s%s\n", c->tty ? "\r\033[K" : "", msg);
}

/* Trust on first use, per server URL: the DP's signing key and its TLS certificate. */
static const char *
known_get (Client *c, const char *what)
{
  JsonObject *o;

  if (c->known == NULL || !JSON_NODE_HOLDS_OBJECT (c->known))
    return NULL;
  o = json_object_get_object_member (json_node_get_object (c->known), c->server);
  return o ? json_object_get_string_member_with_default (o, what, NULL) : NULL;
}

static void
known_set (Client *c, const char *what, const char *fingerprint)
{
  g_autoptr(GError) error = NULL;
  JsonObject *root, *o;

  if (c->known == NULL || !JSON_NODE_HOLDS_OBJECT (c->known))
    {
      g_clear_pointer (&c->known, json_node_unref);
      c->known = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (c->known, json_object_new ());
    }
  root = json_node_get_object (c->known);
  if (!json_object_has_member (root, c->server))
    json_object_set_object_member (root, c->server, json_object_new ());
  o = json_object_get_object_member (root, c->server);
  json_object_set_string_member (o, what, fingerprint);
  if (!shoal_json_file_save (c->known_path, c->known, &error))
    say (c, SHOAL_CMTRACE_WARNING, "cannot remember the server's fingerprint: %s",
         error->message);
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  Client *c = data;
  const char *known = known_get (c, "tls");

  g_free (c->tls_seen);
  c->tls_seen = shoal_tls_certificate_fingerprint (cert);
  if (known == NULL)
    return TRUE;   /* first contact: remembered once the signed descriptor checks out */
  return g_ascii_strcasecmp (known, c->tls_seen) == 0;
}

static GBytes *
http_get (Client *c, const char *path, guint *status, GError **error)
{
  g_autofree char *url = g_strconcat (c->server, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  GBytes *body;

  if (msg == NULL)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_FAILED,
                   "\"%s\" is not a valid URL", url);
      return NULL;
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), c);
  if (c->user != NULL)
    {
      g_autofree char *pair = g_strconcat (c->user, ":", c->password, NULL);
      g_autofree char *b64 = g_base64_encode ((guchar *) pair, strlen (pair));
      g_autofree char *header = g_strconcat ("Basic ", b64, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    header);
    }
  body = soup_session_send_and_read (c->http, msg, NULL, error);
  if (body == NULL)
    {
      if (g_error_matches (*error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        {
          g_clear_error (error);
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH,
                       "%s presented TLS certificate %s, not the %s remembered for it", url,
                       c->tls_seen ? c->tls_seen : "(none)", known_get (c, "tls"));
        }
      else if ((*error)->domain == G_IO_ERROR || (*error)->domain == G_RESOLVER_ERROR)
        {
          /* Nobody answers: the same class as a multicast that never comes. */
          g_autofree char *why = g_strdup ((*error)->message);
          g_clear_error (error);
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_TIMEOUT,
                       "cannot reach the distribution point at %s: %s", url, why);
        }
      else
        g_prefix_error (error, "%s: ", url);
      return NULL;
    }
  *status = soup_message_get_status (msg);
  if (*status == SOUP_STATUS_UNAUTHORIZED || *status == SOUP_STATUS_FORBIDDEN)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_ACCESS_DENIED,
                   "%s: access denied (HTTP %u)%s", url, *status,
                   c->user ? ": check the account and password"
                           : ": the distribution point needs an account (--user, "
                             "--password-file)");
      g_bytes_unref (body);
      return NULL;
    }
  return body;
}

static char *
body_error (GBytes *body)
{
  g_autoptr(JsonParser) p = json_parser_new ();

  if (body && json_parser_load_from_data (p, g_bytes_get_data (body, NULL),
                                          g_bytes_get_size (body), NULL)
      && json_parser_get_root (p) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    return g_strdup (json_object_get_string_member_with_default (
      json_node_get_object (json_parser_get_root (p)), "error", "no reason given"));
  return g_strdup ("no reason given");
}

static ShoalDescriptor *
get_descriptor (Client *c, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/sessions/for-package/%s", c->package);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *fp = NULL;
  const char *pin = c->pin ? c->pin : known_get (c, "key");
  ShoalDescriptor *d;
  guint status = 0;

  body = http_get (c, path, &status, error);
  if (body == NULL)
    return NULL;
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *why = body_error (body);
      g_set_error (error, SHOAL_CLIENT_ERROR,
                   status == SOUP_STATUS_NOT_FOUND ? (int) SHOAL_CLIENT_ERROR_NO_SESSION
                                                   : SHOAL_CLIENT_ERROR_FAILED,
                   "no session for package %s at %s: HTTP %u: %s", c->package, c->server,
                   status, why);
      return NULL;
    }
  d = shoal_descriptor_verify (g_bytes_get_data (body, NULL), g_bytes_get_size (body), pin, &fp,
                               error);
  if (d == NULL)
    {
      int code = g_error_matches (*error, SHOAL_DESCRIPTOR_ERROR, SHOAL_DESCRIPTOR_ERROR_INVALID)
                 ? (int) SHOAL_CLIENT_ERROR_PROTOCOL : (int) SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH;
      g_autofree char *msg = g_strdup ((*error)->message);
      g_clear_error (error);
      g_set_error (error, SHOAL_CLIENT_ERROR, code, "%s", msg);
      return NULL;
    }
  if (pin == NULL)
    {
      say (c, SHOAL_CMTRACE_WARNING, "first contact with %s: trusting its key %s from now on "
           "(pin it with --pin to be sure)", c->server, fp);
      known_set (c, "key", fp);
    }
  if (c->tls_seen != NULL && known_get (c, "tls") == NULL)
    known_set (c, "tls", c->tls_seen);
  return d;
}

static gboolean
get_key (Client *c, const char *session, guint8 key[32], GError **error)
{
  g_autofree char *path = g_strdup_printf ("/sessions/%s/key", session);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) p = json_parser_new ();
  g_autofree guint8 *raw = NULL;
  const char *b64;
  guint status = 0;
  gsize len = 0;

  body = http_get (c, path, &status, error);
  if (body == NULL)
    return FALSE;
  if (status == SOUP_STATUS_OK
      && json_parser_load_from_data (p, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                     NULL)
      && json_parser_get_root (p) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))
      && (b64 = json_object_get_string_member_with_default (
            json_node_get_object (json_parser_get_root (p)), "key", NULL)) != NULL)
    raw = g_base64_decode (b64, &len);
  if (raw == NULL || len != 32)
    {
      g_autofree char *why = body_error (body);
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_ACCESS_DENIED,
                   "cannot get the key of session %s (HTTP %u: %s)", session, status, why);
      return FALSE;
    }
  memcpy (key, raw, 32);
  memset (raw, 0, len);
  return TRUE;
}

/* The fetcher's failures in the client's classes. */
static int
client_code_for_fetch (GError *error)
{
  if (error->domain != SHOAL_RANGE_FETCHER_ERROR)
    return SHOAL_CLIENT_ERROR_FAILED;
  switch (error->code)
    {
    case SHOAL_RANGE_FETCHER_ERROR_ACCESS_DENIED: return SHOAL_CLIENT_ERROR_ACCESS_DENIED;
    case SHOAL_RANGE_FETCHER_ERROR_NOT_FOUND: return SHOAL_CLIENT_ERROR_NO_SESSION;
    case SHOAL_RANGE_FETCHER_ERROR_STALLED: return SHOAL_CLIENT_ERROR_TCP_STALLED;
    case SHOAL_RANGE_FETCHER_ERROR_NETWORK: return SHOAL_CLIENT_ERROR_TIMEOUT;
    case SHOAL_RANGE_FETCHER_ERROR_CANCELLED: return SHOAL_CLIENT_ERROR_CANCELLED;
    case SHOAL_RANGE_FETCHER_ERROR_TLS: return SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH;
    default: return SHOAL_CLIENT_ERROR_PROTOCOL;
    }
}

typedef struct
{
  Client            *client;
  ShoalRangeFetcher *fetcher;
} Fetch;

/* HTTP repair through the range fetcher: stalls are retried with a clamped TCP window. */
static gboolean
fetch_range (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  Fetch *f = data;
  g_autoptr(GError) local = NULL;

  if (shoal_range_fetcher_fetch_into (f->fetcher, offset, buf, len, NULL, &local))
    return TRUE;
  g_set_error (error, SHOAL_CLIENT_ERROR, client_code_for_fetch (local), "%s", local->message);
  return FALSE;
}

static void
on_fetch_diagnosis (ShoalRangeFetcher *fetcher, const char *message, gpointer data)
{
  Client *c = data;

  /* Logged as a warning with the stalled-TCP code, so the log analyser can explain it. */
  say (c, SHOAL_CMTRACE_WARNING, "%s (0x%08X)", message, SHOAL_CLIENT_ERROR_TCP_STALLED);
}

static void
format_eta (char *buf, gsize size, gint64 seconds)
{
  if (seconds < 0)
    g_strlcpy (buf, "--:--", size);
  else
    g_snprintf (buf, size, "%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                (int) (seconds % 60));
}

static void
on_progress (const ShoalReceptionProgress *p, gpointer data)
{
  Client *c = data;
  static gint64 last_line;
  double frac = p->total ? (double) p->verified / p->total : 0;
  gint64 now = g_get_monotonic_time ();
  char bar[31], eta[16];
  guint filled = (guint) (frac * 30);

  if (c->quiet)
    return;
  if (!c->tty && now - last_line < 2 * G_USEC_PER_SEC && frac < 1)
    return;
  last_line = now;
  memset (bar, '#', filled);
  memset (bar + filled, '.', 30 - filled);
  bar[30] = '\0';
  format_eta (eta, sizeof eta, p->rate > 0 ? (gint64) ((p->total - p->verified) * 8 / p->rate)
                                           : -1);
  fprintf (stderr, "%s[%s] %5.1f%%  %7.1f Mbit/s  ETA %s  loss %4.1f%%  %s%s",
           c->tty ? "\r\033[K" : "", bar, frac * 100, p->rate / 1e6, eta,
           p->loss_permille / 10.0, p->phase, c->tty ? "" : "\n");
}

static void
on_reception_log (int severity, const char *message, gpointer data)
{
  say (data, severity, "%s", message);
}

/* Reads every file back and checks its SHA-256 against the manifest. */
static gboolean
verify_files (Client *c, ShoalManifest *m, ShoalOutput *out, GError **error)
{
  g_autofree guint8 *buf = g_malloc (4 << 20);

  for (guint i = 0; i < shoal_manifest_get_n_files (m); i++)
    {
      const ShoalManifestFile *f = shoal_manifest_get_file (m, i);
      g_autoptr(ShoalSha256) sha = shoal_sha256_new ();
      guint8 digest[32];

      for (guint64 done = 0; done < f->size;)
        {
          gsize n = MIN (4 << 20, f->size - done);
          if (!shoal_output_read (out, f->offset + done, buf, n, error))
            return FALSE;
          shoal_sha256_update (sha, buf, n);
          done += n;
        }
      shoal_sha256_finish (sha, digest);
      if (memcmp (digest, f->sha256, 32) != 0)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_HASH_MISMATCH,
                       "file %s (%s) does not match its SHA-256 in the manifest", f->path,
                       shoal_output_describe (out, f->offset));
          return FALSE;
        }
    }
  return TRUE;
}

static ShoalOutput *
open_output (Client *c, ShoalManifest *m, char **journal, GError **error)
{
  guint n = shoal_manifest_get_n_files (m);
  gboolean is_dir = g_file_test (c->output, G_FILE_TEST_IS_DIR);
  struct stat st;
  ShoalOutput *out;

  if (n == 1 && !is_dir)
    out = shoal_output_open_single (c->output, shoal_manifest_get_total_size (m), error);
  else
    {
      g_autofree ShoalOutputFile *files = g_new0 (ShoalOutputFile, n);

      for (guint i = 0; i < n; i++)
        {
          const ShoalManifestFile *f = shoal_manifest_get_file (m, i);
          files[i] = (ShoalOutputFile) { f->path, f->offset, f->size };
        }
      out = shoal_output_open_dir (c->output, files, n, error);
    }
  if (out == NULL)
    return NULL;
  if (c->journal != NULL)
    *journal = g_strdup (c->journal);
  else if (stat (c->output, &st) == 0 && S_ISREG (st.st_mode))
    *journal = g_strconcat (c->output, ".shoal-journal", NULL);
  else
    {
      /* A device or a directory: keep the journal in the user's state directory. */
      g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "shoal", NULL);
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, c->output, -1);
      g_autofree char *name = g_strdup_printf ("journal-%.16s", hash);
      g_mkdir_with_parents (dir, 0700);
      *journal = g_build_filename (dir, name, NULL);
    }
  return out;
}

static ShoalTransport *
open_transport (Client *c, ShoalDescriptor *d, GError **error)
{
  g_autoptr(GInetSocketAddress) group =
    G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (d->group, d->port));

  return shoal_transport_new_by_name (c->transport, SHOAL_TRANSPORT_ROLE_RECEIVER, group,
                                      c->interface, d->ttl, FALSE, 0, error);
}

static gboolean
run (Client *c, GError **error)
{
  g_autoptr(ShoalDescriptor) d = NULL;
  g_autoptr(ShoalOutput) out = NULL;
  g_autoptr(ShoalTransport) transport = NULL;
  g_autoptr(ShoalReception) rec = NULL;
  g_autofree char *journal = NULL;
  ShoalReceptionConfig cfg;
  ShoalReceptionProgress p;
  Fetch fetch = { c, NULL };
  g_autoptr(ShoalRangeFetcher) fetcher = NULL;
  gboolean ok;

  say (c, SHOAL_CMTRACE_INFO, "Step: requesting package %s from %s", c->package, c->server);
  d = get_descriptor (c, error);
  if (d == NULL)
    return FALSE;
  say (c, SHOAL_CMTRACE_INFO, "session %s: group %s port %u, %" G_GUINT64_FORMAT " bytes in %u "
       "files", d->session, d->group ? d->group : "(none)", d->port,
       shoal_manifest_get_total_size (d->manifest), shoal_manifest_get_n_files (d->manifest));
  shoal_reception_config_init (&cfg);
  cfg.engine.session_id = d->session_id;
  if (d->group == NULL)
    {
      say (c, SHOAL_CMTRACE_WARNING, "the distribution point offers no multicast for %s: %s; "
           "fetching it over HTTP", c->package, d->no_multicast);
      c->http_only = TRUE;
      cfg.http_only_reason = d->no_multicast;
    }
  else if (!get_key (c, d->session, cfg.engine.key, error))
    return FALSE;
  shoal_manifest_get_layout (d->manifest, &cfg.engine.layout);
  cfg.engine.client_id = g_random_int ();
  g_strlcpy (cfg.engine.hostname, c->hostname, sizeof cfg.engine.hostname);
  cfg.block_hashes = shoal_manifest_get_block_hashes (d->manifest);
  cfg.manifest = d->manifest;
  cfg.multicast_only = d->multicast_only;
  cfg.join_timeout = (gint64) c->join_timeout * G_USEC_PER_SEC;
  cfg.simulate_loss_permille = CLAMP (c->loss_permille, 0, 1000);

  say (c, SHOAL_CMTRACE_INFO, "Step: opening %s", c->output);
  out = open_output (c, d->manifest, &journal, error);
  if (out == NULL)
    return FALSE;
  cfg.journal_path = journal;
  if (!c->http_only)
    {
      transport = open_transport (c, d, error);
      if (transport == NULL)
        return FALSE;
    }
  rec = shoal_reception_new (&cfg, transport, out);
  {
    g_autofree char *url = g_strdup_printf ("%s/packages/%s/stream", c->server, c->package);
    const char *tls_pin = known_get (c, "tls");

    fetch.fetcher = shoal_range_fetcher_new (url, error);
    if (fetch.fetcher == NULL)
      return FALSE;
    if (c->user != NULL)
      shoal_range_fetcher_set_credentials (fetch.fetcher, c->user, c->password);
    if (tls_pin != NULL && !shoal_range_fetcher_set_pin (fetch.fetcher, tls_pin, error))
      return FALSE;
    g_signal_connect (fetch.fetcher, "diagnosis", G_CALLBACK (on_fetch_diagnosis), c);
  }
  shoal_reception_set_fetch_func (rec, fetch_range, &fetch);
  shoal_reception_set_progress_func (rec, on_progress, c);
  shoal_reception_set_log_func (rec, on_reception_log, c);
  say (c, SHOAL_CMTRACE_INFO, "Step: receiving%s", c->http_only ? " over HTTP only" : "");
  fetcher = fetch.fetcher;
  ok = shoal_reception_run (rec, NULL, error);
  if (!ok)
    return FALSE;
  shoal_reception_get_progress (rec, &p);
  /* Every block was checked against its SHA-256 in the signed manifest before it was
   * written. The distribution point hashed blocks and files from the same bytes in one pass,
   * so the files' SHA-256 follow; --verify-readback reads the output back from the disk and
   * checks each file's SHA-256 as well, which also catches a disk that wrote wrongly. */
  if (c->verify_readback)
    {
      say (c, SHOAL_CMTRACE_INFO, "Step: reading every file back to verify it");
      if (!verify_files (c, d->manifest, out, error))
        return FALSE;
    }
  if (!shoal_output_sync (out, error))
    return FALSE;
  g_unlink (journal);
  say (c, SHOAL_CMTRACE_INFO, "verified %s: %" G_GUINT64_FORMAT " bytes by multicast, %"
       G_GUINT64_FORMAT " by HTTP%s%s, in %.1f s", c->output, p.multicast_bytes, p.http_bytes,
       shoal_reception_get_fallback_reason (rec) ? "; fallback: " : "",
       shoal_reception_get_fallback_reason (rec) ? shoal_reception_get_fallback_reason (rec) : "",
       (g_get_monotonic_time () - c->started) / 1e6);
  return TRUE;
}

static char *
default_log_path (void)
{
  if (access ("/var/log", W_OK) == 0)
    return g_strdup ("/var/log/shoal-client.log");
  g_mkdir_with_parents (g_build_filename (g_get_user_state_dir (), "shoal", NULL), 0700);
  return g_build_filename (g_get_user_state_dir (), "shoal", "shoal-client.log", NULL);
}

int
shoal_client_main (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  Client c = { .join_timeout = 10 };
  g_autofree char *probe_url = NULL;
  int rc;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &c.server, "Distribution point URL", "URL" },
    { "package", 'p', 0, G_OPTION_ARG_STRING, &c.package, "Package to receive", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &c.output,
      "File or block device for a one-file package, directory otherwise", "PATH" },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &c.interface, "Interface to receive on", "IF" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &c.user, "Network access account", "USER" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &c.password_file,
      "File holding the account's password", "FILE" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &c.pin,
      "Expected fingerprint of the distribution point's key", "SHA256:HEX" },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &c.transport,
      "Datagram transport: " SHOAL_TRANSPORT_NAMES " (default auto)", "NAME" },
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &c.journal, "Resume journal", "FILE" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &c.log_path, "CMTrace log file", "FILE" },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &c.hostname, "Name to report", "NAME" },
    { "http-only", 0, 0, G_OPTION_ARG_NONE, &c.http_only, "Skip multicast", NULL },
    { "join-timeout", 0, 0, G_OPTION_ARG_INT, &c.join_timeout,
      "Seconds to wait for multicast before using HTTP (default 10)", "S" },
    { "verify-readback", 0, 0, G_OPTION_ARG_NONE, &c.verify_readback,
      "Also read the whole output back and check every file's SHA-256", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &c.quiet, "Print errors only", NULL },
    { "probe", 0, 0, G_OPTION_ARG_STRING, &probe_url,
      "Receive a probe burst from the distribution point at URL, report loss and rate back, "
      "and exit (--join-timeout: seconds to wait for an armed probe)", "URL" },
    { "simulate-loss", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &c.loss_permille,
      "Drop this many of every 1000 datagrams (demo)", "N" },
    { NULL }
  };

  g_option_context_set_summary (context,
    "Receive a package from a Shoal distribution point, verify it and write it out.\n\n"
    "Exit codes: 0 verified, 1 failure, 2 usage, 10 no session, 11 timeout, 12 hash mismatch,\n"
    "13 write failed or disk full, 14 access denied, 15 multicast-only package incomplete,\n"
    "16 signature or fingerprint mismatch, 17 protocol error, 18 cancelled.");
  /* Blocks are received into buffers of a few hundred KiB, allocated on one thread and freed
   * on another, a few thousand a second. Keep them in malloc's heap instead of mapping and
   * unmapping each one: every fresh page costs a fault and a zeroing. */
  mallopt (M_MMAP_THRESHOLD, 8 << 20);
  mallopt (M_TRIM_THRESHOLD, 64 << 20);
  g_option_context_add_main_entries (context, entries, NULL);
  if ((rc = shoal_cli_parse (context, "shoal-client", &argc, &argv)) >= 0)
    return rc;
  if (probe_url != NULL)
    {
      rc = shoal_probe_client_command (probe_url, c.user, c.password_file, c.interface,
                                       c.transport, c.hostname, c.join_timeout);
      client_clear (&c);
      return rc;
    }
  if (c.server == NULL || c.package == NULL || c.output == NULL)
    {
      shoal_cli_usage_error ("shoal-client", "--server, --package and --output are required");
      client_clear (&c);
      return SHOAL_EXIT_USAGE;
    }
  if ((c.user == NULL) != (c.password_file == NULL))
    {
      shoal_cli_usage_error ("shoal-client", "--user and --password-file go together");
      client_clear (&c);
      return SHOAL_EXIT_USAGE;
    }
  while (g_str_has_suffix (c.server, "/"))
    c.server[strlen (c.server) - 1] = '\0';
  if (c.transport == NULL)
    c.transport = g_strdup ("auto");
  if (c.hostname == NULL)
    c.hostname = g_strdup (g_get_host_name ());
  if (c.log_path == NULL)
    c.log_path = default_log_path ();
  c.tty = isatty (STDERR_FILENO);
  c.started = g_get_monotonic_time ();
  c.log = shoal_cmtrace_open (c.log_path, SHOAL_CLIENT_LOG_COMPONENT, &error);
  if (c.log == NULL)
    {
      fprintf (stderr, "shoal-client: %s (continuing without a log file)\n", error->message);
      g_clear_error (&error);
    }
  c.known_path = g_build_filename (g_get_user_config_dir (), "shoal", "known-servers.json", NULL);
  g_mkdir_with_parents (g_build_filename (g_get_user_config_dir (), "shoal", NULL), 0700);
  c.known = shoal_json_file_load (c.known_path, NULL);
  c.http = soup_session_new_with_options ("timeout", 60, "user-agent", "shoal-client/"
                                          PACKAGE_VERSION, NULL);
  if (c.password_file != NULL)
    {
      gsize len;
      if (!shoal_json_file_read_secret (c.password_file, 4096, &c.password, &len, &error))
        {
          say (&c, SHOAL_CMTRACE_ERROR, "cannot read the password: %s (0x%08X)", error->message,
               SHOAL_CLIENT_ERROR_ACCESS_DENIED);
          client_clear (&c);
          return SHOAL_CLIENT_EXIT_ACCESS_DENIED;
        }
      g_strchomp (c.password);
    }

  if (run (&c, &error))
    {
      say (&c, SHOAL_CMTRACE_INFO, SHOAL_CLIENT_LOG_EXIT_PREFIX "0 (success)");
      client_clear (&c);
      return SHOAL_CLIENT_EXIT_OK;
    }
  {
    guint32 code = error->domain == SHOAL_CLIENT_ERROR ? (guint32) error->code
                   : g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                   ? SHOAL_CLIENT_ERROR_CANCELLED : (guint32) SHOAL_CLIENT_ERROR_FAILED;
    int exit_code = SHOAL_CODE_IS_SHOAL (code)
                    ? (int) shoal_client_error_to_exit ((ShoalClientError) code)
                    : SHOAL_CLIENT_EXIT_FAILURE;

    say (&c, SHOAL_CMTRACE_ERROR, "%s (0x%08X)", error->message, code);
    say (&c, SHOAL_CMTRACE_ERROR, SHOAL_CLIENT_LOG_EXIT_PREFIX "%d (%s)", exit_code,
         shoal_client_exit_name (exit_code));
    client_clear (&c);
    return exit_code;
  }
}
