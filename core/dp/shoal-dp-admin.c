/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's admin operations behind the wizards and shoalctl: settings
 * changes written back to the config file, anonymous or authenticated access, key
 * regeneration, the audit log, the network preflight and probes. Every change is checked
 * completely before anything is written, so a refused one leaves the disk as it was. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shoal-crypto.h"
#include "shoal-dp-private.h"
#include "shoal-http-server.h"
#include "shoal-json-file.h"
#include "shoal-manifest.h"
#include "shoal-net-interface.h"
#include "shoal-password.h"
#include "shoal-preflight.h"
#include "shoal-probe.h"
#include "shoal-transport-socket.h"

#define AUDIT_FILE          "audit.log"
#define MAX_REMEMBERED      8         /* probes and preflights kept for GET */
#define MAX_PORT_CHECKS     4096
#define MIN_PASSWORD        8
#define PROBE_COUNT         1000
#define PROBE_MAX_RATE      (100 * 1000 * 1000)
#define PROBE_WAIT          30
#define PROBE_LINGER        5

/* Settings that the running service cannot take over: they apply at the next start. */
static const char * const restart_keys[] = {
  "library", "state_dir", "listen", "tls", "tls_certificate", "tls_key", "admin_token_file",
  "mtu", NULL,
};

typedef struct
{
  char                *id;
  ShoalPreflight      *preflight;
  ShoalProbe          *probe;
  ShoalPreflightCheck *probe_check;
  gboolean             preflight_done;
  JsonNode            *options;
} PreflightRun;

static void
preflight_run_free (gpointer data)
{
  PreflightRun *run = data;

  if (run->probe != NULL)
    g_signal_handlers_disconnect_by_data (run->probe, run);
  g_free (run->id);
  g_clear_object (&run->preflight);
  g_clear_object (&run->probe);
  g_clear_object (&run->probe_check);
  g_clear_pointer (&run->options, json_node_unref);
  g_free (run);
}

/* A node that takes @object over (json_node_init_object would add a reference). */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

void
shoal_dp_admin_dispose (ShoalDp *self)
{
  if (self->probes != NULL)
    for (guint i = 0; i < self->probes->len; i++)
      shoal_probe_cancel (g_ptr_array_index (self->probes, i));
  g_clear_pointer (&self->preflights, g_ptr_array_unref);
  g_clear_pointer (&self->probes, g_ptr_array_unref);
}

void
shoal_dp_set_config_path (ShoalDp    *self,
                          const char *path)
{
  g_return_if_fail (SHOAL_IS_DP (self));

  g_free (self->config_path);
  self->config_path = path ? g_canonicalize_filename (path, NULL) : NULL;
}

const char *
shoal_dp_get_config_path (ShoalDp *self)
{
  g_return_val_if_fail (SHOAL_IS_DP (self), NULL);
  return self->config_path;
}

const char *
shoal_dp_admin_who (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *actor = soup_message_headers_get_one (h, "X-Shoal-Actor");
  const char *auth = soup_message_headers_get_one (h, "Authorization");
  g_autofree char *hex = NULL;
  char *who;

  if (g_strcmp0 (actor, "console") == 0)
    return "console";
  if (auth == NULL || !g_str_has_prefix (auth, "Bearer "))
    return "unknown";
  hex = shoal_sha256_hex (auth + 7, strlen (auth + 7));
  who = g_strdup_printf ("token:%.8s", hex);
  g_object_set_data_full (G_OBJECT (msg), "shoal-who", who, g_free);
  return who;
}

/* ---- the audit log -------------------------------------------------------------------- */

static void
audit (ShoalDp *self, const char *who, const char *what, JsonNode *old, JsonNode *new_)
{
  g_autofree char *path = g_build_filename (self->config->state_dir, AUDIT_FILE, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);
  g_autofree char *line = NULL;
  gsize len;
  int fd;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "who");
  json_builder_add_string_value (b, who ? who : "unknown");
  json_builder_set_member_name (b, "what");
  json_builder_add_string_value (b, what);
  json_builder_set_member_name (b, "old");
  json_builder_add_value (b, old ? json_node_copy (old) : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "new");
  json_builder_add_value (b, new_ ? json_node_copy (new_) : json_node_new (JSON_NODE_NULL));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  line = json_generator_to_data (gen, &len);
  line = g_realloc (line, len + 2);
  line[len++] = '\n';
  line[len] = '\0';

  /* One write of one line with O_APPEND: concurrent writers never interleave within it, and
   * a crash loses at most the line being written. */
  fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, line, len) != (gssize) len || fsync (fd) < 0)
    g_warning ("cannot append to the audit log %s: %s", path, g_strerror (errno));
  if (fd >= 0)
    close (fd);
  g_message ("audit: %s changed %s", who ? who : "unknown", what);
}

JsonNode *
shoal_dp_read_audit (ShoalDp  *self,
                     guint     max,
                     GError  **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) local = NULL;
  JsonArray *a = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  guint n, from;

  g_return_val_if_fail (SHOAL_IS_DP (self), NULL);

  json_node_take_array (node, a);
  path = g_build_filename (self->config->state_dir, AUDIT_FILE, NULL);
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return node;
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "audit log: ");
      json_node_unref (node);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  from = n > max + 1 ? n - max - 1 : 0;
  for (guint i = from; i < n; i++)
    {
      g_autoptr(JsonParser) p = json_parser_new ();

      /* A line cut short by a crash is skipped, not fatal. */
      if (*lines[i] == '\0' || !json_parser_load_from_data (p, lines[i], -1, NULL)
          || json_parser_get_root (p) == NULL)
        continue;
      json_array_add_element (a, json_node_ref (json_parser_get_root (p)));
    }
  while (json_array_get_length (a) > max)
    json_array_remove_element (a, 0);
  return node;
}

/* ---- checking settings ----------------------------------------------------------------- */

