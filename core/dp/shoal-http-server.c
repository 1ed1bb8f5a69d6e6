/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalHttpServer: access control for every handler, and the content routes, whose bodies
 * are read from the library on a worker thread and streamed in bounded chunks. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "shoal-crypto.h"
#include "shoal-http-server.h"
#include "shoal-json-file.h"
#include "shoal-password.h"

#define CHUNK_SIZE       (256u << 10)
#define MAX_QUEUED       2            /* chunks read ahead of the socket */
#define MAX_PASSWORD     4096

struct _ShoalHttpServer
{
  GObject       parent_instance;

  SoupServer   *soup;
  ShoalLibrary *library;
  gboolean      anonymous;
  char         *user;
  char         *password;     /* the password, or its salted hash (shoal-password.h) */
  guint8        verified[32]; /* SHA-256 of the last credential that matched the hash */
  gboolean      have_verified;
  char         *admin_token;
  gboolean      tls;
};

G_DEFINE_FINAL_TYPE (ShoalHttpServer, shoal_http_server, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-http-server-error-quark, shoal_http_server_error)

static void handle_packages (SoupServer        *server,
                             SoupServerMessage *msg,
                             const char        *path,
                             GHashTable        *query,
                             gpointer           user_data);

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
shoal_http_server_dispose (GObject *object)
{
  ShoalHttpServer *self = SHOAL_HTTP_SERVER (object);

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->library);
  G_OBJECT_CLASS (shoal_http_server_parent_class)->dispose (object);
}

static void
shoal_http_server_finalize (GObject *object)
{
  ShoalHttpServer *self = SHOAL_HTTP_SERVER (object);

  g_free (self->user);
  clear_secret (&self->password);
  clear_secret (&self->admin_token);
  G_OBJECT_CLASS (shoal_http_server_parent_class)->finalize (object);
}

enum { SIGNAL_CONTENT_SERVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
shoal_http_server_class_init (ShoalHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_http_server_dispose;
  object_class->finalize = shoal_http_server_finalize;

  /* (package, remote address, bytes): a response of package content (stream or file,
   * whole or a range) is over, having written that many body bytes to the network. */
  signals[SIGNAL_CONTENT_SERVED] =
    g_signal_new ("content-served", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64);
}

static void
request_finished (SoupServer        *server,
                  SoupServerMessage *msg,
                  gpointer           user_data)
{
  g_debug ("HTTP %s %s from %s: %u", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)),
           soup_server_message_get_remote_host (msg), soup_server_message_get_status (msg));
}

static void
shoal_http_server_init (ShoalHttpServer *self)
{
  self->anonymous = TRUE;
  self->soup = soup_server_new ("server-header", "shoal/" PACKAGE_VERSION " ", NULL);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_finished), self);
}

ShoalHttpServer *
shoal_http_server_new (ShoalLibrary *library)
{
  ShoalHttpServer *self;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (library), NULL);

  self = g_object_new (SHOAL_TYPE_HTTP_SERVER, NULL);
  self->library = g_object_ref (library);
  shoal_http_server_add_handler (self, "/packages", SHOAL_ACCESS_CONTENT, handle_packages,
                                 self, NULL);
  return self;
}

SoupServer *
shoal_http_server_get_soup_server (ShoalHttpServer *self)
{
  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), NULL);
  return self->soup;
}

void
shoal_http_server_set_tls_certificate (ShoalHttpServer *self,
                                       GTlsCertificate *certificate)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_object_set (self->soup, "tls-certificate", certificate, NULL);
  self->tls = certificate != NULL;
}

void
shoal_http_server_set_anonymous (ShoalHttpServer *self)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));

  self->anonymous = TRUE;
  g_clear_pointer (&self->user, g_free);
  clear_secret (&self->password);
  self->have_verified = FALSE;
}

void
shoal_http_server_set_account_password (ShoalHttpServer *self,
                                        const char      *user,
                                        const char      *password)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));
  g_return_if_fail (user != NULL && password != NULL);

  self->anonymous = FALSE;
  g_free (self->user);
  self->user = g_strdup (user);
  clear_secret (&self->password);
  self->password = g_strdup (password);
  self->have_verified = FALSE;
}

