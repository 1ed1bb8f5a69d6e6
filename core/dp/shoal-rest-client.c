/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A client of a distribution point's REST API. TLS: a certificate the system trusts, or one
 * whose SHA-256 matches the pin; without a pin the first certificate seen is accepted and
 * reported (shoal_rest_client_get_tls_seen) so the caller can remember it. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "shoal-json-file.h"
#include "shoal-tls.h"
#include "shoal-rest-client.h"

G_DEFINE_QUARK (shoal-rest-error-quark, shoal_rest_error)

struct _ShoalRestClient
{
  char        *base;
  char        *token;
  char        *pin;
  char        *seen;
  char        *actor;
  SoupSession *session;
};

ShoalRestClient *
shoal_rest_client_new (const char *base_url,
                       const char *token,
                       const char *tls_pin)
{
  ShoalRestClient *c = g_new0 (ShoalRestClient, 1);

  c->base = g_strdup (base_url);
  while (g_str_has_suffix (c->base, "/"))
    c->base[strlen (c->base) - 1] = '\0';
  c->token = g_strdup (token);
  c->pin = g_strdup (tls_pin);
  c->session = soup_session_new_with_options ("timeout", 30, "user-agent",
                                              "shoal/" PACKAGE_VERSION, NULL);
  return c;
}

void
shoal_rest_client_free (ShoalRestClient *c)
{
  if (c == NULL)
    return;
  g_free (c->base);
  g_free (c->token);
  g_free (c->pin);
  g_free (c->seen);
  g_free (c->actor);
  g_clear_object (&c->session);
  g_free (c);
}

const char *
shoal_rest_client_get_tls_seen (ShoalRestClient *c)
{
  return c->seen;
}

void
shoal_rest_client_set_actor (ShoalRestClient *c,
                             const char      *actor)
{
  g_free (c->actor);
  c->actor = g_strdup (actor);
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  ShoalRestClient *c = data;
  g_free (c->seen);
  c->seen = shoal_tls_certificate_fingerprint (cert);
  return c->pin == NULL || g_ascii_strcasecmp (c->pin, c->seen) == 0;
}

static SoupMessage *
make_message (ShoalRestClient *c, const char *method, const char *path, GError **error)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  if (msg == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE,
                   "\"%s\" is not a valid URL", url);
      return NULL;
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), c);
  if (c->token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
    }
  if (c->actor != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Shoal-Actor",
                                  c->actor);
  return msg;
}

static char *
server_message (GBytes *body)
{
  g_autoptr(JsonParser) p = json_parser_new ();

  if (body != NULL && json_parser_load_from_data (p, g_bytes_get_data (body, NULL),
                                                  g_bytes_get_size (body), NULL)
      && json_parser_get_root (p) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    {
      JsonObject *o = json_node_get_object (json_parser_get_root (p));
      if (json_object_has_member (o, "error"))
        return g_strdup (json_object_get_string_member (o, "error"));
    }
  return g_strdup ("no reason given");
}

static GBytes *
send (ShoalRestClient *c, SoupMessage *msg, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (msg));
  GBytes *body = soup_session_send_and_read (c->session, msg, NULL, &local);
  guint status;

  if (body == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE,
                   "%s: %s%s", url, local->message,
                   c->pin && c->seen && g_ascii_strcasecmp (c->pin, c->seen) != 0
                   ? " (the certificate does not match the pinned fingerprint)" : "");
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status >= 300)
    {
      g_autofree char *why = server_message (body);
      int code = status == 401 || status == 403 ? SHOAL_REST_ERROR_UNAUTHORIZED
                 : status == 404 ? SHOAL_REST_ERROR_NOT_FOUND
                 : status < 500 ? SHOAL_REST_ERROR_REJECTED : SHOAL_REST_ERROR_SERVER;

      g_set_error (error, SHOAL_REST_ERROR, code, "%s: HTTP %u: %s%s", url, status, why,
                   code == SHOAL_REST_ERROR_UNAUTHORIZED
                   ? " (give the admin token with --token-file or $SHOAL_TOKEN_FILE)" : "");
      g_bytes_unref (body);
      return NULL;
    }
  return body;
}

/* @body may be NULL. Returns the parsed JSON answer. */
JsonNode *
shoal_rest_client_call (ShoalRestClient  *c,
                        const char       *method,
                        const char       *path,
                        JsonNode         *body,
                        GError          **error)
{
  g_autoptr(SoupMessage) msg = make_message (c, method, path, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) local = NULL;

  if (msg == NULL)
    return NULL;
  if (body != NULL)
    {
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      gsize len;
      char *text;

      json_generator_set_root (gen, body);
      text = json_generator_to_data (gen, &len);
      soup_message_set_request_body_from_bytes (msg, "application/json",
                                                g_bytes_new_take (text, len));
    }
  answer = send (c, msg, error);
  if (answer == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                   g_bytes_get_size (answer), &local)
      || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_BAD_RESPONSE,
                   "%s%s: the answer is not JSON: %s", c->base, path,
                   local ? local->message : "empty");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

GBytes *
shoal_rest_client_get_raw (ShoalRestClient  *c,
                           const char       *path,
                           char            **content_type,
                           GError          **error)
{
  g_autoptr(SoupMessage) msg = make_message (c, "GET", path, error);
  GBytes *body;

  if (msg == NULL)
    return NULL;
  body = send (c, msg, error);
  if (body != NULL && content_type != NULL)
    *content_type = g_strdup (soup_message_headers_get_content_type (
      soup_message_get_response_headers (msg), NULL));
  return body;
}

/* Reads the admin token: the file must be private (mode 0600 or stricter). */
char *
shoal_rest_read_token (const char  *token_file,
                       GError     **error)
{
  char *token = NULL;
  gsize len;

  if (!shoal_json_file_read_secret (token_file, 4096, &token, &len, error))
    return NULL;
  return g_strstrip (token);
}
