/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalRangeFetcher: ranges over HTTP(S) with libsoup's blocking API, a stall timeout on
 * the socket, and SO_RCVBUF set in the "network-event" CONNECTING step, which libsoup
 * emits with the not yet connected GSocketConnection: the only moment a receive buffer
 * still decides the window scale the SYN offers. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "shoal-crypto.h"
#include "shoal-range-fetcher.h"

#define READ_BUFFER   (64u << 10)
#define MAX_ERROR_BODY 8192

struct _ShoalRangeFetcher
{
  GObject       parent_instance;

  GUri         *uri;
  char         *url;
  char         *where;           /* HOST:PORT, for messages */
  char         *authorization;
  gboolean      has_pin;
  guint8        pin[SHOAL_SHA256_LEN];
  guint         stall;
  guint         max_attempts;
  guint         retry_delay;     /* ms */
  guint         clamped_rcvbuf;
  gboolean      clamped;
  guint         last_attempts;
  int           last_rcvbuf;

  GMutex        lock;            /* one fetch at a time */
  GMainContext *context;         /* the session's, pushed while fetching */
  SoupSession  *session;
  GThread      *session_thread;
  gboolean      session_clamped;
  guint         session_stall;
};

G_DEFINE_FINAL_TYPE (ShoalRangeFetcher, shoal_range_fetcher, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-range-fetcher-error-quark, shoal_range_fetcher_error)

enum {
  DIAGNOSIS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
drop_session (ShoalRangeFetcher *self)
{
  if (self->session != NULL)
    {
      g_main_context_push_thread_default (self->context);
      soup_session_abort (self->session);
      g_clear_object (&self->session);
      g_main_context_pop_thread_default (self->context);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  self->session_thread = NULL;
}

static void
shoal_range_fetcher_finalize (GObject *object)
{
  ShoalRangeFetcher *self = SHOAL_RANGE_FETCHER (object);

  drop_session (self);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_free (self->url);
  g_free (self->where);
  if (self->authorization != NULL)
    explicit_bzero (self->authorization, strlen (self->authorization));
  g_free (self->authorization);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (shoal_range_fetcher_parent_class)->finalize (object);
}

static void
shoal_range_fetcher_class_init (ShoalRangeFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_range_fetcher_finalize;

  /* ShoalRangeFetcher::diagnosis: (message) what happened to a download and what the
   * fetcher does about it, for the log and the admin. Emitted in the fetching thread. */
  signals[DIAGNOSIS] = g_signal_new ("diagnosis", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
shoal_range_fetcher_init (ShoalRangeFetcher *self)
{
  g_mutex_init (&self->lock);
  self->stall = SHOAL_RANGE_FETCHER_DEFAULT_STALL;
  self->max_attempts = SHOAL_RANGE_FETCHER_DEFAULT_ATTEMPTS;
  self->retry_delay = 500;
  self->clamped_rcvbuf = SHOAL_RANGE_FETCHER_CLAMPED_RCVBUF;
}

ShoalRangeFetcher *
shoal_range_fetcher_new (const char  *url,
                         GError     **error)
{
  g_autoptr(ShoalRangeFetcher) self = NULL;
  g_autoptr(GError) local = NULL;
  GUri *uri;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not an http:// or https:// URL%s%s", url, local ? ": " : "",
                   local ? local->message : "");
      g_clear_pointer (&uri, g_uri_unref);
      return NULL;
    }
  self = g_object_new (SHOAL_TYPE_RANGE_FETCHER, NULL);
  self->uri = uri;
  self->url = g_strdup (url);
  self->where = g_strdup_printf (strchr (g_uri_get_host (uri), ':') ? "[%s]:%d" : "%s:%d",
                                 g_uri_get_host (uri),
                                 g_uri_get_port (uri) > 0 ? g_uri_get_port (uri)
                                 : strcmp (scheme, "https") == 0 ? 443 : 80);
  return g_steal_pointer (&self);
}

const char *
shoal_range_fetcher_get_url (ShoalRangeFetcher *self)
{
  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), NULL);
  return self->url;
}

void
shoal_range_fetcher_set_credentials (ShoalRangeFetcher *self,
                                     const char        *user,
                                     const char        *password)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));

  if (self->authorization != NULL)
    explicit_bzero (self->authorization, strlen (self->authorization));
  g_clear_pointer (&self->authorization, g_free);
  if (user != NULL && password != NULL)
    {
      g_autofree char *pair = g_strconcat (user, ":", password, NULL);
      g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));

      /* Sent with every request: the server never has to ask, so no 401 round trip. */
      self->authorization = g_strconcat ("Basic ", b64, NULL);
      explicit_bzero (pair, strlen (pair));
      explicit_bzero (b64, strlen (b64));
    }
}