gboolean
shoal_http_server_set_account (ShoalHttpServer *self,
                               const char      *user,
                               const char      *password_file,
                               GError         **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize len;

  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (user != NULL && password_file != NULL, FALSE);

  if (user[0] == '\0' || strchr (user, ':') != NULL)
    {
      g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_ACCOUNT,
                   "network access account \"%s\": a user name must be non-empty and have "
                   "no ':'", user);
      return FALSE;
    }
  if (!shoal_json_file_read_secret (password_file, MAX_PASSWORD, &contents, &len, &local))
    {
      g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_ACCOUNT,
                   "password of the network access account %s: %s", user, local->message);
      return FALSE;
    }
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';
  if (len == 0 || strlen (contents) != len)
    {
      g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_ACCOUNT,
                   "password of the network access account %s: %s is empty or holds a NUL "
                   "byte", user, password_file);
      explicit_bzero (contents, len);
      g_free (contents);
      return FALSE;
    }
  shoal_http_server_set_account_password (self, user, contents);
  explicit_bzero (contents, len);
  g_free (contents);
  return TRUE;
}

gboolean
shoal_http_server_get_anonymous (ShoalHttpServer *self)
{
  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), TRUE);
  return self->anonymous;
}

void
shoal_http_server_set_admin_token (ShoalHttpServer *self,
                                   const char      *token)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));

  clear_secret (&self->admin_token);
  self->admin_token = token && *token ? g_strdup (token) : NULL;
}

gboolean
shoal_http_server_listen (ShoalHttpServer *self,
                          const char      *address,
                          guint            port,
                          GError         **error)
{
  SoupServerListenOptions options = self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0;
  g_autoptr(GError) local = NULL;
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), FALSE);

  if (port > 65535)
    {
      g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_LISTEN,
                   "cannot listen on port %u: ports go up to 65535", port);
      return FALSE;
    }
  if (address == NULL || strcmp (address, "*") == 0)
    ok = soup_server_listen_all (self->soup, port, options, &local);
  else if (strcmp (address, "localhost") == 0)
    ok = soup_server_listen_local (self->soup, port, options, &local);
  else
    {
      g_autoptr(GInetAddress) ia = g_inet_address_new_from_string (address);
      g_autoptr(GSocketAddress) sa = NULL;

      if (ia == NULL)
        {
          g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_LISTEN,
                       "cannot listen on \"%s\": not an IP address (use \"*\" for all)",
                       address);
          return FALSE;
        }
      sa = g_inet_socket_address_new (ia, (guint16) port);
      ok = soup_server_listen (self->soup, sa, options, &local);
    }
  if (!ok)
    {
      g_set_error (error, SHOAL_HTTP_SERVER_ERROR, SHOAL_HTTP_SERVER_ERROR_LISTEN,
                   "cannot listen on %s port %u: %s", address ? address : "all addresses",
                   port, local->message);
      return FALSE;
    }
  return TRUE;
}

guint
shoal_http_server_get_port (ShoalHttpServer *self)
{
  GSList *uris;
  guint port = 0;

  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), 0);

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

char *
shoal_http_server_dup_url (ShoalHttpServer *self)
{
  GSList *uris;
  char *url = NULL;

  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), NULL);

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    {
      GUri *u = uris->data;
      const char *host = g_uri_get_host (u);

      url = g_strdup_printf (strchr (host, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
                             g_uri_get_scheme (u), host, g_uri_get_port (u));
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

void
shoal_http_server_disconnect (ShoalHttpServer *self)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));
  soup_server_disconnect (self->soup);
}

/* ---- replies ---------------------------------------------------------------------------- */

void
shoal_http_reply_json (SoupServerMessage *msg,
                       guint              status,
                       JsonNode          *node)
{
  gsize len;
  char *text;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  text = json_to_string (node, TRUE);
  len = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

void
shoal_http_reply_error (SoupServerMessage *msg,
                        guint              status,
                        const char        *format,
                        ...)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = NULL;
  va_list args;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  shoal_http_reply_json (msg, status, node);
}

/* ---- access ----------------------------------------------------------------------------- */

/* Compares digests so that neither the content nor the length of the secret leaks through
 * timing. */
