/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point service. Sessions start on demand (a client asking for a package)
 * or on an admin's request; each gets its own group and port from the configured ranges and
 * its own key. Every session is saved as JSON in STATE/sessions/ while it runs and when it
 * ends; a session that was running when the daemon died is resumed with the same group, port
 * and key, so listening clients carry on. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "shoal-descriptor.h"
#include "shoal-dp.h"
#include "shoal-dp-private.h"
#include "shoal-json-file.h"
#include "shoal-keystore.h"
#include "shoal-library.h"
#include "shoal-tls.h"
#include "shoal-transport-factory.h"

#define PERSIST_INTERVAL 5

G_DEFINE_FINAL_TYPE (ShoalDp, shoal_dp, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-dp-error-quark, shoal_dp_error)

enum { SIGNAL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
shoal_dp_dispose (GObject *object)
{
  ShoalDp *self = SHOAL_DP (object);

  shoal_dp_stop (self);
  shoal_dp_admin_dispose (self);
  g_clear_object (&self->http);
  g_clear_object (&self->sessions);
  g_clear_object (&self->library);
  g_clear_object (&self->keystore);
  g_clear_object (&self->tls);
  G_OBJECT_CLASS (shoal_dp_parent_class)->dispose (object);
}

static void
shoal_dp_finalize (GObject *object)
{
  ShoalDp *self = SHOAL_DP (object);

  shoal_config_free (self->config);
  g_free (self->config_path);
  g_free (self->admin_token);
  g_free (self->tls_fingerprint);
  g_hash_table_unref (self->history);
  g_hash_table_unref (self->session_info);
  G_OBJECT_CLASS (shoal_dp_parent_class)->finalize (object);
}

static void
shoal_dp_class_init (ShoalDpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_dp_dispose;
  object_class->finalize = shoal_dp_finalize;

  /* (type, json): a live event for the REST event stream: "session" with the session's JSON,
   * or "event" with {session, kind, message}. */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        G_TYPE_STRING, G_TYPE_STRING);
}

static void
session_info_free (gpointer data)
{
  SessionInfo *info = data;

  g_free (info->group);
  g_clear_handle_id (&info->start_timer, g_source_remove);
  g_clear_pointer (&info->preflight, json_node_unref);
  g_free (info);
}

static void
shoal_dp_init (ShoalDp *self)
{
  self->sessions = g_list_store_new (SHOAL_TYPE_SESSION);
  self->history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) json_node_unref);
  self->session_info = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              session_info_free);
}

/* Takes @config. */
ShoalDp *
shoal_dp_new (ShoalConfig *config)
{
  ShoalDp *self = g_object_new (SHOAL_TYPE_DP, NULL);

  self->config = config;
  return self;
}

ShoalConfig *shoal_dp_get_config (ShoalDp *self) { return self->config; }
const char *shoal_dp_get_tls_fingerprint (ShoalDp *self) { return self->tls_fingerprint; }
const char *shoal_dp_get_admin_token (ShoalDp *self) { return self->admin_token; }
GListModel *shoal_dp_get_sessions (ShoalDp *self) { return G_LIST_MODEL (self->sessions); }
gpointer shoal_dp_get_library (ShoalDp *self) { return self->library; }

GListModel *
shoal_dp_get_packages (ShoalDp *self)
{
  return shoal_library_get_packages (self->library);
}

const char *
shoal_dp_get_key_fingerprint (ShoalDp *self)
{
  return shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (self->keystore));
}

static char *
session_path (ShoalDp *self, const char *id)
{
  g_autofree char *name = g_strconcat (id, ".json", NULL);
  return g_build_filename (self->config->state_dir, "sessions", name, NULL);
}

static void
emit_event (ShoalDp *self, const char *type, JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, type, text);
}