gboolean
shoal_range_fetcher_set_pin (ShoalRangeFetcher *self,
                             const char        *fingerprint,
                             GError           **error)
{
  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), FALSE);

  if (fingerprint == NULL)
    {
      self->has_pin = FALSE;
      return TRUE;
    }
  if (g_ascii_strncasecmp (fingerprint, "SHA256:", 7) != 0 ||
      !shoal_hex_decode (fingerprint + 7, self->pin, sizeof self->pin))
    {
      g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS,
                   "certificate pin \"%s\" is not SHA256: followed by 64 hex digits",
                   fingerprint);
      return FALSE;
    }
  self->has_pin = TRUE;
  return TRUE;
}

void
shoal_range_fetcher_set_stall_timeout (ShoalRangeFetcher *self,
                                       guint              seconds)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));
  self->stall = MAX (seconds, 1);
}

void
shoal_range_fetcher_set_max_attempts (ShoalRangeFetcher *self,
                                      guint              attempts)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));
  self->max_attempts = MAX (attempts, 1);
}

void
shoal_range_fetcher_set_retry_delay (ShoalRangeFetcher *self,
                                     guint              milliseconds)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));
  self->retry_delay = milliseconds;
}

void
shoal_range_fetcher_set_clamped_rcvbuf (ShoalRangeFetcher *self,
                                        guint              bytes)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));
  g_return_if_fail (bytes >= 2048 && bytes <= G_MAXINT);
  self->clamped_rcvbuf = bytes;
}

void
shoal_range_fetcher_set_clamped (ShoalRangeFetcher *self,
                                 gboolean           clamped)
{
  g_return_if_fail (SHOAL_IS_RANGE_FETCHER (self));
  self->clamped = !!clamped;
}

gboolean
shoal_range_fetcher_get_clamped (ShoalRangeFetcher *self)
{
  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), FALSE);
  return self->clamped;
}

guint
shoal_range_fetcher_get_last_attempts (ShoalRangeFetcher *self)
{
  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), 0);
  return self->last_attempts;
}

int
shoal_range_fetcher_get_last_rcvbuf (ShoalRangeFetcher *self)
{
  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), 0);
  return self->last_rcvbuf;
}

static void
diagnose (ShoalRangeFetcher *self,
          const char        *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
diagnose (ShoalRangeFetcher *self,
          const char        *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s", message);
  g_signal_emit (self, signals[DIAGNOSIS], 0, message);
}

/* ---- one try ---------------------------------------------------------------------------- */

typedef enum
{
  TRY_OK,
  TRY_RETRY,          /* network trouble or a 5xx: try again */
  TRY_STALLED,        /* connected, then no byte for the stall timeout */
  TRY_FATAL,          /* access, 404, 416, TLS, cancelled, the writer: stop */
} TryResult;

typedef struct
{
  ShoalRangeFetcher *self;
  gboolean           connecting;
  gboolean           connected;
  gboolean           pin_mismatch;
  char              *peer_fingerprint;
  int                rcvbuf;
} Try;

static char *
certificate_fingerprint (GTlsCertificate *cert,
                         guint8           digest[SHOAL_SHA256_LEN])
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_object_get (cert, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  shoal_sha256 (der->data, der->len, digest);
  hex = shoal_hex_encode (digest, SHOAL_SHA256_LEN);
  return g_strconcat ("SHA256:", hex, NULL);
}

static gboolean
pin_matches (Try             *t,
             GTlsCertificate *cert)
{
  guint8 digest[SHOAL_SHA256_LEN];
  g_autofree char *fp = cert ? certificate_fingerprint (cert, digest) : NULL;

  if (fp == NULL)
    return FALSE;
  if (memcmp (digest, t->self->pin, sizeof digest) == 0)
    return TRUE;
  t->pin_mismatch = TRUE;
  g_free (t->peer_fingerprint);
  t->peer_fingerprint = g_steal_pointer (&fp);
  return FALSE;
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *cert,
                       GTlsCertificateFlags  errors,
                       Try                  *t)
{
  return t->self->has_pin && pin_matches (t, cert);
}

static void
on_network_event (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  Try                *t)
{
  if (event == G_SOCKET_CLIENT_CONNECTED)
    t->connected = TRUE;
  if (event != G_SOCKET_CLIENT_CONNECTING)
    return;
  t->connecting = TRUE;
  if (t->self->clamped && G_IS_SOCKET_CONNECTION (connection))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
      g_autoptr(GError) error = NULL;
      int value = 0;

      /* Before connect(): the SYN's window scale follows from the buffer set now. */
      if (!g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, (int) t->self->clamped_rcvbuf,
                                &error))
        g_warning ("Could not clamp the receive buffer for %s: %s", t->self->where,
                   error->message);
      else if (g_socket_get_option (socket, SOL_SOCKET, SO_RCVBUF, &value, NULL))
        t->rcvbuf = value;
    }
}