static gboolean
secret_equal (const char *given,
              gsize       given_len,
              const char *expected)
{
  guint8 a[SHOAL_SHA256_LEN], b[SHOAL_SHA256_LEN];
  guint8 diff = 0;

  shoal_sha256 (given, given_len, a);
  shoal_sha256 (expected, strlen (expected), b);
  for (gsize i = 0; i < sizeof a; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

/* The credentials after "SCHEME " in the Authorization header, or NULL. */
static const char *
auth_param (SoupServerMessage *msg,
            const char        *scheme)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  gsize n = strlen (scheme);

  if (auth == NULL || g_ascii_strncasecmp (auth, scheme, n) != 0 || auth[n] != ' ')
    return NULL;
  auth += n;
  while (*auth == ' ')
    auth++;
  return auth;
}

static gboolean
bearer_ok (ShoalHttpServer   *self,
           SoupServerMessage *msg)
{
  const char *token = auth_param (msg, "Bearer");

  return token != NULL && self->admin_token != NULL &&
         secret_equal (token, strlen (token), self->admin_token);
}

static gboolean
basic_ok (ShoalHttpServer   *self,
          SoupServerMessage *msg)
{
  const char *param = auth_param (msg, "Basic");
  g_autofree guchar *decoded = NULL;
  gboolean user_ok, password_ok;
  const char *colon;
  gsize len;

  if (param == NULL || self->user == NULL || self->password == NULL)
    return FALSE;
  decoded = g_base64_decode (param, &len);
  if (decoded == NULL || len == 0)
    return FALSE;
  colon = memchr (decoded, ':', len);
  if (colon == NULL)
    {
      explicit_bzero (decoded, len);
      return FALSE;
    }
  user_ok = secret_equal ((const char *) decoded, (gsize) (colon - (const char *) decoded),
                          self->user);
  if (shoal_password_is_hash (self->password))
    {
      /* PBKDF2 is slow on purpose: a credential that matched once is then recognised by
       * its SHA-256, so a client's many repair requests do not pay for it again. */
      guint8 digest[SHOAL_SHA256_LEN];
      guint8 diff = 0;

      shoal_sha256 (decoded, len, digest);
      for (gsize i = 0; i < sizeof digest; i++)
        diff |= digest[i] ^ self->verified[i];
      password_ok = self->have_verified && diff == 0;
      if (!password_ok && user_ok)
        {
          password_ok = shoal_password_verify (self->password, colon + 1,
                                               len - (gsize) (colon + 1 - (const char *) decoded));
          if (password_ok)
            {
              memcpy (self->verified, digest, sizeof digest);
              self->have_verified = TRUE;
            }
        }
    }
  else
    password_ok = secret_equal (colon + 1, len - (gsize) (colon + 1 - (const char *) decoded),
                                self->password);
  explicit_bzero (decoded, len);
  return user_ok & password_ok;
}

gboolean
shoal_http_server_check_access (ShoalHttpServer   *self,
                                SoupServerMessage *msg,
                                ShoalAccess        access)
{
  SoupMessageHeaders *headers;
  gboolean offered;

  g_return_val_if_fail (SHOAL_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), FALSE);

  headers = soup_server_message_get_response_headers (msg);
  offered = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                          "Authorization") != NULL;
  switch (access)
    {
    case SHOAL_ACCESS_PUBLIC:
      return TRUE;

    case SHOAL_ACCESS_CONTENT:
      if (self->anonymous || basic_ok (self, msg) || bearer_ok (self, msg))
        return TRUE;
      soup_message_headers_replace (headers, "WWW-Authenticate",
                                    "Basic realm=\"Shoal\", charset=\"UTF-8\"");
      if (!offered)
        shoal_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED,
                                "%s needs the network access account (HTTP Basic): this "
                                "distribution point does not allow anonymous access",
                                g_uri_get_path (soup_server_message_get_uri (msg)));
      else
        shoal_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED,
                                "%s: wrong user name or password for the network access "
                                "account", g_uri_get_path (soup_server_message_get_uri (msg)));
      return FALSE;

    case SHOAL_ACCESS_ADMIN:
      if (self->admin_token == NULL)
        {
          shoal_http_reply_error (msg, SOUP_STATUS_FORBIDDEN,
                                  "%s: the admin API is disabled (no admin token is set)",
                                  g_uri_get_path (soup_server_message_get_uri (msg)));
          return FALSE;
        }
      if (bearer_ok (self, msg))
        return TRUE;
      soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"Shoal admin\"");
      shoal_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED,
                              auth_param (msg, "Bearer") == NULL
                              ? "%s needs the admin token (Authorization: Bearer TOKEN)"
                              : "%s: wrong admin token",
                              g_uri_get_path (soup_server_message_get_uri (msg)));
      return FALSE;

    default:
      g_return_val_if_reached (FALSE);
    }
}