/* Writes the session's record; its wire parameters let a restarted daemon resume it. */
static void
persist_session (ShoalDp *self, ShoalSession *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = shoal_session_to_json (session, TRUE);
  g_autofree char *path = session_path (self, shoal_session_get_id (session));
  SessionInfo *info = g_hash_table_lookup (self->session_info, shoal_session_get_id (session));
  JsonObject *obj = json_node_get_object (node);

  json_object_set_int_member (obj, "session_id", shoal_session_get_session_id (session));
  json_object_set_boolean_member (obj, "multicast_only", info ? info->multicast_only : FALSE);
  if (info != NULL)
    info->http_saved = shoal_session_get_http_bytes (session);
  if (info != NULL && info->preflight != NULL)
    json_object_set_member (obj, "preflight", json_node_copy (info->preflight));
  if (!shoal_json_file_save (path, node, &error))
    g_warning ("cannot save the history of session %s: %s", shoal_session_get_id (session),
               error->message);
}

static void
on_session_event (ShoalSession *session, const char *kind, const char *message, ShoalDp *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, shoal_session_get_id (session));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_message ("session %s: %s", shoal_session_get_id (session), message);
  emit_event (self, "event", node);
  persist_session (self, session);
}

static void
on_session_finished (ShoalSession *session, ShoalDp *self)
{
  g_autoptr(JsonNode) node = shoal_session_to_json (session, FALSE);

  persist_session (self, session);
  emit_event (self, "session", node);
}