static gboolean
changes (JsonNode *settings, JsonNode *current, const char *key)
{
  JsonObject *req = json_node_get_object (settings);

  return json_object_has_member (req, key)
         && !json_node_equal (json_object_get_member (req, key),
                              json_object_get_member (json_node_get_object (current), key));
}

static gboolean
dp_invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
dp_invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID, "");
  g_free ((*error)->message);
  (*error)->message = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

static void
warn (JsonArray *warnings, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
warn (JsonArray *warnings, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  json_array_add_string_element (warnings, text);
}

static gboolean
check_range (ShoalConfig *c, JsonArray *warnings, GError **error)
{
  g_autoptr(GInetAddress) first = g_inet_address_new_from_string (c->group_first);
  g_autoptr(GInetAddress) last = g_inet_address_new_from_string (c->group_last);
  const guint8 *f = g_inet_address_to_bytes (first);
  gsize len = g_inet_address_get_native_size (first);

  if (memcmp (f, g_inet_address_to_bytes (last), len) > 0)
    return dp_invalid (error, "settings \"group_first\"/\"group_last\": %s is above %s; give "
                       "the range from its lowest address to its highest", c->group_first,
                       c->group_last);
  if (len == 4)
    {
      if (f[0] == 224 && f[1] == 0 && f[2] == 0)
        return dp_invalid (error, "setting \"group_first\": %s is in 224.0.0.0/24, which is "
                           "reserved for local network control (IGMP, OSPF, mDNS); use "
                           "239.0.0.0/8", c->group_first);
      if (f[0] != 239 || g_inet_address_to_bytes (last)[0] != 239)
        warn (warnings, "%s–%s is outside the administratively scoped block 239.0.0.0/8: it "
              "may clash with groups assigned for other uses", c->group_first, c->group_last);
    }
  else
    {
      guint scope = f[1] & 0x0f;

      if (scope <= 2)
        return dp_invalid (error, "setting \"group_first\": %s has %s scope, which does not "
                           "leave %s; use site-local ff05::/16", c->group_first,
                           scope == 2 ? "link-local" : "interface-local",
                           scope == 2 ? "the link" : "this host");
      if (scope != 5 && scope != 8)
        warn (warnings, "%s–%s is neither site-local (ff05::/16) nor organisation-local "
              "(ff08::/16)", c->group_first, c->group_last);
    }
  return TRUE;
}

static guint
control_port (ShoalConfig *c, guint port)
{
  guint span = c->port_last - c->port_first + 1;

  /* As shoal-dp.c places a session's unicast control port: above the group port range. */
  return port + span <= 65535 ? port + span : port - span;
}

static gboolean
own_port (ShoalDp *self, guint port)
{
  GHashTableIter iter;
  SessionInfo *info;
  const char *id;

  g_hash_table_iter_init (&iter, self->session_info);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &info))
    {
      ShoalSession *s = shoal_dp_find_session (self, id);

      if (s != NULL && shoal_session_get_finished (s) == 0
          && (info->port == port || control_port (self->config, info->port) == port))
        return TRUE;
    }
  for (guint i = 0; self->probes != NULL && i < self->probes->len; i++)
    {
      JsonNode *n = shoal_probe_to_json (g_ptr_array_index (self->probes, i), FALSE);
      gboolean same = shoal_probe_get_active (g_ptr_array_index (self->probes, i))
                      && json_object_get_int_member (json_node_get_object (n), "port") == port;

      json_node_unref (n);
      if (same)
        return TRUE;
    }
  return FALSE;
}

/* Binds @port on the wildcard address without SO_REUSEADDR: fails with EADDRINUSE (in
 * @saved) when any other socket holds it. */
static int
bind_port (int family, guint port, int *saved)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  int fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return (*saved = errno), -1;
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
      int on = 1;

      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons (port);
      len = sizeof *a;
    }
  else
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;

      a->sin_family = AF_INET;
      a->sin_port = htons (port);
      len = sizeof *a;
    }
  if (bind (fd, (struct sockaddr *) &ss, len) < 0)
    {
      *saved = errno;
      close (fd);
      return -1;
    }
  return fd;
}

