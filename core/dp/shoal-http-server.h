/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's HTTP(S) server: a SoupServer with access classes on every
 * handler, and the content routes clients repair from (manifest, stream and files, with
 * Range). */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "shoal-library.h"

G_BEGIN_DECLS

#define SHOAL_HTTP_SERVER_ERROR (shoal_http_server_error_quark ())

typedef enum
{
  SHOAL_HTTP_SERVER_ERROR_LISTEN,    /* bad address, port in use, ... */
  SHOAL_HTTP_SERVER_ERROR_ACCOUNT,   /* the account's password file is unusable */
} ShoalHttpServerError;

/* Who may call a handler.
 * PUBLIC: anyone.
 * CONTENT: content and keys; anyone in anonymous mode, else HTTP Basic with the network
 *   access account (or the admin's Bearer token).
 * ADMIN: always "Authorization: Bearer TOKEN" with the admin token. */
typedef enum
{
  SHOAL_ACCESS_PUBLIC,
  SHOAL_ACCESS_CONTENT,
  SHOAL_ACCESS_ADMIN,
} ShoalAccess;

#define SHOAL_TYPE_HTTP_SERVER (shoal_http_server_get_type ())
G_DECLARE_FINAL_TYPE (ShoalHttpServer, shoal_http_server, SHOAL, HTTP_SERVER, GObject)

GQuark           shoal_http_server_error_quark      (void);

/* Serves @library's packages under /packages/ (CONTENT access):
 *   GET|HEAD /packages/NAME/manifest      the cached manifest.json, byte for byte
 *   GET|HEAD /packages/NAME/stream        the package byte stream
 *   GET|HEAD /packages/NAME/files/PATH    one file (PATH percent-encoded per segment)
 * Stream and files honour one Range (bytes=a-b, a-, -n; If-Range with the ETag). Several
 * ranges in one request get 416, as do unsatisfiable or malformed ones, with a Content-Range
 * that gives the size: a repair client asks one range at a time, and answering 200 with a
 * whole image instead would be worse. A Range in another unit than bytes is ignored. Bodies
 * are read in 256 KiB chunks on a worker thread, never whole. Errors are JSON:
 * {"error": "..."}. Broken packages get 409, multicast-only ones 403 for stream and files. */
ShoalHttpServer *shoal_http_server_new              (ShoalLibrary      *library);
SoupServer      *shoal_http_server_get_soup_server  (ShoalHttpServer   *self);

/* Serve HTTPS with @certificate (NULL: plain HTTP). Call before listening. */
void             shoal_http_server_set_tls_certificate (ShoalHttpServer *self,
                                                     GTlsCertificate   *certificate);
/* Anonymous mode: CONTENT handlers are open to anyone (the default). */
void             shoal_http_server_set_anonymous    (ShoalHttpServer   *self);
/* Authenticated mode: CONTENT needs HTTP Basic as @user with the password in
 * @password_file (one line; a trailing newline is ignored; the file must not be readable by
 * group or others). */
gboolean         shoal_http_server_set_account      (ShoalHttpServer   *self,
                                                     const char        *user,
                                                     const char        *password_file,
                                                     GError           **error);
void             shoal_http_server_set_account_password (ShoalHttpServer *self,
                                                     const char        *user,
                                                     const char        *password);
gboolean         shoal_http_server_get_anonymous    (ShoalHttpServer   *self);
/* NULL: ADMIN handlers answer 403. */
void             shoal_http_server_set_admin_token  (ShoalHttpServer   *self,
                                                     const char        *token);

/* Listens on @address (NULL or "*": every address, IPv4 and IPv6) and @port (0: any free
 * one; see get_port). May be called more than once. */
gboolean         shoal_http_server_listen           (ShoalHttpServer   *self,
                                                     const char        *address,
                                                     guint              port,
                                                     GError           **error);
guint            shoal_http_server_get_port         (ShoalHttpServer   *self);
/* "http[s]://ADDRESS:PORT" of the first listening socket. */
char            *shoal_http_server_dup_url          (ShoalHttpServer   *self);
void             shoal_http_server_disconnect       (ShoalHttpServer   *self);

/* Adds @callback for @path (and everything under it, as soup_server_add_handler does),
 * called only once the request has passed @access. */
void             shoal_http_server_add_handler      (ShoalHttpServer   *self,
                                                     const char        *path,
                                                     ShoalAccess        access,
                                                     SoupServerCallback callback,
                                                     gpointer           user_data,
                                                     GDestroyNotify     destroy);
void             shoal_http_server_remove_handler   (ShoalHttpServer   *self,
                                                     const char        *path);
/* TRUE if @msg may use a handler of class @access; otherwise answers it (401 with
 * WWW-Authenticate, or 403) and returns FALSE. Passwords and tokens are compared in
 * constant time. */
gboolean         shoal_http_server_check_access     (ShoalHttpServer   *self,
                                                     SoupServerMessage *msg,
                                                     ShoalAccess        access);

/* Answers {"error": MESSAGE} with @status. */
void             shoal_http_reply_error             (SoupServerMessage *msg,
                                                     guint              status,
                                                     const char        *format,
                                                     ...) G_GNUC_PRINTF (3, 4);
void             shoal_http_reply_json              (SoupServerMessage *msg,
                                                     guint              status,
                                                     JsonNode          *node);

G_END_DECLS