static gboolean
persist_active (gpointer data)
{
  ShoalDp *self = data;
  GListModel *model = G_LIST_MODEL (self->sessions);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);
      if (shoal_session_get_finished (s) == 0)
        {
          g_autoptr(JsonNode) node = shoal_session_to_json (s, FALSE);
          persist_session (self, s);
          emit_event (self, "session", node);
        }
      else
        {
          SessionInfo *info = g_hash_table_lookup (self->session_info, shoal_session_get_id (s));

          /* Clients repair over HTTP after the multicast: keep their bytes in the record. */
          if (info != NULL && info->http_saved != shoal_session_get_http_bytes (s))
            persist_session (self, s);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
session_active (ShoalSession *s)
{
  return shoal_session_get_finished (s) == 0;
}

static gboolean
group_in_use (ShoalDp *self, const char *group, guint port)
{
  GHashTableIter iter;
  SessionInfo *info;
  const char *id;

  g_hash_table_iter_init (&iter, self->session_info);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &info))
    {
      ShoalSession *s = shoal_dp_find_session (self, id);
      if (s != NULL && session_active (s) && info->port == port
          && g_strcmp0 (info->group, group) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The n-th address of the configured range (IPv4 or IPv6), or NULL past its end. */
static char *
nth_group (ShoalDp *self, guint n)
{
  g_autoptr(GInetAddress) first = g_inet_address_new_from_string (self->config->group_first);
  g_autoptr(GInetAddress) last = g_inet_address_new_from_string (self->config->group_last);
  gsize len = g_inet_address_get_native_size (first);
  guint8 bytes[16];
  guint64 carry = n;
  g_autoptr(GInetAddress) addr = NULL;

  memcpy (bytes, g_inet_address_to_bytes (first), len);
  for (gssize i = len - 1; i >= 0 && carry > 0; i--)
    {
      guint64 v = bytes[i] + (carry & 0xff);
      bytes[i] = v & 0xff;
      carry = (carry >> 8) + (v >> 8);
    }
  if (memcmp (bytes, g_inet_address_to_bytes (last), len) > 0)
    return NULL;
  addr = g_inet_address_new_from_bytes (bytes, g_inet_address_get_family (first));
  return g_inet_address_to_string (addr);
}

static gboolean
allocate_group (ShoalDp *self, char **group, guint *port, GError **error)
{
  guint n_ports = self->config->port_last - self->config->port_first + 1;

  for (guint n = 0; n < 65536; n++)
    {
      g_autofree char *g = nth_group (self, n);
      guint p = self->config->port_first + n % n_ports;

      if (g == NULL)
        break;
      if (!group_in_use (self, g, p))
        {
          *group = g_steal_pointer (&g);
          *port = p;
          return TRUE;
        }
    }
  g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_CONFLICT,
               "no free multicast address and port in %s..%s, ports %u..%u: too many sessions",
               self->config->group_first, self->config->group_last, self->config->port_first,
               self->config->port_last);
  return FALSE;
}

static gboolean
start_timer_cb (gpointer data)
{
  ShoalSession *session = data;

  shoal_session_start_now (session);
  return G_SOURCE_REMOVE;
}

static guint
control_port_for (ShoalConfig *c, guint port)
{
  guint span = c->port_last - c->port_first + 1;
  guint control = port + span;

  return control <= 65535 ? control : port - span;
}

/* Creates and starts a session with a known name, wire id, group and port (new ones, or
 * those of a session being resumed after a restart). */
static ShoalSession *
create_session (ShoalDp *self, ShoalPackage *package, const char *id, guint32 session_id,
                const char *group, guint port, const ShoalSessionRequest *req, GError **error)
{
  ShoalConfig *c = self->config;
  ShoalManifest *manifest = shoal_package_get_manifest (package);
  g_autoptr(GInetSocketAddress) addr = NULL;
  g_autoptr(ShoalTransport) transport = NULL;
  g_autoptr(ShoalSession) session = NULL;
  ShoalSenderConfig cfg;
  SessionInfo *info;

  if (manifest == NULL)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_CONFLICT,
                   "package %s has no manifest yet (it is still being imported)",
                   shoal_package_get_name (package));
      return NULL;
    }
  shoal_sender_config_init (&cfg);
  cfg.session_id = session_id;
  cfg.instance_id = g_random_int ();
  if (!shoal_keystore_get_session_key (self->keystore, id, cfg.key, error))
    return NULL;
  shoal_manifest_get_layout (manifest, &cfg.layout);
  cfg.max_rate = req->max_rate ? req->max_rate : c->max_rate;
  cfg.adaptive = c->adaptive;
  cfg.min_rate = c->min_rate;
  cfg.start_immediately = req->immediate;
  cfg.min_clients = req->min_clients;
  cfg.max_wait = (gint64) req->max_wait * G_USEC_PER_SEC;
  cfg.max_clients = req->max_clients;
  cfg.proactive_parity = c->proactive_parity;
  cfg.drop_slow = c->drop_slow;
  cfg.slow_loss_permille = c->slow_loss_percent * 10;
  cfg.slow_rate = c->slow_min_rate;
  cfg.slow_grace = (gint64) c->slow_grace * G_USEC_PER_SEC;
  cfg.max_hold = (gint64) c->max_hold * G_USEC_PER_SEC;
  cfg.linger = (gint64) c->linger * G_USEC_PER_SEC;
  if (req->start_at > g_get_real_time ())
    {
      /* Scheduled: no rule starts it; the timer below does. */
      cfg.start_immediately = FALSE;
      cfg.min_clients = G_MAXUINT;
      cfg.max_wait = 0;
    }

  addr = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (group, port));
  /* From here on a failure must not leave this session's fresh key behind. */
  /* The control port sits above the group range, one per session: a client on the same
   * host as the sender must not have its reports land on its own group socket. */
  transport = shoal_transport_new_by_name (c->transport, SHOAL_TRANSPORT_ROLE_SENDER, addr,
                                           c->interface, c->ttl, TRUE,
                                           control_port_for (c, port), error);
  if (transport == NULL)
    {
      shoal_keystore_delete_session_key (self->keystore, id, NULL);
      return NULL;
    }
  session = shoal_session_new (id, shoal_package_get_name (package), &cfg, transport,
                               shoal_package_read_func, g_object_ref (package),
                               g_object_unref);
  shoal_session_set_http_counted (session, TRUE);   /* by on_content_served() */
  shoal_session_set_prefetch_func (session, shoal_package_prefetch_func);
  g_signal_connect_object (session, "event", G_CALLBACK (on_session_event), self, 0);
  g_signal_connect_object (session, "finished", G_CALLBACK (on_session_finished), self, 0);
  if (!shoal_session_start (session, error))
    {
      shoal_keystore_delete_session_key (self->keystore, id, NULL);
      return NULL;
    }

  info = g_new0 (SessionInfo, 1);
  info->group = g_strdup (group);
  info->port = port;
  info->ttl = c->ttl;
  info->multicast_only = shoal_package_get_multicast_only (package);
  info->preflight = shoal_dp_admin_dup_last_preflight (self);
  if (req->start_at > g_get_real_time ())
    info->start_timer = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                            (req->start_at - g_get_real_time ()) / 1000,
                                            start_timer_cb, g_object_ref (session),
                                            g_object_unref);
  g_hash_table_replace (self->session_info, g_strdup (id), info);
  g_hash_table_remove (self->history, id);
  g_list_store_append (self->sessions, session);
  persist_session (self, session);
  g_message ("session %s: package %s on %s port %u", id, shoal_package_get_name (package),
             group, port);
  return g_steal_pointer (&session);
}