typedef struct
{
  ShoalHttpServer    *server;        /* not a reference: the server owns the SoupServer */
  ShoalAccess         access;
  SoupServerCallback  callback;
  gpointer            user_data;
  GDestroyNotify      destroy;
} Handler;

static void
handler_free (gpointer data)
{
  Handler *h = data;

  if (h->destroy)
    h->destroy (h->user_data);
  g_free (h);
}

static void
dispatch (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Handler *h = user_data;

  if (!shoal_http_server_check_access (h->server, msg, h->access))
    return;
  h->callback (server, msg, path, query, h->user_data);
}

void
shoal_http_server_add_handler (ShoalHttpServer    *self,
                               const char         *path,
                               ShoalAccess         access,
                               SoupServerCallback  callback,
                               gpointer            user_data,
                               GDestroyNotify      destroy)
{
  Handler *h;

  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));
  g_return_if_fail (path != NULL && callback != NULL);

  h = g_new0 (Handler, 1);
  h->server = self;
  h->access = access;
  h->callback = callback;
  h->user_data = user_data;
  h->destroy = destroy;
  soup_server_add_handler (self->soup, path, dispatch, h, handler_free);
}

void
shoal_http_server_remove_handler (ShoalHttpServer *self,
                                  const char      *path)
{
  g_return_if_fail (SHOAL_IS_HTTP_SERVER (self));
  soup_server_remove_handler (self->soup, path);
}

/* ---- ranges ----------------------------------------------------------------------------- */

typedef enum
{
  RANGE_NONE,       /* serve everything */
  RANGE_ONE,
  RANGE_BAD,        /* 416 */
} RangeResult;

static gboolean
parse_u64 (const char  *s,
           const char **end,
           guint64     *out)
{
  guint64 v = 0;
  const char *p = s;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      guint d = (guint) (*p - '0');

      if (v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *end = p;
  *out = v;
  return TRUE;
}

static RangeResult
parse_range (const char  *header,
             guint64      size,
             guint64     *first,
             guint64     *last,
             char       **why)
{
  const char *p;
  guint64 a, b;

  if (header == NULL)
    return RANGE_NONE;
  while (*header == ' ')
    header++;
  if (g_ascii_strncasecmp (header, "bytes", 5) != 0)
    return RANGE_NONE;
  p = header + 5;
  while (*p == ' ')
    p++;
  if (*p != '=')
    return RANGE_NONE;
  p++;
  while (*p == ' ')
    p++;
  if (strchr (p, ',') != NULL)
    {
      *why = g_strdup ("several ranges in one request are not supported: ask for one range "
                       "at a time");
      return RANGE_BAD;
    }
  if (*p == '-')
    {
      if (!parse_u64 (p + 1, &p, &b) || (*p != '\0' && *p != ' '))
        goto malformed;
      if (b == 0 || size == 0)
        {
          *why = g_strdup_printf ("range \"%s\" asks for no bytes of %" G_GUINT64_FORMAT,
                                  header, size);
          return RANGE_BAD;
        }
      *first = size > b ? size - b : 0;
      *last = size - 1;
      return RANGE_ONE;
    }
  if (!parse_u64 (p, &p, &a) || *p != '-')
    goto malformed;
  p++;
  if (*p == '\0' || *p == ' ')
    b = G_MAXUINT64;
  else if (!parse_u64 (p, &p, &b) || (*p != '\0' && *p != ' '))
    goto malformed;
  if (b < a)
    {
      *why = g_strdup_printf ("range \"%s\" ends before it starts", header);
      return RANGE_BAD;
    }
  if (a >= size)
    {
      *why = g_strdup_printf ("range \"%s\" starts at or past the end (%" G_GUINT64_FORMAT
                              " bytes)", header, size);
      return RANGE_BAD;
    }
  *first = a;
  *last = MIN (b, size - 1);
  return RANGE_ONE;

malformed:
  *why = g_strdup_printf ("malformed range \"%s\" (expected bytes=FIRST-LAST, FIRST- or "
                          "-SUFFIX)", header);
  return RANGE_BAD;
}

/* ---- streamed bodies -------------------------------------------------------------------- */

typedef struct
{
  ShoalPackage      *package;
  SoupServerMessage *msg;
  guint              status;       /* 200 or 206, set once the first chunk is read */
  guint64            pos;          /* next stream offset to read */
  guint64            end;          /* exclusive */
  guint              queued;       /* chunks appended, not yet written */
  gboolean           reading;
  gboolean           started;
  gboolean           finished;
  gulong             wrote_id;
  gulong             finished_id;
} Body;

typedef struct
{
  ShoalPackage *package;
  guint64       offset;
  gsize         len;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  g_object_unref (job->package);
  g_free (job);
}

static void
body_free (Body *body)
{
  g_object_unref (body->package);
  g_object_unref (body->msg);
  g_free (body);
}

static void
read_chunk_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ReadJob *job = task_data;
  guint8 *buf = g_malloc (job->len);
  GError *error = NULL;

  if (!shoal_package_read (job->package, job->offset, buf, job->len, &error))
    {
      g_free (buf);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_bytes_new_take (buf, job->len), (GDestroyNotify) g_bytes_unref);
}

