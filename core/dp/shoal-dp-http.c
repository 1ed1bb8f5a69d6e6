/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's HTTP front beyond content: session descriptors and keys for
 * clients, the admin REST API under /api/v1 with its live event stream, and /metrics. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "shoal-client-record.h"
#include "shoal-dp-private.h"
#include "shoal-http-server.h"
#include "shoal-report-api.h"

static guint
status_for (GError *error)
{
  if (error->domain == SHOAL_DP_ERROR)
    switch (error->code)
      {
      case SHOAL_DP_ERROR_NOT_FOUND: return SOUP_STATUS_NOT_FOUND;
      case SHOAL_DP_ERROR_INVALID: return SOUP_STATUS_BAD_REQUEST;
      case SHOAL_DP_ERROR_CONFLICT: return SOUP_STATUS_CONFLICT;
      default: break;
      }
  if (error->domain == SHOAL_CONFIG_ERROR)
    return SOUP_STATUS_BAD_REQUEST;
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

/* The request body as JSON; on failure answers 400 naming the problem and returns NULL. */
static JsonNode *
request_json (SoupServerMessage *msg, gboolean required)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) == 0 && !required)
    return json_node_init_object (json_node_alloc (), json_object_new ());
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), &error))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "the request body is not valid JSON: %s",
                     error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "the request body must be a JSON object");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* GET /sessions/for-package/NAME: the signed descriptor of the session to join.
 * GET /sessions/ID/key: the session key. Both in the content access class. */
static void
handle_sessions (SoupServer *server, SoupServerMessage *msg, const char *path,
                 GHashTable *query, gpointer data)
{
  ShoalDp *self = data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = g_strsplit (path + strlen ("/sessions/"), "/", 3);
  ShoalSession *session;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                   "only GET is allowed here");
  if (g_strv_length (parts) == 2 && g_str_equal (parts[0], "for-package"))
    {
      g_autoptr(GBytes) descriptor = NULL;

      session = shoal_dp_session_for_package (self, parts[1], &error);
      if (session == NULL && g_error_matches (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND)
          && shoal_library_lookup (self->library, parts[1]) == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "%s", error->message);
      if (session == NULL)
        {
          /* No multicast to offer (disabled, or the interface cannot): the client still
           * gets the package, over HTTP. */
          g_autofree char *reason = g_strdup (error->message);

          g_warning ("serving %s over HTTP only: %s", parts[1], reason);
          g_clear_error (&error);
          descriptor = shoal_dp_get_http_only_descriptor (self, parts[1], reason, &error);
        }
      else
        descriptor = shoal_dp_get_descriptor (self, session, &error);
      if (descriptor == NULL)
        return shoal_http_reply_error (msg, status_for (error), "%s", error->message);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (descriptor, NULL),
                                        g_bytes_get_size (descriptor));
      return;
    }
  if (g_strv_length (parts) == 2 && g_str_equal (parts[1], "key"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *b64 = NULL;
      guint8 key[32];

      session = shoal_dp_find_session (self, parts[0]);
      if (session == NULL || shoal_session_get_finished (session) != 0)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no active session \"%s\"", parts[0]);
      if (!shoal_dp_get_session_key (self, session, key, &error))
        return shoal_http_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s", error->message);
      b64 = g_base64_encode (key, sizeof key);
      memset (key, 0, sizeof key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, parts[0]);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, b64);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Cache-Control", "no-store");
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource: %s", path);
}

static JsonNode *
package_json (ShoalPackage *pkg)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, shoal_package_get_name (pkg));
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) shoal_package_get_size (pkg));
  json_builder_set_member_name (b, "files");
  json_builder_add_int_value (b, shoal_package_get_n_files (pkg));
  json_builder_set_member_name (b, "multicast_only");
  json_builder_add_boolean_value (b, shoal_package_get_multicast_only (pkg));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, shoal_package_get_state (pkg));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