/* A port some other program holds makes sessions fail to start on it, at the worst time. */
static gboolean
check_ports (ShoalDp *self, ShoalConfig *c, GError **error)
{
  g_autoptr(GInetAddress) first = g_inet_address_new_from_string (c->group_first);
  int family = g_inet_address_get_family (first) == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  guint n = MIN (c->port_last - c->port_first + 1, MAX_PORT_CHECKS / 2);

  for (guint i = 0; i < 2 * n; i++)
    {
      guint data = c->port_first + i / 2;
      guint port = i % 2 == 0 ? data : control_port (c, data);
      int fd, saved = 0;

      if (own_port (self, port))
        continue;
      fd = bind_port (family, port, &saved);
      if (fd >= 0)
        {
          close (fd);
          continue;
        }
      if (saved == EADDRINUSE)
        {
          g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_CONFLICT,
                       "settings \"port_first\"/\"port_last\": UDP port %u (%s of sessions on "
                       "port %u) is already in use on this distribution point by another "
                       "program; choose another port range", port,
                       i % 2 == 0 ? "the group port" : "the control port", data);
          return FALSE;
        }
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_CONFLICT,
                   "settings \"port_first\"/\"port_last\": cannot use UDP port %u: %s", port,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* The whole config as it would be after @settings, with every check the running service can
 * make; nothing is changed. */
static ShoalConfig *
prepare (ShoalDp *self, JsonNode *settings, JsonArray *warnings, GError **error)
{
  g_autoptr(JsonNode) current = shoal_config_to_json (self->config);
  g_autoptr(ShoalConfig) c = shoal_config_new ();

  if (settings == NULL || !JSON_NODE_HOLDS_OBJECT (settings))
    {
      dp_invalid (error, "the settings must be a JSON object");
      return NULL;
    }
  if (!shoal_config_apply_json (c, current, "current settings", error)
      || !shoal_config_apply_json (c, settings, "request", error)
      || !check_range (c, warnings, error))
    return NULL;
  if (c->multicast_enabled && c->interface != NULL
      && (changes (settings, current, "interface")
          || changes (settings, current, "multicast_enabled")))
    {
      g_autoptr(GError) local = NULL;
      guint ifindex;

      if (!shoal_transport_resolve_interface (c->interface, &ifindex, &local))
        {
          dp_invalid (error, "setting \"interface\": %s on this distribution point",
                      local->message);
          return NULL;
        }
    }
  if (c->multicast_enabled
      && (changes (settings, current, "port_first") || changes (settings, current, "port_last")
          || changes (settings, current, "group_first")
          || changes (settings, current, "multicast_enabled"))
      && !check_ports (self, c, error))
    return NULL;
  if (c->access == SHOAL_ACCESS_AUTHENTICATED
      && (changes (settings, current, "access") || changes (settings, current, "account")
          || changes (settings, current, "password_file")))
    {
      g_autoptr(ShoalHttpServer) probe = shoal_http_server_new (self->library);

      /* Read the password file now: a bad one must be refused before anything is written. */
      if (!shoal_http_server_set_account (probe, c->account, c->password_file, error))
        return NULL;
    }
  for (guint i = 0; restart_keys[i] != NULL; i++)
    if (changes (settings, current, restart_keys[i]))
      warn (warnings, "\"%s\" takes effect when the distribution point restarts",
            restart_keys[i]);
  return g_steal_pointer (&c);
}

gboolean
shoal_dp_check_settings (ShoalDp   *self,
                         JsonNode  *settings,
                         JsonNode **warnings,
                         GError   **error)
{
  g_autoptr(JsonArray) w = json_array_new ();
  g_autoptr(ShoalConfig) c = NULL;

  g_return_val_if_fail (SHOAL_IS_DP (self), FALSE);

  c = prepare (self, settings, w, error);
  if (c == NULL)
    return FALSE;
  if (warnings != NULL)
    *warnings = json_node_init_array (json_node_alloc (), w);
  return TRUE;
}

/* Writes the members of @settings into the config file, keeping everything else in it. */
static gboolean
write_config_file (ShoalDp *self, JsonNode *settings, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ShoalConfig) check = shoal_config_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GList) members = NULL;
  g_autofree char *text = NULL;
  JsonObject *file, *req = json_node_get_object (settings);
  struct stat st;
  gsize len;
  int mode = 0644;

  if (self->config_path == NULL)
    return TRUE;
  if (json_parser_load_from_file (parser, self->config_path, &local)
      && json_parser_get_root (parser) != NULL
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_copy (json_parser_get_root (parser));
  else if (g_file_test (self->config_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_FAILED,
                   "the config file %s cannot be read back to change it: %s",
                   self->config_path, local ? local->message : "it is not a JSON object");
      return FALSE;
    }
  else
    root = object_node (json_object_new ());
  file = json_node_get_object (root);
  members = json_object_get_members (req);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (file, l->data, json_node_copy (json_object_get_member (req, l->data)));
  /* The file must still load on its own at the next start. */
  if (!shoal_config_apply_json (check, root, self->config_path, error))
    return FALSE;
  if (g_stat (self->config_path, &st) == 0)
    mode = st.st_mode & 0777;
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  return shoal_atomic_write (self->config_path, text, len, mode, error);
}

/* The values in @config of the settings that differ between @a and @b, as an object for
 * the audit log. */
static JsonNode *
pick (JsonNode *config, JsonNode *a, JsonNode *b)
{
  JsonObject *o = json_object_new ();
  JsonObject *ao = json_node_get_object (a), *bo = json_node_get_object (b);
  g_autoptr(GList) members = json_object_get_members (ao);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (json_node_get_object (config), l->data);

      if (v != NULL && json_object_has_member (bo, l->data)
          && !json_node_equal (json_object_get_member (ao, l->data),
                               json_object_get_member (bo, l->data)))
        json_object_set_member (o, l->data, json_node_copy (v));
    }
  return object_node (o);
}

static gboolean
apply_access (ShoalDp *self, ShoalConfig *c, GError **error)
{
  ShoalHttpServer *http = SHOAL_HTTP_SERVER (self->http);

  if (http == NULL)
    return TRUE;
  if (c->access == SHOAL_ACCESS_ANONYMOUS)
    {
      shoal_http_server_set_anonymous (http);
      return TRUE;
    }
  return shoal_http_server_set_account (http, c->account, c->password_file, error);
}

static gboolean
change (ShoalDp *self, JsonNode *settings, const char *what, const char *who, GError **error)
{
  g_autoptr(JsonArray) warnings = json_array_new ();
  g_autoptr(JsonNode) before = shoal_config_to_json (self->config);
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) old = NULL;
  g_autoptr(JsonNode) new_ = NULL;
  g_autoptr(ShoalConfig) c = prepare (self, settings, warnings, error);
  gboolean access_changed;

  if (c == NULL)
    return FALSE;
  after = shoal_config_to_json (c);
  old = pick (before, before, after);
  new_ = pick (after, before, after);
  if (json_object_get_size (json_node_get_object (old)) == 0)
    return TRUE;
  if (!write_config_file (self, settings, error))
    return FALSE;
  access_changed = c->access != self->config->access
                   || g_strcmp0 (c->account, self->config->account) != 0
                   || g_strcmp0 (c->password_file, self->config->password_file) != 0;
  if (access_changed && !apply_access (self, c, error))
    {
      /* prepare() read the same password file a moment ago; put the config file back. */
      write_config_file (self, old, NULL);
      return FALSE;
    }
  /* Running sessions hold their own copies of what they need: swapping is safe. */
  shoal_config_free (self->config);
  self->config = g_steal_pointer (&c);
  audit (self, who, what, old, new_);
  return TRUE;
}