static void body_read_done (GObject *source, GAsyncResult *result, gpointer user_data);

static void
body_start_read (Body *body)
{
  g_autoptr(GTask) task = NULL;
  ReadJob *job;

  g_assert (!body->reading && body->pos < body->end);
  job = g_new0 (ReadJob, 1);
  job->package = g_object_ref (body->package);
  job->offset = body->pos;
  job->len = (gsize) MIN ((guint64) CHUNK_SIZE, body->end - body->pos);
  body->pos += job->len;
  body->reading = TRUE;
  task = g_task_new (NULL, NULL, body_read_done, body);
  g_task_set_task_data (task, job, (GDestroyNotify) read_job_free);
  g_task_run_in_thread (task, read_chunk_thread);
}

static void
body_detach (Body *body)
{
  g_clear_signal_handler (&body->wrote_id, body->msg);
  g_clear_signal_handler (&body->finished_id, body->msg);
}

static void
body_wrote_chunk (SoupServerMessage *msg,
                  Body              *body)
{
  if (body->queued > 0)
    body->queued--;
  if (!body->reading && body->pos < body->end && body->queued < MAX_QUEUED)
    body_start_read (body);
}

static void
body_finished (SoupServerMessage *msg,
               Body              *body)
{
  body->finished = TRUE;
  body_detach (body);
  if (!body->reading)
    body_free (body);
}

static void
body_read_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Body *body = user_data;
  SoupMessageBody *out = soup_server_message_get_response_body (body->msg);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;

  body->reading = FALSE;
  chunk = g_task_propagate_pointer (G_TASK (result), &error);
  if (body->finished)
    {
      body_free (body);
      return;
    }
  if (chunk == NULL)
    {
      g_warning ("HTTP %s: %s", g_uri_get_path (soup_server_message_get_uri (body->msg)),
                 error->message);
      if (!body->started)
        {
          SoupMessageHeaders *h = soup_server_message_get_response_headers (body->msg);

          soup_message_headers_remove (h, "Content-Range");
          soup_message_headers_remove (h, "ETag");
          soup_message_headers_remove (h, "Accept-Ranges");
          soup_message_body_set_accumulate (out, TRUE);
          shoal_http_reply_error (body->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s",
                                  error->message);
          /* Removing the header would leave libsoup with an EOF-terminated body on a
           * kept-alive connection: replace the length instead. */
          soup_message_headers_set_content_length (h, (goffset) out->length);
        }
      else
        {
          /* Headers are gone: the only way to tell the client is to cut the connection,
           * which its Content-Length check turns into an error and a retry. */
          GSocket *socket = soup_server_message_get_socket (body->msg);

          if (socket != NULL)
            g_socket_shutdown (socket, TRUE, TRUE, NULL);
          soup_message_body_complete (out);
        }
      body_detach (body);
      soup_server_message_unpause (body->msg);
      body_free (body);
      return;
    }

  if (!body->started)
    {
      body->started = TRUE;
      soup_server_message_set_status (body->msg, body->status, NULL);
    }
  soup_message_body_append_bytes (out, chunk);
  body->queued++;
  if (body->pos == body->end)
    soup_message_body_complete (out);
  soup_server_message_unpause (body->msg);
  if (!body->reading && body->pos < body->end && body->queued < MAX_QUEUED)
    body_start_read (body);
}