api_packages (ShoalDp *self, SoupServerMessage *msg, const char *method, char **parts)
{
  GListModel *packages = shoal_dp_get_packages (self);
  g_autoptr(GError) error = NULL;

  if (parts[1] == NULL && g_str_equal (method, "GET"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < g_list_model_get_n_items (packages); i++)
        {
          g_autoptr(ShoalPackage) p = g_list_model_get_item (packages, i);
          json_builder_add_value (b, package_json (p));
        }
      json_builder_end_array (b);
      node = json_builder_get_root (b);
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  if (parts[1] == NULL && g_str_equal (method, "POST"))
    {
      /* Import: {"name": NAME, "paths": [PATH...]}: paths on the distribution point. */
      g_autoptr(JsonNode) req = request_json (msg, TRUE);
      JsonObject *o;
      JsonArray *paths;
      const char *name;
      g_autoptr(GPtrArray) list = g_ptr_array_new ();
      ShoalPackage *pkg;

      if (req == NULL)
        return;
      o = json_node_get_object (req);
      name = json_object_get_string_member_with_default (o, "name", NULL);
      paths = json_object_has_member (o, "paths")
              && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "paths"))
              ? json_object_get_array_member (o, "paths") : NULL;
      if (name == NULL || paths == NULL || json_array_get_length (paths) == 0)
        return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
                              "import needs \"name\" and a non-empty \"paths\" array");
      for (guint i = 0; i < json_array_get_length (paths); i++)
        {
          const char *p = json_node_get_string (json_array_get_element (paths, i));
          if (p == NULL)
            return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "paths[%u] is not a string", i);
          g_ptr_array_add (list, (gpointer) p);
        }
      g_ptr_array_add (list, NULL);
      pkg = shoal_library_import (self->library, name, (const char * const *) list->pdata, NULL,
                                  &error);
      if (pkg == NULL)
        return shoal_http_reply_error (msg, error->domain == SHOAL_LIBRARY_ERROR
                                   ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                              "%s", error->message);
      {
        g_autoptr(JsonNode) node = package_json (pkg);
        return shoal_http_reply_json (msg, SOUP_STATUS_CREATED, node);
      }
    }
  if (parts[1] != NULL && parts[2] == NULL && g_str_equal (method, "GET"))
    {
      ShoalPackage *pkg = shoal_library_lookup (self->library, parts[1]);
      g_autoptr(JsonNode) node = NULL;

      if (pkg == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no package \"%s\"", parts[1]);
      node = package_json (pkg);
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "%s is not allowed here", method);
}

static gboolean
parse_request (JsonObject *o, ShoalDp *self, ShoalSessionRequest *req, GError **error)
{
  const char *start_at = json_object_get_string_member_with_default (o, "start_at", NULL);

  req->min_clients = json_object_get_int_member_with_default (o, "min_clients",
                                                              self->config->min_clients);
  req->max_wait = json_object_get_int_member_with_default (o, "max_wait",
                                                           self->config->max_wait);
  req->max_clients = json_object_get_int_member_with_default (o, "max_clients",
                                                              self->config->max_clients);
  req->max_rate = json_object_get_int_member_with_default (o, "max_rate", 0);
  req->immediate = json_object_get_boolean_member_with_default (
    o, "immediate", req->min_clients == 0 && req->max_wait == 0);
  if (start_at != NULL)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (start_at, NULL);
      if (t == NULL)
        {
          g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                       "start_at \"%s\" is not an ISO 8601 time such as 2026-11-22T18:00:00Z",
                       start_at);
          return FALSE;
        }
      req->start_at = g_date_time_to_unix (t) * G_USEC_PER_SEC;
    }
  return TRUE;
}