ShoalSession *
shoal_dp_start_session (ShoalDp                   *self,
                        const char                *package_name,
                        const ShoalSessionRequest *req,
                        GError                   **error)
{
  ShoalPackage *package;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *id = NULL;
  g_autofree char *group = NULL;
  ShoalSession *session;
  guint port;

  g_return_val_if_fail (SHOAL_IS_DP (self), NULL);

  package = shoal_library_lookup (self->library, package_name);
  if (package == NULL)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND,
                   "no package named \"%s\" in the library %s", package_name,
                   self->config->library);
      return NULL;
    }
  if (!self->config->multicast_enabled)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_CONFLICT,
                   "multicast is disabled on this distribution point; fetch %s over HTTP",
                   package_name);
      return NULL;
    }
  if (!allocate_group (self, &group, &port, error))
    return NULL;
  id = g_strdup_printf ("%s-%s-%04x", package_name, stamp, g_random_int_range (0, 0x10000));
  session = create_session (self, package, id, g_random_int (), group, port, req, error);
  return session; /* owned by the sessions list */
}

ShoalSession *
shoal_dp_find_session (ShoalDp    *self,
                       const char *id)
{
  GListModel *model = G_LIST_MODEL (self->sessions);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);
      if (g_str_equal (shoal_session_get_id (s), id))
        return s;   /* the list keeps it alive */
    }
  return NULL;
}

/* The session a client should join for @package: a running or waiting one, or a new one
 * under the configured start rules when auto-start is on. */
ShoalSession *
shoal_dp_session_for_package (ShoalDp     *self,
                              const char  *package,
                              GError     **error)
{
  GListModel *model = G_LIST_MODEL (self->sessions);
  ShoalSessionRequest req = { 0 };

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i - 1);
      const char *state = shoal_session_get_state (s);

      if (g_str_equal (shoal_session_get_package (s), package) && session_active (s)
          && (g_str_equal (state, "waiting") || g_str_equal (state, "running")
              || g_str_equal (state, "repairing")))
        return s;
    }
  if (!self->config->auto_start)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND,
                   "no session offers package \"%s\" and auto-start is off", package);
      return NULL;
    }
  req.min_clients = self->config->min_clients;
  req.max_wait = self->config->max_wait;
  req.max_clients = self->config->max_clients;
  req.immediate = req.min_clients == 0 && req.max_wait == 0;
  return shoal_dp_start_session (self, package, &req, error);
}

GBytes *
shoal_dp_get_descriptor (ShoalDp       *self,
                         ShoalSession  *session,
                         GError       **error)
{
  SessionInfo *info = g_hash_table_lookup (self->session_info, shoal_session_get_id (session));
  ShoalPackage *package = shoal_library_lookup (self->library, shoal_session_get_package (session));
  ShoalDescriptor d = { 0 };

  if (info == NULL || package == NULL)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND,
                   "session %s or its package is gone", shoal_session_get_id (session));
      return NULL;
    }
  d.session = (char *) shoal_session_get_id (session);
  d.session_id = shoal_session_get_session_id (session);
  d.package = (char *) shoal_session_get_package (session);
  d.group = info->group;
  d.port = info->port;
  d.ttl = info->ttl;
  d.max_rate = shoal_session_get_config (session)->max_rate;
  d.multicast_only = info->multicast_only;
  d.manifest = shoal_package_get_manifest (package);
  return shoal_descriptor_sign (&d, shoal_keystore_get_signing_key (self->keystore), error);
}

/* For a package with no multicast session to offer: the client fetches it over HTTP, and
 * still checks the manifest's signature. */