/* Answers @msg with bytes [@offset, @offset + @len) of the package stream: the whole
 * resource of @size bytes starting at @base, or the range the request asks for. */
static void
serve_range (SoupServerMessage *msg,
             ShoalPackage      *package,
             guint64            base,
             guint64            size,
             const char        *what)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  const char *etag = shoal_package_get_etag (package);
  const char *range = soup_message_headers_get_one (req, "Range");
  const char *if_range = soup_message_headers_get_one (req, "If-Range");
  g_autofree char *why = NULL;
  guint64 first = 0, last = size ? size - 1 : 0;
  RangeResult r;
  Body *body;
  guint status = SOUP_STATUS_OK;

  soup_message_headers_replace (resp, "Accept-Ranges", "bytes");
  soup_message_headers_replace (resp, "ETag", etag);

  /* A range of a different version of the content would corrupt the client's copy. */
  if (range != NULL && if_range != NULL && strcmp (if_range, etag) != 0)
    range = NULL;
  r = parse_range (range, size, &first, &last, &why);
  if (r == RANGE_BAD)
    {
      g_autofree char *cr = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);

      soup_message_headers_replace (resp, "Content-Range", cr);
      shoal_http_reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                              "%s: %s", what, why);
      return;
    }
  if (r == RANGE_ONE)
    {
      g_autofree char *cr = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                                             "/%" G_GUINT64_FORMAT, first, last, size);

      soup_message_headers_replace (resp, "Content-Range", cr);
      status = SOUP_STATUS_PARTIAL_CONTENT;
    }

  soup_message_headers_set_content_type (resp, "application/octet-stream", NULL);
  soup_message_headers_set_encoding (resp, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (resp, size ? last - first + 1 : 0);
  if (size == 0 || strcmp (soup_server_message_get_method (msg), SOUP_METHOD_HEAD) == 0)
    {
      soup_server_message_set_status (msg, status, NULL);
      return;
    }

  body = g_new0 (Body, 1);
  body->package = g_object_ref (package);
  body->msg = g_object_ref (msg);
  body->status = status;
  body->pos = base + first;
  body->end = base + last + 1;
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  body->wrote_id = g_signal_connect (msg, "wrote-chunk", G_CALLBACK (body_wrote_chunk), body);
  body->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (body_finished), body);
  /* Headers wait for the first chunk, so that a read error can still become a 500. */
  soup_server_message_pause (msg);
  body_start_read (body);
}

/* ---- /packages/ ------------------------------------------------------------------------- */

/* What one content response wrote, for the "content-served" signal: reports count the HTTP
 * repair each client got. */
typedef struct
{
  ShoalHttpServer *server;
  char            *package;
  guint64          bytes;
} Served;

static void
served_wrote (SoupServerMessage *msg, guint chunk_size, Served *served)
{
  served->bytes += chunk_size;
}

static void
served_finished (SoupServerMessage *msg, Served *served)
{
  guint status = soup_server_message_get_status (msg);
  const char *address = soup_server_message_get_remote_host (msg);

  if (served->bytes > 0 && address != NULL
      && (status == SOUP_STATUS_OK || status == SOUP_STATUS_PARTIAL_CONTENT))
    g_signal_emit (served->server, signals[SIGNAL_CONTENT_SERVED], 0, served->package, address,
                   served->bytes);
}

static void
served_free (gpointer data, GClosure *closure)
{
  Served *served = data;

  g_object_unref (served->server);
  g_free (served->package);
  g_free (served);
}

static void
watch_served (ShoalHttpServer *self, SoupServerMessage *msg, const char *package)
{
  Served *served = g_new0 (Served, 1);

  served->server = g_object_ref (self);
  served->package = g_strdup (package);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (served_wrote), served);
  g_signal_connect_data (msg, "finished", G_CALLBACK (served_finished), served, served_free,
                         0);
}