static void
api_sessions (ShoalDp *self, SoupServerMessage *msg, const char *method, char **parts)
{
  g_autoptr(GError) error = NULL;

  if (parts[1] == NULL && g_str_equal (method, "GET"))
    {
      g_autoptr(JsonNode) node = shoal_dp_sessions_to_json (self);
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  if (parts[1] == NULL && g_str_equal (method, "POST"))
    {
      g_autoptr(JsonNode) req_node = request_json (msg, TRUE);
      ShoalSessionRequest req = { 0 };
      const char *package;
      ShoalSession *s;

      if (req_node == NULL)
        return;
      package = json_object_get_string_member_with_default (json_node_get_object (req_node),
                                                            "package", NULL);
      if (package == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "\"package\" is required");
      if (!parse_request (json_node_get_object (req_node), self, &req, &error)
          || (s = shoal_dp_start_session (self, package, &req, &error)) == NULL)
        return shoal_http_reply_error (msg, status_for (error), "%s", error->message);
      {
        g_autoptr(JsonNode) node = shoal_session_to_json (s, FALSE);
        return shoal_http_reply_json (msg, SOUP_STATUS_CREATED, node);
      }
    }
  if (parts[1] != NULL && parts[2] == NULL && g_str_equal (method, "GET"))
    {
      g_autoptr(JsonNode) node = shoal_dp_session_to_json (self, parts[1], &error);
      if (node == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "%s", error->message);
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  if (parts[1] != NULL && parts[2] != NULL && g_str_equal (parts[2], "clients")
      && g_str_equal (method, "GET"))
    {
      g_autoptr(JsonNode) node = shoal_dp_session_to_json (self, parts[1], &error);
      JsonNode *clients;
      if (node == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "%s", error->message);
      clients = json_object_get_member (json_node_get_object (node), "clients");
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, clients);
    }
  if (parts[1] != NULL && parts[2] != NULL && g_str_equal (method, "POST")
      && (g_str_equal (parts[2], "stop") || g_str_equal (parts[2], "start")))
    {
      ShoalSession *s = shoal_dp_find_session (self, parts[1]);
      if (s == NULL || shoal_session_get_finished (s) != 0)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no active session \"%s\"", parts[1]);
      if (g_str_equal (parts[2], "stop"))
        shoal_session_cancel (s);
      else
        shoal_session_start_now (s);
      {
        g_autoptr(JsonNode) node = shoal_session_to_json (s, FALSE);
        return shoal_http_reply_json (msg, SOUP_STATUS_ACCEPTED, node);
      }
    }
  shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource");
}

static void
api_settings (ShoalDp *self, SoupServerMessage *msg, const char *method)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (method, "PUT"))
    {
      g_autoptr(JsonNode) req = request_json (msg, TRUE);
      if (req == NULL)
        return;
      if (!shoal_dp_change_settings (self, req, shoal_dp_admin_who (msg), &error))
        return shoal_http_reply_error (msg, status_for (error), "%s", error->message);
    }
  else if (!g_str_equal (method, "GET"))
    return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET or PUT");
  {
    g_autoptr(JsonNode) node = shoal_config_to_json (self->config);
    shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
  }
}

/* Server-sent events: each DP event becomes "event: TYPE\ndata: JSON\n\n". */
static void
on_dp_event (ShoalDp *self, const char *type, const char *json, gpointer data)
{
  g_autofree char *chunk = g_strdup_printf ("event: %s\ndata: %s\n\n", type, json);

  for (guint i = 0; i < self->event_streams->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (self->event_streams, i);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY,
                                chunk, strlen (chunk));
      soup_server_message_unpause (msg);
    }
}

static void
on_stream_finished (SoupServerMessage *msg, ShoalDp *self)
{
  g_ptr_array_remove (self->event_streams, msg);
}

static void
api_events (ShoalDp *self, SoupServerMessage *msg)
{
  const char *hello = ": shoal event stream\n\n";

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "text/event-stream", NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-cache");
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                            hello, strlen (hello));
  g_ptr_array_add (self->event_streams, msg);
  g_signal_connect_object (msg, "finished", G_CALLBACK (on_stream_finished), self, 0);
}