GBytes *
shoal_dp_get_http_only_descriptor (ShoalDp     *self,
                                   const char  *package_name,
                                   const char  *reason,
                                   GError     **error)
{
  ShoalPackage *package = shoal_library_lookup (self->library, package_name);
  ShoalDescriptor d = { 0 };

  if (package == NULL || shoal_package_get_manifest (package) == NULL)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND,
                   "no package named \"%s\" in the library %s", package_name,
                   self->config->library);
      return NULL;
    }
  d.session = (char *) "http-only";
  d.package = (char *) package_name;
  d.ttl = self->config->ttl;
  d.multicast_only = shoal_package_get_multicast_only (package);
  d.no_multicast = (char *) reason;
  d.manifest = shoal_package_get_manifest (package);
  return shoal_descriptor_sign (&d, shoal_keystore_get_signing_key (self->keystore), error);
}

gboolean
shoal_dp_get_session_key (ShoalDp       *self,
                          ShoalSession  *session,
                          guint8        *key,
                          GError       **error)
{
  return shoal_keystore_get_session_key (self->keystore, shoal_session_get_id (session), key,
                                         error);
}

JsonNode *
shoal_dp_sessions_to_json (ShoalDp *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GListModel *model = G_LIST_MODEL (self->sessions);
  g_autoptr(GList) past = g_hash_table_get_values (self->history);

  json_builder_begin_array (b);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);
      json_builder_add_value (b, shoal_session_to_json (s, FALSE));
    }
  for (GList *l = past; l != NULL; l = l->next)
    {
      JsonNode *copy = json_node_copy (l->data);
      JsonObject *o = json_node_get_object (copy);
      json_object_remove_member (o, "clients");
      json_object_remove_member (o, "events");
      json_builder_add_value (b, copy);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

JsonNode *
shoal_dp_session_to_json (ShoalDp     *self,
                          const char  *id,
                          GError     **error)
{
  ShoalSession *s = shoal_dp_find_session (self, id);
  JsonNode *past;

  if (s != NULL)
    {
      JsonNode *node = shoal_session_to_json (s, TRUE);
      SessionInfo *info = g_hash_table_lookup (self->session_info, id);

      if (info != NULL && info->preflight != NULL)
        json_object_set_member (json_node_get_object (node), "preflight",
                                json_node_copy (info->preflight));
      return node;
    }
  past = g_hash_table_lookup (self->history, id);
  if (past != NULL)
    return json_node_copy (past);
  g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_NOT_FOUND, "no session \"%s\"", id);
  return NULL;
}

/* Loads STATE/sessions/: finished sessions become history; a session that was still active
 * when the daemon stopped is resumed with its group, port and key. */
static void
load_history (ShoalDp *self)
{
  g_autofree char *dir = g_build_filename (self->config->state_dir, "sessions", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *o;
      const char *id, *state, *package, *group;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      node = shoal_json_file_load (path, &error);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *aside = shoal_json_file_set_aside (path, NULL);
          g_warning ("session record %s is damaged (%s); moved aside to %s", path,
                     error ? error->message : "not an object", aside ? aside : "(failed)");
          continue;
        }
      o = json_node_get_object (node);
      id = json_object_get_string_member_with_default (o, "id", NULL);
      state = json_object_get_string_member_with_default (o, "state", "");
      package = json_object_get_string_member_with_default (o, "package", NULL);
      group = json_object_get_string_member_with_default (o, "group", NULL);
      if (id == NULL || package == NULL || group == NULL)
        {
          g_warning ("session record %s lacks id, package or group; ignored", path);
          continue;
        }
      if (g_str_equal (state, "waiting") || g_str_equal (state, "running")
          || g_str_equal (state, "repairing"))
        {
          ShoalPackage *pkg = shoal_library_lookup (self->library, package);
          ShoalSessionRequest req = { .immediate = TRUE };

          if (pkg != NULL
              && create_session (self, pkg, id,
                                 (guint32) json_object_get_int_member_with_default (o, "session_id", 0),
                                 group,
                                 (guint) json_object_get_int_member_with_default (o, "port", 0),
                                 &req, &error) != NULL)
            {
              g_message ("session %s was interrupted by a restart; resumed on %s", id, group);
              continue;
            }
          g_warning ("cannot resume session %s: %s", id,
                     error ? error->message : "its package is gone");
          json_object_set_string_member (o, "state", "interrupted");
          shoal_json_file_save (path, node, NULL);
        }
      g_hash_table_replace (self->history, g_strdup (id), g_steal_pointer (&node));
    }
}