gboolean
shoal_dp_change_settings (ShoalDp     *self,
                          JsonNode    *settings,
                          const char  *who,
                          GError     **error)
{
  g_return_val_if_fail (SHOAL_IS_DP (self), FALSE);
  return change (self, settings, "settings", who, error);
}

/* ---- access ---------------------------------------------------------------------------- */

static gboolean
is_our_password_file (ShoalDp *self, const char *path)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *state = NULL;

  if (path == NULL)
    return FALSE;
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  state = g_canonicalize_filename (self->config->state_dir, NULL);
  return g_str_equal (dir, state) && g_str_has_prefix (base, "account-")
         && g_str_has_suffix (base, ".pwhash");
}

gboolean
shoal_dp_set_access (ShoalDp     *self,
                     gboolean     anonymous,
                     const char  *account,
                     const char  *password,
                     const char  *who,
                     GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) req = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *path = NULL;
  g_autofree char *old_file = NULL;
  ShoalConfig *c;
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_DP (self), FALSE);

  c = self->config;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "access");
  json_builder_add_string_value (b, anonymous ? "anonymous" : "authenticated");
  if (!anonymous)
    {
      if (account == NULL || *account == '\0')
        account = c->account;
      if (account == NULL || *account == '\0' || strchr (account, ':') != NULL
          || strlen (account) > 64)
        return dp_invalid (error, "access: give the network access account's name (1 to 64 "
                           "characters, no ':')");
      if (self->tls == NULL)
        return dp_invalid (error, "access: authenticated mode sends the account's password, "
                           "so it needs TLS; set \"tls\": true and restart the distribution "
                           "point first");
      if (password == NULL || *password == '\0')
        {
          if (c->access != SHOAL_ACCESS_AUTHENTICATED || g_strcmp0 (account, c->account) != 0)
            return dp_invalid (error, "access: give the password for account \"%s\"", account);
        }
      else
        {
          guint8 rnd[4];
          g_autofree char *hex = NULL;

          if (g_utf8_strlen (password, -1) < MIN_PASSWORD)
            return dp_invalid (error, "access: the password must have at least %d characters",
                               MIN_PASSWORD);
          hash = shoal_password_hash (password, error);
          if (hash == NULL || !shoal_random_key (rnd, sizeof rnd, error))
            return FALSE;
          hex = shoal_hex_encode (rnd, sizeof rnd);
          path = g_strdup_printf ("%s/account-%s.pwhash", c->state_dir, hex);
          {
            g_autofree char *canon = g_canonicalize_filename (path, NULL);
            g_free (path);
            path = g_steal_pointer (&canon);
          }
          /* Only the salted hash ever reaches the disk. */
          if (!shoal_atomic_write (path, hash, strlen (hash), 0600, error))
            return FALSE;
        }
      json_builder_set_member_name (b, "account");
      json_builder_add_string_value (b, account);
      if (path != NULL)
        {
          json_builder_set_member_name (b, "password_file");
          json_builder_add_string_value (b, path);
        }
    }
  json_builder_end_object (b);
  req = json_builder_get_root (b);
  old_file = g_strdup (c->password_file);
  ok = change (self, req, "access", who, error);
  if (!ok && path != NULL)
    g_unlink (path);
  if (ok && path != NULL && g_strcmp0 (old_file, path) != 0
      && is_our_password_file (self, old_file))
    g_unlink (old_file);
  return ok;
}

/* ---- keys ------------------------------------------------------------------------------ */

JsonNode *
shoal_dp_regenerate_keys (ShoalDp     *self,
                          gboolean     signing,
                          const char  *who,
                          GError     **error)
{
  const char *dir;
  g_autoptr(GDir) d = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonBuilder) ob = json_builder_new ();
  g_autoptr(JsonBuilder) nb = json_builder_new ();
  g_autoptr(JsonNode) old = NULL;
  g_autoptr(JsonNode) new_ = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *previous = NULL;
  const char *name;
  guint removed = 0, total = 0;

  g_return_val_if_fail (SHOAL_IS_DP (self), NULL);

  previous = g_strdup (shoal_dp_get_key_fingerprint (self));
  /* The signing key first: its rename is the commit point of the only step that changes
   * what clients see. */
  if (signing && !shoal_keystore_rotate_signing_key (self->keystore, error))
    return NULL;
  dir = shoal_keystore_get_dir (self->keystore);
  d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *id = NULL;
      ShoalSession *s;

      if (!g_str_has_prefix (name, "session-") || !g_str_has_suffix (name, ".key"))
        continue;
      total++;
      id = g_strndup (name + strlen ("session-"), strlen (name) - strlen ("session-.key"));
      s = shoal_dp_find_session (self, id);
      if (s != NULL && shoal_session_get_finished (s) == 0)
        {
          guint8 key[32];

          /* A running session's key is the one its clients hold: keep it; reading it back
           * sets a damaged file aside and replaces it. */
          if (shoal_keystore_get_session_key (self->keystore, id, key, NULL))
            g_ptr_array_add (kept, g_steal_pointer (&id));
          memset (key, 0, sizeof key);
          continue;
        }
      if (!shoal_keystore_delete_session_key (self->keystore, id, error))
        return NULL;
      removed++;
    }

  json_builder_begin_object (ob);
  json_builder_set_member_name (ob, "signing_fingerprint");
  json_builder_add_string_value (ob, previous);
  json_builder_set_member_name (ob, "session_keys");
  json_builder_add_int_value (ob, total);
  json_builder_end_object (ob);
  old = json_builder_get_root (ob);
  json_builder_begin_object (nb);
  json_builder_set_member_name (nb, "signing_fingerprint");
  json_builder_add_string_value (nb, shoal_dp_get_key_fingerprint (self));
  json_builder_set_member_name (nb, "session_keys");
  json_builder_add_int_value (nb, kept->len);
  json_builder_end_object (nb);
  new_ = json_builder_get_root (nb);
  audit (self, who, "keys", old, new_);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "removed");
  json_builder_add_int_value (b, removed);
  json_builder_set_member_name (b, "kept");
  json_builder_begin_array (b);
  for (guint i = 0; i < kept->len; i++)
    json_builder_add_string_value (b, kept->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "signing_rotated");
  json_builder_add_boolean_value (b, signing);
  json_builder_set_member_name (b, "key_fingerprint");
  json_builder_add_string_value (b, shoal_dp_get_key_fingerprint (self));
  json_builder_set_member_name (b, "previous_fingerprint");
  json_builder_add_string_value (b, previous);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- probes ---------------------------------------------------------------------------- */