/* Splits the still-encoded path after "/packages/" into decoded segments, refusing what
 * could name something else than a package file: "..", ".", empty segments, encoded
 * slashes, NUL, backslashes, control characters. */
static GStrv
split_path (const char  *raw,
            char       **why)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_prefix (raw, "/packages/"))
    {
      *why = g_strdup ("expected /packages/NAME/...");
      return NULL;
    }
  parts = g_strsplit (raw + strlen ("/packages/"), "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *seg = g_uri_unescape_segment (parts[i], NULL, "/");

      if (seg == NULL)
        {
          *why = g_strdup_printf ("path segment \"%s\" has a bad escape, an encoded '/' or a "
                                  "NUL", parts[i]);
          return NULL;
        }
      if (seg[0] == '\0' || strcmp (seg, ".") == 0 || strcmp (seg, "..") == 0)
        {
          *why = g_strdup_printf ("path segment \"%s\" is empty, \".\" or \"..\"", parts[i]);
          return NULL;
        }
      for (const char *p = seg; *p; p++)
        if (*p == '\\' || (guchar) *p < 0x20 || *p == 0x7f)
          {
            *why = g_strdup_printf ("path segment \"%s\" has a backslash or a control "
                                    "character", parts[i]);
            return NULL;
          }
      g_strv_builder_add (b, seg);
    }
  return g_strv_builder_end (b);
}

static void
handle_packages (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  ShoalHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *raw = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autofree char *why = NULL;
  g_auto(GStrv) segs = NULL;
  ShoalPackage *package;
  ShoalManifest *manifest;
  guint n;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "GET, HEAD");
      shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                              "%s: only GET and HEAD are allowed here", raw);
      return;
    }
  segs = split_path (raw, &why);
  if (segs == NULL)
    {
      shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "bad path %s: %s", raw, why);
      return;
    }
  n = g_strv_length (segs);
  if (n < 2 || (n > 2 && strcmp (segs[1], "files") != 0) ||
      (n == 2 && strcmp (segs[1], "manifest") != 0 && strcmp (segs[1], "stream") != 0))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource %s (expected "
                              "/packages/NAME/manifest, /packages/NAME/stream or "
                              "/packages/NAME/files/PATH)", raw);
      return;
    }
  if (!shoal_package_name_is_valid (segs[0]))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "\"%s\" is not a valid package "
                              "name", segs[0]);
      return;
    }
  package = shoal_library_lookup (self->library, segs[0]);
  if (package == NULL)
    {
      shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no package named \"%s\"", segs[0]);
      return;
    }
  if (strcmp (shoal_package_get_state (package), SHOAL_PACKAGE_STATE_BROKEN) == 0)
    {
      shoal_http_reply_error (msg, SOUP_STATUS_CONFLICT, "package %s is not served: %s",
                              segs[0], shoal_package_get_state_message (package));
      return;
    }
  manifest = shoal_package_get_manifest (package);

  if (strcmp (segs[1], "manifest") == 0)
    {
      GBytes *json = shoal_package_get_manifest_bytes (package);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag",
                                    shoal_package_get_etag (package));
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/json", NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), json);
      return;
    }
  if (shoal_package_get_multicast_only (package))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "package %s is multicast-only: its "
                              "content is not served over HTTP", segs[0]);
      return;
    }
  watch_served (self, msg, segs[0]);
  if (strcmp (segs[1], "stream") == 0)
    {
      g_autofree char *what = g_strdup_printf ("package %s stream", segs[0]);

      serve_range (msg, package, 0, shoal_manifest_get_total_size (manifest), what);
      return;
    }
  {
    g_autofree char *file = g_strjoinv ("/", segs + 2);
    g_autofree char *what = NULL;
    const ShoalManifestFile *f;
    int index = shoal_manifest_lookup_path (manifest, file);

    if (index < 0)
      {
        shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "package %s has no file \"%s\"",
                                segs[0], file);
        return;
      }
    f = shoal_manifest_get_file (manifest, (guint) index);
    what = g_strdup_printf ("package %s file %s", segs[0], f->path);
    serve_range (msg, package, f->offset, f->size, what);
  }
}