static char *
range_text (guint64 offset,
            guint64 len)
{
  return g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, offset,
                          offset + len - 1);
}

/* The server's {"error": ...} if it sent one. */
static char *
server_says (GInputStream *in)
{
  g_autofree char *buf = g_malloc (MAX_ERROR_BODY + 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize n = 0;
  JsonNode *root;

  if (in == NULL || !g_input_stream_read_all (in, buf, MAX_ERROR_BODY, &n, NULL, NULL))
    return NULL;
  if (!json_parser_load_from_data (parser, buf, (gssize) n, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root),
                                                               "error", NULL));
}

static void
ensure_session (ShoalRangeFetcher *self)
{
  if (self->session != NULL && self->session_thread == g_thread_self () &&
      self->session_clamped == self->clamped && self->session_stall == self->stall)
    return;
  /* A new session when clamping starts, so that no connection made before is reused. */
  drop_session (self);
  self->context = g_main_context_new ();
  g_main_context_push_thread_default (self->context);
  self->session = soup_session_new_with_options ("timeout", self->stall,
                                                 "user-agent", "shoal-client/" PACKAGE_VERSION,
                                                 NULL);
  g_main_context_pop_thread_default (self->context);
  self->session_thread = g_thread_self ();
  self->session_clamped = self->clamped;
  self->session_stall = self->stall;
}