static void
remember (GPtrArray *list, gpointer item)
{
  g_ptr_array_add (list, item);
  while (list->len > MAX_REMEMBERED)
    g_ptr_array_remove_index (list, 0);
}

static ShoalProbe *
find_probe_id (ShoalDp *self, guint64 id)
{
  for (guint i = 0; self->probes != NULL && i < self->probes->len; i++)
    if (shoal_probe_get_id (g_ptr_array_index (self->probes, i)) == id)
      return g_ptr_array_index (self->probes, i);
  return NULL;
}

static ShoalProbe *
find_probe (ShoalDp *self, const char *id_text)
{
  guint64 id;

  if (!g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXUINT32, &id, NULL))
    return NULL;
  return find_probe_id (self, id);
}

static guint
json_uint (JsonObject *o, const char *key, guint fallback, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0 || json_node_get_int (n) > G_MAXUINT32)
    {
      if (error != NULL && *error == NULL)
        dp_invalid (error, "\"%s\" must be a non-negative integer", key);
      return fallback;
    }
  return (guint) json_node_get_int (n);
}

static const char *
json_str (JsonObject *o, const char *key, const char *fallback)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (n);
}

/* Arms a probe on @group/@port (NULL: the range's last address and port, which sessions
 * reach last). */
static ShoalProbe *
start_probe (ShoalDp *self, JsonObject *req, const char *interface, const char *group,
             guint port, guint ttl, guint mtu, GError **error)
{
  ShoalConfig *c = self->config;
  ShoalProbeOptions o = { 0 };
  g_autoptr(ShoalProbe) probe = NULL;
  guint32 id;

  o.group = group ? group : c->group_last;
  o.port = port ? port : c->port_last;
  o.interface = interface;
  o.ttl = ttl;
  o.transport = c->transport;
  o.count = json_uint (req, "count", PROBE_COUNT, error);
  o.size = json_uint (req, "size", shoal_symbol_size_for_mtu (mtu) + SHOAL_DATA_OVERHEAD, error);
  o.rate = json_uint (req, "rate_bps", c->max_rate ? MIN (c->max_rate, PROBE_MAX_RATE)
                                                   : PROBE_MAX_RATE, error);
  o.wait = json_uint (req, "wait", PROBE_WAIT, error);
  o.linger = json_uint (req, "linger", PROBE_LINGER, error);
  if (error != NULL && *error != NULL)
    return NULL;
  if (o.count == 0 || o.count > 1000000 || o.size < 24 || o.size > 65000 || o.rate == 0)
    {
      dp_invalid (error, "probe: count must be 1..1000000, size 24..65000 and rate_bps above 0");
      return NULL;
    }
  if (self->probes == NULL)
    self->probes = g_ptr_array_new_with_free_func (g_object_unref);
  /* One probe listens at a time: receivers ask for "the" probe. */
  for (guint i = 0; i < self->probes->len; i++)
    if (g_str_equal (shoal_probe_get_state (g_ptr_array_index (self->probes, i)), "waiting"))
      shoal_probe_cancel (g_ptr_array_index (self->probes, i));
  do
    id = g_random_int_range (1, G_MAXINT32);
  while (find_probe_id (self, id) != NULL);
  probe = shoal_probe_new (id, &o);
  if (!shoal_probe_start (probe, error))
    return NULL;
  g_message ("probe %u armed on %s port %u (%u datagrams of %u bytes at %.0f Mbit/s)", id,
             o.group, o.port, o.count, o.size, o.rate / 1e6);
  remember (self->probes, g_object_ref (probe));
  return probe;
}

static ShoalProbe *
current_probe (ShoalDp *self)
{
  for (guint i = self->probes ? self->probes->len : 0; i > 0; i--)
    {
      ShoalProbe *p = g_ptr_array_index (self->probes, i - 1);
      const char *state = shoal_probe_get_state (p);

      if (g_str_equal (state, "waiting") || g_str_equal (state, "sending"))
        return p;
    }
  return NULL;
}

/* ---- preflights ------------------------------------------------------------------------ */

static PreflightRun *
find_preflight (ShoalDp *self, const char *id)
{
  for (guint i = 0; self->preflights != NULL && i < self->preflights->len; i++)
    {
      PreflightRun *run = g_ptr_array_index (self->preflights, i);
      if (g_str_equal (run->id, id))
        return run;
    }
  return NULL;
}