static void
handle_api (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer data)
{
  ShoalDp *self = data;
  const char *method = soup_server_message_get_method (msg);
  g_auto(GStrv) parts = g_strsplit (path + strlen ("/api/v1/"), "/", 4);

  if (parts[0] == NULL)
    return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource: %s", path);
  if (shoal_dp_admin_handle_api (self, msg, method, parts))
    return;
  if (shoal_report_handle_api (self, msg, method, parts))
    return;
  if (g_str_equal (parts[0], "packages"))
    api_packages (self, msg, method, parts);
  else if (g_str_equal (parts[0], "sessions"))
    api_sessions (self, msg, method, parts);
  else if (g_str_equal (parts[0], "settings") && parts[1] == NULL)
    api_settings (self, msg, method);
  else if (g_str_equal (parts[0], "events") && parts[1] == NULL && g_str_equal (method, "GET"))
    api_events (self, msg);
  else if (g_str_equal (parts[0], "status") && parts[1] == NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, PACKAGE_VERSION);
      json_builder_set_member_name (b, "key_fingerprint");
      json_builder_add_string_value (b, shoal_dp_get_key_fingerprint (self));
      json_builder_set_member_name (b, "tls_fingerprint");
      if (self->tls_fingerprint)
        json_builder_add_string_value (b, self->tls_fingerprint);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "access");
      json_builder_add_string_value (b, self->config->access == SHOAL_ACCESS_ANONYMOUS
                                        ? "anonymous" : "authenticated");
      json_builder_set_member_name (b, "account");
      if (self->config->access == SHOAL_ACCESS_AUTHENTICATED && self->config->account)
        json_builder_add_string_value (b, self->config->account);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "tls");
      json_builder_add_boolean_value (b, self->tls != NULL);
      json_builder_set_member_name (b, "multicast_enabled");
      json_builder_add_boolean_value (b, self->config->multicast_enabled);
      json_builder_set_member_name (b, "config_file");
      if (self->config_path)
        json_builder_add_string_value (b, self->config_path);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  else
    shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource: %s", path);
}

static void
metric (GString *out, const char *name, const char *labels, double value)
{
  g_string_append_printf (out, "%s%s%s%s %.17g\n", name, labels ? "{" : "", labels ? labels : "",
                          labels ? "}" : "", value);
}

/* Prometheus text format. */
char *
shoal_dp_metrics (ShoalDp *self)
{
  GString *out = g_string_new (NULL);
  GListModel *sessions = G_LIST_MODEL (self->sessions);
  guint active = 0;

  g_string_append (out, "# HELP shoal_packages Packages in the library.\n"
                        "# TYPE shoal_packages gauge\n");
  metric (out, "shoal_packages", NULL, g_list_model_get_n_items (shoal_dp_get_packages (self)));
  g_string_append (out, "# HELP shoal_session_bytes_sent_total Symbol bytes sent.\n"
                        "# TYPE shoal_session_bytes_sent_total counter\n"
                        "# HELP shoal_session_repair_bytes_total Bytes sent as repair.\n"
                        "# TYPE shoal_session_repair_bytes_total counter\n"
                        "# HELP shoal_session_rate_bps Current send rate.\n"
                        "# TYPE shoal_session_rate_bps gauge\n"
                        "# HELP shoal_session_clients Clients in the session.\n"
                        "# TYPE shoal_session_clients gauge\n"
                        "# HELP shoal_client_progress Fraction of the package verified.\n"
                        "# TYPE shoal_client_progress gauge\n"
                        "# HELP shoal_client_loss_ratio Reported multicast loss.\n"
                        "# TYPE shoal_client_loss_ratio gauge\n"
                        "# HELP shoal_client_rate_bps Reported receive rate.\n"
                        "# TYPE shoal_client_rate_bps gauge\n");
  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (sessions, i);
      g_autofree char *l = g_strdup_printf ("session=\"%s\",package=\"%s\",state=\"%s\"",
                                            shoal_session_get_id (s), shoal_session_get_package (s),
                                            shoal_session_get_state (s));
      GListModel *clients = shoal_session_get_clients (s);

      if (shoal_session_get_finished (s) == 0)
        active++;
      metric (out, "shoal_session_bytes_sent_total", l, shoal_session_get_bytes_sent (s));
      metric (out, "shoal_session_repair_bytes_total", l, shoal_session_get_repair_bytes (s));
      metric (out, "shoal_session_rate_bps", l, shoal_session_get_rate (s));
      metric (out, "shoal_session_clients", l, shoal_session_get_clients_joined (s));
      for (guint j = 0; j < g_list_model_get_n_items (clients); j++)
        {
          g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, j);
          g_autofree char *cl = g_strdup_printf ("session=\"%s\",client=\"%s\",address=\"%s\"",
                                                 shoal_session_get_id (s),
                                                 shoal_client_record_get_hostname (c),
                                                 shoal_client_record_get_address (c));
          metric (out, "shoal_client_progress", cl, shoal_client_record_get_progress (c));
          metric (out, "shoal_client_loss_ratio", cl, shoal_client_record_get_loss (c));
          metric (out, "shoal_client_rate_bps", cl, shoal_client_record_get_rate (c));
        }
    }
  g_string_append (out, "# HELP shoal_sessions_active Sessions not yet finished.\n"
                        "# TYPE shoal_sessions_active gauge\n");
  metric (out, "shoal_sessions_active", NULL, active);
  return g_string_free (out, FALSE);
}