/* Asks for [@offset, @offset + @len) once; *@got counts the bytes handed to @write. */
static TryResult
try_range (ShoalRangeFetcher   *self,
           Try                 *t,
           guint64              offset,
           guint64              len,
           ShoalRangeWriteFunc  write,
           gpointer             user_data,
           guint64             *got,
           GCancellable        *cancellable,
           GError             **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                                            offset, offset + len - 1);
  g_autofree guint8 *buf = NULL;
  SoupMessageHeaders *hdrs;
  TryResult result = TRY_OK;
  guint status;

  *got = 0;
  msg = soup_message_new_from_uri (SOUP_METHOD_GET, self->uri);
  hdrs = soup_message_get_request_headers (msg);
  soup_message_headers_replace (hdrs, "Range", range);
  soup_message_headers_replace (hdrs, "Accept-Encoding", "identity");
  if (self->authorization != NULL)
    soup_message_headers_replace (hdrs, "Authorization", self->authorization);
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), t);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), t);

  in = soup_session_send (self->session, msg, cancellable, &local);
  if (in == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_CANCELLED,
                       "cancelled");
          return TRY_FATAL;
        }
      if (t->pin_mismatch)
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS,
                       "the server's certificate is %s, not the pinned one",
                       t->peer_fingerprint);
          return TRY_FATAL;
        }
      if (local->domain == G_TLS_ERROR)
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS,
                       "TLS with %s failed: %s%s", self->where, local->message,
                       self->has_pin ? "" : " (give the server's fingerprint as a pin to "
                       "trust a self-signed certificate)");
          return TRY_FATAL;
        }
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          if (t->connecting && !t->connected)
            {
              g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NETWORK,
                           "cannot connect to %s within %u s", self->where, self->stall);
              return TRY_RETRY;
            }
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_STALLED,
                       "no response from %s for %u s", self->where, self->stall);
          return TRY_STALLED;
        }
      g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NETWORK,
                   "%s (%s)", local->message, self->where);
      return TRY_RETRY;
    }

  /* accept-certificate only runs for certificates the system does not trust. */
  if (self->has_pin && !pin_matches (t, soup_message_get_tls_peer_certificate (msg)))
    {
      if (t->peer_fingerprint != NULL)
        g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS,
                     "the server's certificate is %s, not the pinned one",
                     t->peer_fingerprint);
      else
        g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_TLS,
                     "%s showed no certificate to check against the pin (plain http://?)",
                     self->where);
      return TRY_FATAL;
    }

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      goffset start = -1, end = -1, total = -1;

      if (!soup_message_headers_get_content_range (soup_message_get_response_headers (msg),
                                                   &start, &end, &total) ||
          start != (goffset) offset || end < start || (guint64) end >= offset + len)
        {
          const char *cr = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                         "Content-Range");

          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_SERVER,
                       "the server answered with Content-Range \"%s\" for %s", cr ? cr : "",
                       range);
          return TRY_FATAL;
        }
      len = (guint64) (end - start + 1);
    }
  else if (status == SOUP_STATUS_OK && offset != 0)
    {
      g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_SERVER,
                   "the server ignored the Range header and sent the whole resource");
      return TRY_FATAL;
    }
  else if (status != SOUP_STATUS_OK)
    {
      g_autofree char *said = server_says (in);
      g_autofree char *detail = said ? g_strdup_printf (": %s", said) : g_strdup ("");
      int code;

      switch (status)
        {
        case SOUP_STATUS_UNAUTHORIZED:
        case SOUP_STATUS_FORBIDDEN:
          code = SHOAL_RANGE_FETCHER_ERROR_ACCESS_DENIED;
          break;
        case SOUP_STATUS_NOT_FOUND:
          code = SHOAL_RANGE_FETCHER_ERROR_NOT_FOUND;
          break;
        case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE:
          code = SHOAL_RANGE_FETCHER_ERROR_RANGE;
          break;
        default:
          code = SHOAL_RANGE_FETCHER_ERROR_SERVER;
          break;
        }
      g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, code, "HTTP %u %s%s%s", status,
                   soup_status_get_phrase (status), detail,
                   status == SOUP_STATUS_UNAUTHORIZED && self->authorization == NULL
                   ? " (no credentials were given: set the user and password of the "
                     "network access account)" : "");
      return status >= 500 ? TRY_RETRY : TRY_FATAL;
    }

  buf = g_malloc (READ_BUFFER);
  while (*got < len)
    {
      gsize want = (gsize) MIN ((guint64) READ_BUFFER, len - *got);
      gssize n = g_input_stream_read (in, buf, want, cancellable, &local);

      if (n > 0)
        {
          if (!write (offset + *got, buf, (gsize) n, user_data, error))
            return TRY_FATAL;
          *got += (guint64) n;
          continue;
        }
      if (n == 0)
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NETWORK,
                       "%s closed the connection after %" G_GUINT64_FORMAT " of %"
                       G_GUINT64_FORMAT " bytes", self->where, *got, len);
          result = TRY_RETRY;
        }
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_CANCELLED,
                       "cancelled");
          result = TRY_FATAL;
        }
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_STALLED,
                       "no data from %s for %u s", self->where, self->stall);
          result = TRY_STALLED;
        }
      else
        {
          g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_NETWORK,
                       "%s (%s)", local->message, self->where);
          result = TRY_RETRY;
        }
      break;
    }
  /* The stream has to go while the session's context is current (see fetch()). */
  g_input_stream_close (in, NULL, NULL);
  return result;
}