static void
resolve_probe_check (PreflightRun *run)
{
  ShoalProbe *p = run->probe;
  const char *state = shoal_probe_get_state (p);
  g_autoptr(JsonNode) node = NULL;
  JsonArray *results;
  GString *who;
  double best;

  if (shoal_preflight_check_get_state (run->probe_check) > SHOAL_CHECK_RUNNING)
    return;
  node = shoal_probe_to_json (p, TRUE);
  results = json_object_get_array_member (json_node_get_object (node), "results");
  if (g_str_equal (state, "failed") || g_str_equal (state, "cancelled"))
    {
      shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_FAIL, NULL,
                                 json_object_get_string_member_with_default (
                                   json_node_get_object (node), "error", "The probe stopped."));
      return;
    }
  /* Wait for everyone who said they listen, or for the linger to end. */
  if (!g_str_equal (state, "finished")
      && !(g_str_equal (state, "done") && json_array_get_length (results) > 0
           && json_array_get_length (results)
              >= (guint) json_object_get_int_member (json_node_get_object (node),
                                                     "receivers_ready")))
    return;
  if (json_array_get_length (results) == 0)
    {
      shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_SKIP,
                                 "Run shoal-client --probe URL on a client while the preflight "
                                 "runs to test the path to it.",
                                 "No client answered the probe.");
      return;
    }
  who = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *r = json_array_get_object_element (results, i);
      g_string_append_printf (who, "%s%s received %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                              " (%.1f %% loss) at %.1f Mbit/s", who->len ? "; " : "",
                              json_object_get_string_member_with_default (r, "host", "?"),
                              json_object_get_int_member (r, "received"),
                              json_object_get_int_member (r, "count"),
                              json_object_get_double_member (r, "loss") * 100,
                              json_object_get_int_member (r, "rate_bps") / 1e6);
    }
  best = shoal_probe_get_best_loss (p);
  if (best >= 1.0)
    shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_FAIL,
                               who->str,
                               "Multicast does not reach the client: check the interface, the "
                               "TTL, IGMP snooping on the switches (see the querier check) and "
                               "firewalls on the way.");
  else if (best > 0.01)
    shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_WARN, who->str,
                               "Loss above 1 %: lower the rate, or look for a slow link or a "
                               "busy switch port on the way.");
  else
    shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_PASS, who->str, NULL);
  g_string_free (who, TRUE);
}

static void
on_probe_changed (ShoalProbe *probe, GParamSpec *pspec, PreflightRun *run)
{
  resolve_probe_check (run);
}

static void
on_preflight_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  ShoalDp *self = data;

  if (!shoal_preflight_run_finish (SHOAL_PREFLIGHT (source), result, &error))
    g_warning ("preflight: %s", error->message);
  for (guint i = 0; self->preflights != NULL && i < self->preflights->len; i++)
    {
      PreflightRun *run = g_ptr_array_index (self->preflights, i);
      if (run->preflight == SHOAL_PREFLIGHT (source))
        run->preflight_done = TRUE;
    }
  g_object_unref (self);
}

static char **
own_streams (ShoalDp *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GHashTableIter iter;
  SessionInfo *info;
  const char *id;

  g_hash_table_iter_init (&iter, self->session_info);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &info))
    {
      ShoalSession *s = shoal_dp_find_session (self, id);

      if (s != NULL && shoal_session_get_finished (s) == 0)
        {
          g_autofree char *pair = g_strdup_printf ("%s %u", info->group, info->port);
          g_strv_builder_add (b, pair);
        }
    }
  for (guint i = 0; self->probes != NULL && i < self->probes->len; i++)
    if (shoal_probe_get_active (g_ptr_array_index (self->probes, i)))
      {
        g_autoptr(JsonNode) n = shoal_probe_to_json (g_ptr_array_index (self->probes, i), FALSE);
        JsonObject *o = json_node_get_object (n);

        g_autofree char *pair = g_strdup_printf ("%s %" G_GINT64_FORMAT,
                                                 json_object_get_string_member (o, "group"),
                                                 json_object_get_int_member (o, "port"));

        g_strv_builder_add (b, pair);
      }
  return g_strv_builder_end (b);
}

static PreflightRun *
start_preflight (ShoalDp *self, JsonNode *request, GError **error)
{
  ShoalConfig *c = self->config;
  JsonObject *req = json_node_get_object (request);
  ShoalPreflightOptions o = { 0 };
  g_auto(GStrv) exclude = NULL;
  g_auto(GStrv) only = NULL;
  g_autoptr(GError) local = NULL;
  PreflightRun *run;
  guint probe_wait;
  JsonNode *only_node;

  o.interface = json_object_has_member (req, "interface")
                ? json_str (req, "interface", NULL) : c->interface;
  o.group_first = json_str (req, "group_first", c->group_first);
  o.group_last = json_str (req, "group_last", c->group_last);
  o.port_first = json_uint (req, "port_first", c->port_first, &local);
  o.port_last = json_uint (req, "port_last", c->port_last, &local);
  o.ttl = json_uint (req, "ttl", c->ttl, &local);
  o.mtu = json_uint (req, "mtu", c->mtu, &local);
  o.querier_wait = json_uint (req, "querier_wait", 10, &local);
  o.listen_time = json_uint (req, "listen", 3, &local);
  probe_wait = json_uint (req, "probe_wait", 0, &local);
  only_node = json_object_get_member (req, "only");
  if (only_node != NULL && JSON_NODE_HOLDS_ARRAY (only_node))
    {
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      JsonArray *a = json_node_get_array (only_node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        if (json_node_get_value_type (json_array_get_element (a, i)) == G_TYPE_STRING)
          g_strv_builder_add (b, json_array_get_string_element (a, i));
      only = g_strv_builder_end (b);
      o.only = (const char * const *) only;
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "preflight: ");
      return NULL;
    }
  if (o.querier_wait > 120 || o.listen_time > 60 || probe_wait > 600)
    {
      dp_invalid (error, "preflight: querier_wait is at most 120 s, listen 60 s and probe_wait "
                  "600 s");
      return NULL;
    }
  exclude = own_streams (self);
  o.exclude = (const char * const *) exclude;

  run = g_new0 (PreflightRun, 1);
  run->preflight = shoal_preflight_new (&o, error);
  if (run->preflight == NULL)
    {
      preflight_run_free (run);
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = SHOAL_DP_ERROR;
          (*error)->code = SHOAL_DP_ERROR_INVALID;
        }
      return NULL;
    }
  run->id = g_strdup_printf ("%08x", g_random_int ());
  run->options = json_node_copy (request);
  if (probe_wait > 0)
    {
      g_autoptr(JsonObject) preq = json_object_new ();

      json_object_set_int_member (preq, "wait", probe_wait);
      run->probe_check = g_object_ref (shoal_preflight_add_check (run->preflight, "probe",
                                                                  "Probe from a real client"));
      run->probe = start_probe (self, preq, o.interface, o.group_last, o.port_last, o.ttl, o.mtu,
                                &local);
      if (run->probe == NULL)
        shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_FAIL, local->message,
                                   "Check the interface and the range above.");
      else
        {
          g_object_ref (run->probe);
          shoal_preflight_check_set (run->probe_check, SHOAL_CHECK_RUNNING, NULL, NULL);
          g_signal_connect (run->probe, "notify::state", G_CALLBACK (on_probe_changed), run);
          g_signal_connect (run->probe, "notify::n-results", G_CALLBACK (on_probe_changed), run);
        }
    }
  if (self->preflights == NULL)
    self->preflights = g_ptr_array_new_with_free_func (preflight_run_free);
  remember (self->preflights, run);
  shoal_preflight_run_async (run->preflight, NULL, on_preflight_done, g_object_ref (self));
  g_message ("preflight %s started on %s, %s..%s, ports %u..%u", run->id,
             o.interface ? o.interface : "the kernel's choice of interface", o.group_first,
             o.group_last, o.port_first, o.port_last);
  return run;
}

