/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A client of a distribution point's REST API: shoalctl's and the console's way to a remote
 * shoald. Synchronous; errors name the URL and carry the server's own message. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SHOAL_REST_ERROR (shoal_rest_error_quark ())

typedef enum
{
  SHOAL_REST_ERROR_UNREACHABLE,   /* connection refused, timeout, TLS failure */
  SHOAL_REST_ERROR_UNAUTHORIZED,  /* 401/403: no or wrong admin token */
  SHOAL_REST_ERROR_NOT_FOUND,     /* 404 */
  SHOAL_REST_ERROR_REJECTED,      /* other 4xx: the server's message says why */
  SHOAL_REST_ERROR_SERVER,        /* 5xx */
  SHOAL_REST_ERROR_BAD_RESPONSE,  /* not the JSON we expected */
} ShoalRestError;

typedef struct _ShoalRestClient ShoalRestClient;

GQuark           shoal_rest_error_quark   (void);
ShoalRestClient *shoal_rest_client_new    (const char       *base_url,
                                           const char       *token,
                                           const char       *tls_pin);
void             shoal_rest_client_free   (ShoalRestClient  *client);
JsonNode        *shoal_rest_client_call   (ShoalRestClient  *client,
                                           const char       *method,
                                           const char       *path,
                                           JsonNode         *body,
                                           GError          **error);
GBytes          *shoal_rest_client_get_raw (ShoalRestClient *client,
                                           const char       *path,
                                           char            **content_type,
                                           GError          **error);
const char      *shoal_rest_client_get_tls_seen (ShoalRestClient *client);
/* Names the caller in the distribution point's audit log ("console"); NULL: the token. */
void             shoal_rest_client_set_actor (ShoalRestClient *client,
                                           const char       *actor);
char            *shoal_rest_read_token    (const char       *token_file,
                                           GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalRestClient, shoal_rest_client_free)

G_END_DECLS