static gboolean
sleep_cancellable (guint         ms,
                   GCancellable *cancellable)
{
  GPollFD pfd;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_poll (&pfd, 1, (int) ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep ((gulong) ms * 1000);
  return !g_cancellable_is_cancelled (cancellable);
}

gboolean
shoal_range_fetcher_fetch (ShoalRangeFetcher   *self,
                           guint64              offset,
                           guint64              len,
                           ShoalRangeWriteFunc  write,
                           gpointer             user_data,
                           GCancellable        *cancellable,
                           GError             **error)
{
  g_autofree char *range = NULL;
  g_autoptr(GError) last = NULL;
  guint64 pos = offset, remaining = len;
  guint attempts = 0, failures = 0;
  gboolean clamped_here = FALSE;
  gboolean ok = FALSE;
  int last_code = SHOAL_RANGE_FETCHER_ERROR_NETWORK;

  g_return_val_if_fail (SHOAL_IS_RANGE_FETCHER (self), FALSE);
  g_return_val_if_fail (write != NULL, FALSE);
  g_return_val_if_fail (len == 0 || offset <= G_MAXUINT64 - len, FALSE);

  self->last_attempts = 0;
  if (len == 0)
    return TRUE;
  range = range_text (offset, len);

  g_mutex_lock (&self->lock);
  for (;;)
    {
      Try t = { self, FALSE, FALSE, FALSE, NULL, 0 };
      g_autoptr(GError) local = NULL;
      guint64 got = 0;
      TryResult r;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (&local, SHOAL_RANGE_FETCHER_ERROR, SHOAL_RANGE_FETCHER_ERROR_CANCELLED,
                       "cancelled");
          g_clear_error (&last);
          last = g_steal_pointer (&local);
          last_code = SHOAL_RANGE_FETCHER_ERROR_CANCELLED;
          break;
        }
      ensure_session (self);
      attempts++;
      g_main_context_push_thread_default (self->context);
      r = try_range (self, &t, pos, remaining, write, user_data, &got, cancellable, &local);
      g_main_context_pop_thread_default (self->context);
      if (t.rcvbuf > 0)
        self->last_rcvbuf = t.rcvbuf;
      g_free (t.peer_fingerprint);
      pos += got;
      remaining -= got;

      if (r == TRY_OK && remaining == 0)
        {
          ok = TRUE;
          break;
        }
      if (r == TRY_OK)
        continue;   /* the server sent part of the range: ask for the rest */
      g_clear_error (&last);
      last_code = local->domain == SHOAL_RANGE_FETCHER_ERROR ? local->code : -1;
      last = g_steal_pointer (&local);
      if (r == TRY_FATAL)
        break;

      failures = got > 0 ? 1 : failures + 1;
      if (r == TRY_STALLED)
        {
          if (!self->clamped)
            {
              self->clamped = TRUE;
              clamped_here = TRUE;
              diagnose (self, "Download stalled after %" G_GUINT64_FORMAT " of %"
                        G_GUINT64_FORMAT " bytes from %s (no data for %u s); retrying with "
                        "TCP window scaling disabled (RFC 7323): the receive buffer is "
                        "clamped to %u KiB before connecting. A middlebox between this "
                        "machine and the server may mishandle scaled windows.", pos - offset,
                        len, self->where, self->stall, self->clamped_rcvbuf / 1024);
              /* The clamped connection gets its chance whatever the count says. */
              failures = MIN (failures, self->max_attempts - 1);
            }
          else
            diagnose (self, "Download stalled again after %" G_GUINT64_FORMAT " of %"
                      G_GUINT64_FORMAT " bytes from %s with the receive window already "
                      "clamped (try %u of %u)", pos - offset, len, self->where, failures,
                      self->max_attempts);
        }
      if (failures >= self->max_attempts)
        break;
      if (!sleep_cancellable (self->retry_delay << (failures > 0 ? MIN (failures - 1, 4u) : 0),
                              cancellable))
        continue;   /* reported as cancelled at the top */
    }
  self->last_attempts = attempts;
  g_mutex_unlock (&self->lock);

  if (ok)
    {
      if (clamped_here || (attempts > 1 && self->clamped))
        diagnose (self, "%s from %s arrived on try %u with the receive window clamped "
                  "(SO_RCVBUF %d bytes as the kernel reports it, window scale 0): TCP window "
                  "scaling was the likely cause of the stall", range, self->where, attempts,
                  self->last_rcvbuf);
      else if (attempts > 1)
        diagnose (self, "%s from %s arrived on try %u", range, self->where, attempts);
      return TRUE;
    }
  if (last_code < 0)
    {
      /* The writer's own error: keep its domain and code, add where it happened. */
      g_propagate_prefixed_error (error, g_steal_pointer (&last), "writing %s of %s: ",
                                  range, self->url);
      return FALSE;
    }
  {
    g_autofree char *tries = attempts > 1 ? g_strdup_printf (" (gave up after %u tries)",
                                                             attempts) : g_strdup ("");

    g_set_error (error, SHOAL_RANGE_FETCHER_ERROR, last_code, "cannot fetch %s of %s: %s%s",
                 range, self->url, last->message, tries);
  }
  return FALSE;
}

typedef struct
{
  guint64  base;
  guint8  *buf;
} IntoData;

static gboolean
write_into (guint64        offset,
            const guint8  *data,
            gsize          len,
            gpointer       user_data,
            GError       **error)
{
  IntoData *d = user_data;

  memcpy (d->buf + (offset - d->base), data, len);
  return TRUE;
}

gboolean
shoal_range_fetcher_fetch_into (ShoalRangeFetcher *self,
                                guint64            offset,
                                guint8            *buf,
                                gsize              len,
                                GCancellable      *cancellable,
                                GError           **error)
{
  IntoData d = { offset, buf };

  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  return shoal_range_fetcher_fetch (self, offset, len, write_into, &d, cancellable, error);
}

gboolean
shoal_range_fetcher_fetch_func (guint64   offset,
                                guint8   *buf,
                                gsize     len,
                                gpointer  user_data,
                                GError  **error)
{
  return shoal_range_fetcher_fetch_into (SHOAL_RANGE_FETCHER (user_data), offset, buf, len,
                                         NULL, error);
}