static JsonNode *
preflight_json (PreflightRun *run)
{
  JsonNode *node = shoal_preflight_to_json (run->preflight);
  JsonObject *o = json_node_get_object (node);
  gboolean done = run->preflight_done
                  && (run->probe_check == NULL
                      || shoal_preflight_check_get_state (run->probe_check) > SHOAL_CHECK_RUNNING);

  json_object_set_string_member (o, "id", run->id);
  json_object_set_string_member (o, "state", done ? "done" : "running");
  json_object_set_member (o, "options", json_node_copy (run->options));
  if (run->probe != NULL)
    json_object_set_member (o, "probe", shoal_probe_to_json (run->probe, TRUE));
  return node;
}

JsonNode *
shoal_dp_admin_dup_last_preflight (ShoalDp *self)
{
  for (guint i = self->preflights ? self->preflights->len : 0; i-- > 0; )
    {
      PreflightRun *run = g_ptr_array_index (self->preflights, i);
      JsonNode *node = preflight_json (run);

      if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node),
                                                                 "state", NULL), "done") == 0)
        return node;
      json_node_unref (node);
    }
  return NULL;
}

/* ---- HTTP ------------------------------------------------------------------------------ */

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
  if (error->domain == SHOAL_CONFIG_ERROR || error->domain == SHOAL_HTTP_SERVER_ERROR
      || error->domain == G_IO_ERROR)
    return SOUP_STATUS_BAD_REQUEST;
  /* The network refuses what the request asks for (an interface, a group). */
  if (error->domain == SHOAL_TRANSPORT_ERROR)
    return SOUP_STATUS_CONFLICT;
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

static JsonNode *
body_json (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (g_bytes_get_size (bytes) == 0)
    return object_node (json_object_new ());
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), &error)
      || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
                              "the request body must be a JSON object%s%s",
                              error ? ": " : "", error ? error->message : "");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

static void
reply_status (ShoalDp *self, SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "access");
  json_builder_add_string_value (b, self->config->access == SHOAL_ACCESS_ANONYMOUS
                                    ? "anonymous" : "authenticated");
  json_builder_set_member_name (b, "account");
  if (self->config->access == SHOAL_ACCESS_AUTHENTICATED && self->config->account)
    json_builder_add_string_value (b, self->config->account);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "tls_fingerprint");
  if (self->tls_fingerprint)
    json_builder_add_string_value (b, self->tls_fingerprint);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "key_fingerprint");
  json_builder_add_string_value (b, shoal_dp_get_key_fingerprint (self));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
}