/* Package content served over HTTP is the repair of the newest session of that package
 * that has a client at that address; it is counted there. Bytes to addresses that joined no
 * session (clients that never received multicast) are not attributed to any. */
static void
on_content_served (ShoalHttpServer *http, const char *package, const char *address,
                   guint64 bytes, ShoalDp *self)
{
  GListModel *sessions = G_LIST_MODEL (self->sessions);

  for (guint i = g_list_model_get_n_items (sessions); i-- > 0; )
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (sessions, i);

      if (g_str_equal (shoal_session_get_package (s), package)
          && shoal_session_has_client_address (s, address))
        {
          shoal_session_add_http_bytes (s, address, bytes);
          return;
        }
    }
}

static void
handle_metrics (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  char *text = shoal_dp_metrics (data);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

gboolean
shoal_dp_http_start (ShoalDp  *self,
                     GError  **error)
{
  ShoalConfig *c = self->config;
  g_autoptr(ShoalHttpServer) http = shoal_http_server_new (self->library);
  g_autofree char *host = NULL;
  guint port;

  if (!shoal_config_parse_listen (c->listen, &host, &port, error))
    return FALSE;
  if (self->tls != NULL)
    shoal_http_server_set_tls_certificate (http, self->tls);
  if (c->access == SHOAL_ACCESS_AUTHENTICATED)
    {
      if (!shoal_http_server_set_account (http, c->account, c->password_file, error))
        return FALSE;
    }
  else
    shoal_http_server_set_anonymous (http);
  shoal_http_server_set_admin_token (http, self->admin_token);
  shoal_http_server_add_handler (http, "/sessions", SHOAL_ACCESS_CONTENT, handle_sessions,
                                 self, NULL);
  shoal_http_server_add_handler (http, "/api/v1", SHOAL_ACCESS_ADMIN, handle_api, self, NULL);
  shoal_http_server_add_handler (http, "/metrics", SHOAL_ACCESS_PUBLIC, handle_metrics, self,
                                 NULL);
  g_signal_connect_object (http, "content-served", G_CALLBACK (on_content_served), self, 0);
  shoal_dp_admin_http_start (self, http);
  self->event_streams = g_ptr_array_new ();
  g_signal_connect (self, "event", G_CALLBACK (on_dp_event), NULL);
  if (!shoal_http_server_listen (http, g_str_equal (host, "0.0.0.0") ? NULL : host, port, error))
    return FALSE;
  self->port = shoal_http_server_get_port (http);
  self->http = G_OBJECT (g_steal_pointer (&http));
  return TRUE;
}

void
shoal_dp_http_stop (ShoalDp *self)
{
  if (self->http != NULL)
    shoal_http_server_disconnect (SHOAL_HTTP_SERVER (self->http));
  g_clear_pointer (&self->event_streams, g_ptr_array_unref);
}

guint
shoal_dp_get_port (ShoalDp *self)
{
  return self->port;
}

char *
shoal_dp_dup_url (ShoalDp *self)
{
  if (self->http == NULL)
    return NULL;
  return shoal_http_server_dup_url (SHOAL_HTTP_SERVER (self->http));
}