static gboolean
load_admin_token (ShoalDp *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *generated_path = NULL;
  gsize len;
  const char *path = self->config->admin_token_file;

  if (path != NULL && shoal_json_file_read_secret (path, 4096, &contents, &len, &local))
    {
      self->admin_token = g_strstrip (g_steal_pointer (&contents));
      if (*self->admin_token == '\0')
        {
          g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                       "the admin token file %s is empty", path);
          return FALSE;
        }
      return TRUE;
    }
  if (local != NULL && !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "admin token: ");
      return FALSE;
    }
  /* No token file: make one in the state directory and say where. */
  generated_path = g_build_filename (self->config->state_dir, "admin-token", NULL);
  g_clear_error (&local);
  if (shoal_json_file_read_secret (generated_path, 4096, &contents, &len, NULL))
    self->admin_token = g_strstrip (g_steal_pointer (&contents));
  else
    {
      guint8 raw[24];
      g_autofree char *token = NULL;

      shoal_random_key (raw, sizeof raw, NULL);
      token = g_base64_encode (raw, sizeof raw);
      g_strdelimit (token, "+/=", '-');
      if (!shoal_atomic_write (generated_path, token, strlen (token), 0600, error))
        return FALSE;
      self->admin_token = g_steal_pointer (&token);
    }
  g_message ("admin token in %s (no token file at %s)", generated_path, path ? path : "(unset)");
  return TRUE;
}

gboolean
shoal_dp_start (ShoalDp  *self,
                GError  **error)
{
  ShoalConfig *c = self->config;
  g_autofree char *sessions_dir = g_build_filename (c->state_dir, "sessions", NULL);

  if (!shoal_config_validate (c, error))
    return FALSE;
  if (g_mkdir_with_parents (sessions_dir, 0700) != 0 || g_mkdir_with_parents (c->library, 0755) != 0)
    {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                   "cannot create %s or %s: %s", sessions_dir, c->library, g_strerror (err));
      return FALSE;
    }
  self->keystore = shoal_keystore_new (c->state_dir, error);
  if (self->keystore == NULL)
    return FALSE;
  self->library = shoal_library_new (c->library, error);
  if (self->library == NULL)
    return FALSE;
  shoal_library_set_layout (self->library, shoal_symbol_size_for_mtu (c->mtu),
                            SHOAL_MANIFEST_DEFAULT_K);
  {
    g_autoptr(GError) scan_error = NULL;

    /* Packages dropped into the library get their manifest now, before sessions resume; the
     * scan warns about each package it leaves out. */
    if (!shoal_library_scan (self->library, NULL, NULL, &scan_error))
      g_warning ("scanning the library %s: %s", c->library, scan_error->message);
  }
  if (!load_admin_token (self, error))
    return FALSE;
  if (c->tls)
    {
      g_autofree char *hostname = g_strdup (g_get_host_name ());

      self->tls = c->tls_certificate
                  ? shoal_tls_load_files (c->tls_certificate, c->tls_key, error)
                  : shoal_tls_ensure_self_signed (c->state_dir, hostname, NULL, error);
      if (self->tls == NULL)
        return FALSE;
      self->tls_fingerprint = shoal_tls_certificate_fingerprint (self->tls);
    }
  if (!shoal_dp_http_start (self, error))
    return FALSE;
  load_history (self);
  self->persist_timer = g_timeout_add_seconds (PERSIST_INTERVAL, persist_active, self);
  return TRUE;
}

void
shoal_dp_stop (ShoalDp *self)
{
  GListModel *model;

  g_clear_handle_id (&self->persist_timer, g_source_remove);
  if (self->sessions == NULL)
    return;
  model = G_LIST_MODEL (self->sessions);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);
      if (session_active (s))
        persist_session (self, s);
    }
  shoal_dp_http_stop (self);
}

/* In-process callers are the console. */
gboolean
shoal_dp_update_settings (ShoalDp   *self,
                          JsonNode  *settings,
                          GError   **error)
{
  return shoal_dp_change_settings (self, settings, "console", error);
}