gboolean
shoal_dp_admin_handle_api (ShoalDp            *self,
                           SoupServerMessage  *msg,
                           const char         *method,
                           char              **parts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) req = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *what = parts[0];
  const char *sub = parts[1];
  gboolean post = g_str_equal (method, "POST");
  gboolean get = g_str_equal (method, "GET");

  if (g_str_equal (what, "settings") && g_strcmp0 (sub, "check") == 0 && post)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) warnings = NULL;

      if ((req = body_json (msg)) == NULL)
        return TRUE;
      if (!shoal_dp_check_settings (self, req, &warnings, &error))
        return shoal_http_reply_error (msg, status_for (error), "%s", error->message), TRUE;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "warnings");
      json_builder_add_value (b, g_steal_pointer (&warnings));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
      return TRUE;
    }
  if (g_str_equal (what, "keys") && g_strcmp0 (sub, "regenerate") == 0 && parts[2] == NULL)
    {
      if (!post)
        return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use POST"), TRUE;
      if ((req = body_json (msg)) == NULL)
        return TRUE;
      node = shoal_dp_regenerate_keys (self,
                                       json_object_get_boolean_member_with_default (
                                         json_node_get_object (req), "signing", FALSE),
                                       shoal_dp_admin_who (msg), &error);
      if (node == NULL)
        return shoal_http_reply_error (msg, status_for (error), "keys: %s", error->message), TRUE;
      shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
      return TRUE;
    }
  if (g_str_equal (what, "access") && sub == NULL)
    {
      JsonObject *o;
      JsonNode *anon;

      if (get)
        return reply_status (self, msg), TRUE;
      if (!g_str_equal (method, "PUT"))
        return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "use GET or PUT"), TRUE;
      if ((req = body_json (msg)) == NULL)
        return TRUE;
      o = json_node_get_object (req);
      anon = json_object_get_member (o, "anonymous");
      if (anon == NULL || !JSON_NODE_HOLDS_VALUE (anon)
          || json_node_get_value_type (anon) != G_TYPE_BOOLEAN)
        return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
                                       "access: \"anonymous\" must be true or false"), TRUE;
      if (!shoal_dp_set_access (self, json_node_get_boolean (anon), json_str (o, "account", NULL),
                                json_str (o, "password", NULL), shoal_dp_admin_who (msg),
                                &error))
        return shoal_http_reply_error (msg, status_for (error), "%s", error->message), TRUE;
      reply_status (self, msg);
      return TRUE;
    }
  if (g_str_equal (what, "audit") && sub == NULL && get)
    {
      const char *q = g_uri_get_query (soup_server_message_get_uri (msg));
      guint64 limit = 100;

      if (q != NULL && g_str_has_prefix (q, "limit="))
        g_ascii_string_to_unsigned (q + 6, 10, 1, 10000, &limit, NULL);
      node = shoal_dp_read_audit (self, (guint) limit, &error);
      if (node == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s",
                                       error->message), TRUE;
      shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
      return TRUE;
    }
  if (g_str_equal (what, "interfaces") && sub == NULL && get)
    {
      g_autoptr(GListStore) all = shoal_net_interface_list (&error);

      if (all == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "%s",
                                       error->message), TRUE;
      node = shoal_net_interface_list_to_json (G_LIST_MODEL (all));
      shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
      return TRUE;
    }
  if (g_str_equal (what, "preflight"))
    {
      PreflightRun *run;

      if (sub == NULL && post)
        {
          if ((req = body_json (msg)) == NULL)
            return TRUE;
          run = start_preflight (self, req, &error);
          if (run == NULL)
            return shoal_http_reply_error (msg, status_for (error), "%s", error->message), TRUE;
          node = preflight_json (run);
          shoal_http_reply_json (msg, SOUP_STATUS_CREATED, node);
          return TRUE;
        }
      if (sub != NULL && parts[2] == NULL && get)
        {
          run = find_preflight (self, sub);
          if (run == NULL)
            return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no preflight \"%s\"",
                                           sub), TRUE;
          node = preflight_json (run);
          shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
          return TRUE;
        }
      return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                     "use POST /api/v1/preflight or GET /api/v1/preflight/ID"),
             TRUE;
    }
  if (g_str_equal (what, "probe"))
    {
      ShoalProbe *probe;

      if (sub == NULL && post)
        {
          ShoalConfig *c = self->config;

          if ((req = body_json (msg)) == NULL)
            return TRUE;
          if (!c->multicast_enabled)
            return shoal_http_reply_error (msg, SOUP_STATUS_CONFLICT,
                                           "probe: multicast is disabled on this distribution "
                                           "point"), TRUE;
          probe = start_probe (self, json_node_get_object (req), c->interface, NULL, 0, c->ttl,
                               c->mtu, &error);
          if (probe == NULL)
            return shoal_http_reply_error (msg, status_for (error), "probe: %s",
                                           error->message), TRUE;
          node = shoal_probe_to_json (probe, TRUE);
          shoal_http_reply_json (msg, SOUP_STATUS_CREATED, node);
          return TRUE;
        }
      if (sub != NULL && parts[2] == NULL && get)
        {
          probe = find_probe (self, sub);
          if (probe == NULL)
            return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no probe \"%s\"", sub),
                   TRUE;
          node = shoal_probe_to_json (probe, TRUE);
          shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
          return TRUE;
        }
      return shoal_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                     "use POST /api/v1/probe or GET /api/v1/probe/ID"), TRUE;
    }
  return FALSE;
}

/* GET /probe, POST /probe/ID/ready, POST /probe/ID/result: the receivers' side, in the
 * content access class, so a probe also proves that clients get past access control. */
static void
handle_probe (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  ShoalDp *self = data;
  const char *method = soup_server_message_get_method (msg);
  g_auto(GStrv) parts = g_strsplit (path + 1, "/", 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  ShoalProbe *probe;

  if (parts[1] == NULL && g_str_equal (method, "GET"))
    {
      probe = current_probe (self);
      if (probe == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND,
                                       "no probe is armed on this distribution point: an admin "
                                       "starts one (shoalctl preflight --probe-wait S, or the "
                                       "console's wizard)");
      node = shoal_probe_to_json (probe, FALSE);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Cache-Control", "no-store");
      return shoal_http_reply_json (msg, SOUP_STATUS_OK, node);
    }
  if (parts[1] != NULL && parts[2] != NULL && parts[3] == NULL && g_str_equal (method, "POST"))
    {
      const char *from = soup_server_message_get_remote_host (msg);

      probe = find_probe (self, parts[1]);
      if (probe == NULL)
        return shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no probe \"%s\"", parts[1]);
      if ((node = body_json (msg)) == NULL)
        return;
      if (g_str_equal (parts[2], "ready"))
        {
          shoal_probe_client_ready (probe, from);
          soup_server_message_set_status (msg, SOUP_STATUS_ACCEPTED, NULL);
          return;
        }
      if (g_str_equal (parts[2], "result"))
        {
          if (!shoal_probe_add_result (probe, node, from, &error))
            return shoal_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
          soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
          return;
        }
    }
  shoal_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "no such resource: %s", path);
}

void
shoal_dp_admin_http_start (ShoalDp  *self,
                           gpointer  http)
{
  shoal_http_server_add_handler (SHOAL_HTTP_SERVER (http), "/probe", SHOAL_ACCESS_CONTENT,
                                 handle_probe, self, NULL);
}
