/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's admin commands. Each one checks with the distribution point before it changes
 * anything, so a refused change prints the server's reason and leaves the point as it was.
 * Failures print one line naming what failed and exit 1; usage errors exit 2. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "shoal-ctl-admin.h"
#include "shoal-dp.h"
#include "shoal-json-file.h"

/* A node that takes @object over (json_node_init_object would add a reference). */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* ---- parsing --------------------------------------------------------------------------- */

gboolean
shoal_parse_rate (const char  *text,
                  const char  *what,
                  guint64     *bps,
                  GError     **error)
{
  g_autofree char *t = g_strstrip (g_strdup (text ? text : ""));
  char *end = NULL;
  double v, mult = 1;
  gsize len = strlen (t);

  if (len > 0)
    switch (g_ascii_tolower (t[len - 1]))
      {
      case 'k': mult = 1e3; t[--len] = '\0'; break;
      case 'm': mult = 1e6; t[--len] = '\0'; break;
      case 'g': mult = 1e9; t[--len] = '\0'; break;
      default: break;
      }
  v = g_ascii_strtod (t, &end);
  if (len == 0 || end == t || *end != '\0' || v <= 0 || v * mult > 1e12)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                   "%s: \"%s\" is not a rate such as 100M, 1G, 10G or bits per second", what,
                   text ? text : "");
      return FALSE;
    }
  *bps = (guint64) (v * mult + 0.5);
  return TRUE;
}

gboolean
shoal_parse_group_range (const char  *text,
                         char       **first,
                         char       **last,
                         GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text ? text : "", "-", 2);
  g_autoptr(GInetAddress) a = NULL;
  g_autoptr(GInetAddress) b = NULL;

  if (g_strv_length (parts) == 2)
    {
      a = g_inet_address_new_from_string (g_strstrip (parts[0]));
      b = g_inet_address_new_from_string (g_strstrip (parts[1]));
    }
  if (a == NULL || b == NULL)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                   "range \"%s\": give two addresses, FIRST-LAST, such as "
                   "239.255.42.1-239.255.42.254", text ? text : "");
      return FALSE;
    }
  if (!g_inet_address_get_is_multicast (a) || !g_inet_address_get_is_multicast (b)
      || g_inet_address_get_family (a) != g_inet_address_get_family (b))
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                   "range \"%s\": both ends must be multicast addresses of one family "
                   "(239.0.0.0/8 for IPv4, ff05::/16 for IPv6)", text);
      return FALSE;
    }
  if (memcmp (g_inet_address_to_bytes (a), g_inet_address_to_bytes (b),
              g_inet_address_get_native_size (a)) > 0)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                   "range \"%s\": %s is above %s; give the lowest address first", text,
                   parts[0], parts[1]);
      return FALSE;
    }
  *first = g_inet_address_to_string (a);
  *last = g_inet_address_to_string (b);
  return TRUE;
}

gboolean
shoal_parse_port_range (const char  *text,
                        guint       *first,
                        guint       *last,
                        GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text ? text : "", "-", 2);
  guint64 a = 0, b = 0;
  gboolean ok = parts[0] != NULL
                && g_ascii_string_to_unsigned (g_strstrip (parts[0]), 10, 1, 65535, &a, NULL);

  if (ok && parts[1] != NULL)
    ok = g_ascii_string_to_unsigned (g_strstrip (parts[1]), 10, 1, 65535, &b, NULL) && a <= b;
  else
    b = a;
  if (!ok)
    {
      g_set_error (error, SHOAL_DP_ERROR, SHOAL_DP_ERROR_INVALID,
                   "ports \"%s\": give FIRST-LAST within 1..65535, lowest first, such as "
                   "47000-47999", text ? text : "");
      return FALSE;
    }
  *first = (guint) a;
  *last = (guint) b;
  return TRUE;
}

/* ---- shared ---------------------------------------------------------------------------- */

JsonNode *
shoal_preflight_follow (ShoalRestClient *client,
                        const char      *id,
                        guint            interval_ms,
                        guint            timeout_s,
                        void           (*progress) (JsonNode *answer, gpointer data),
                        gpointer         data,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/preflight/%s", id);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(JsonNode) node = shoal_rest_client_call (client, "GET", path, NULL, error);
      const char *state;

      if (node == NULL)
        return NULL;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_BAD_RESPONSE,
                       "%s: the answer is not a JSON object", path);
          return NULL;
        }
      if (progress != NULL)
        progress (node, data);
      state = json_object_get_string_member_with_default (json_node_get_object (node), "state",
                                                          "");
      if (g_str_equal (state, "done"))
        return g_steal_pointer (&node);
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_SERVER,
                       "preflight %s did not finish within %u s", id, timeout_s);
          return NULL;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_usleep (interval_ms * 1000);
    }
}

char *
shoal_access_client_command (const char *url,
                             const char *account)
{
  GString *s = g_string_new ("shoal-client --server ");

  g_string_append (s, url);
  g_string_append (s, " --package PACKAGE --output /dev/sda");
  if (account != NULL)
    g_string_append_printf (s, " --user %s --password-file /run/shoal-password", account);
  return g_string_free (s, FALSE);
}

char *
shoal_access_boot_snippet (const char *url,
                           const char *tls_fingerprint,
                           const char *key_fingerprint)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, url);
  json_builder_begin_object (b);
  if (tls_fingerprint != NULL)
    {
      json_builder_set_member_name (b, "tls");
      json_builder_add_string_value (b, tls_fingerprint);
    }
  if (key_fingerprint != NULL)
    {
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, key_fingerprint);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  return g_strdup_printf ("# $HOME/.config/shoal/known-servers.json on the boot media\n%s\n",
                          json);
}

static ShoalRestClient *
connect_dp (const ShoalCtlGlobals *g, GError **error)
{
  g_autofree char *token = NULL;

  if (g->server == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE,
                   "no distribution point: give --server URL or set $SHOAL_SERVER");
      return NULL;
    }
  if (g->token_file != NULL && (token = shoal_rest_read_token (g->token_file, error)) == NULL)
    return NULL;
  return shoal_rest_client_new (g->server, token, NULL);
}

static int
fail (const char *cmd, GError *error)
{
  fprintf (stderr, "shoalctl %s: %s\n", cmd, error->message);
  return SHOAL_EXIT_FAILURE;
}

static int
usage (const char *cmd, const char *message)
{
  g_autofree char *prog = g_strdup_printf ("shoalctl %s", cmd);

  shoal_cli_usage_error (prog, "%s", message);
  return SHOAL_EXIT_USAGE;
}

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static gboolean
parse (const char *cmd, const char *params, const char *summary, GOptionEntry *entries,
       int *argc, char ***argv, int *rc)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (params);
  g_autofree char *prog = g_strdup_printf ("shoalctl %s", cmd);

  g_option_context_set_summary (ctx, summary);
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  *rc = shoal_cli_parse (ctx, prog, argc, argv);
  return *rc < 0;
}

static const char *
str (JsonObject *o, const char *key, const char *fallback)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (n);
}

static const char *
mark (const char *state)
{
  if (g_strcmp0 (state, "pass") == 0)
    return "PASS";
  if (g_strcmp0 (state, "warn") == 0)
    return "WARN";
  if (g_strcmp0 (state, "fail") == 0)
    return "FAIL";
  if (g_strcmp0 (state, "skip") == 0)
    return "SKIP";
  return "....";
}

static void
print_checks (JsonNode *preflight)
{
  JsonArray *checks = json_object_get_array_member (json_node_get_object (preflight), "checks");

  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);

      printf ("%s  %-30s %s\n", mark (str (c, "state", NULL)), str (c, "title", "?"),
              str (c, "detail", ""));
      if (str (c, "remedy", NULL) != NULL && !g_str_equal (str (c, "state", ""), "pass"))
        printf ("      -> %s\n", str (c, "remedy", NULL));
    }
}

/* ---- multicast ------------------------------------------------------------------------- */

typedef struct
{
  char    *interface;
  char    *range;
  char    *ports;
  char    *rate;
  char    *min_rate;
  int      ttl;
  int      mtu;
  int      min_clients;
  int      max_wait;
  int      max_clients;
  gboolean adaptive;
  gboolean drop_slow;
  int      slow_loss;
} MulticastOptions;

static gboolean
multicast_settings (MulticastOptions *m, gboolean enable, JsonNode **out, GError **error)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_boolean_member (o, "multicast_enabled", enable);
  if (m->interface != NULL)
    json_object_set_string_member (o, "interface", m->interface);
  if (m->range != NULL)
    {
      g_autofree char *first = NULL, *last = NULL;

      if (!shoal_parse_group_range (m->range, &first, &last, error))
        return FALSE;
      json_object_set_string_member (o, "group_first", first);
      json_object_set_string_member (o, "group_last", last);
    }
  if (m->ports != NULL)
    {
      guint first, last;

      if (!shoal_parse_port_range (m->ports, &first, &last, error))
        return FALSE;
      json_object_set_int_member (o, "port_first", first);
      json_object_set_int_member (o, "port_last", last);
    }
  if (m->rate != NULL)
    {
      guint64 bps;

      if (!shoal_parse_rate (m->rate, "--rate", &bps, error))
        return FALSE;
      json_object_set_int_member (o, "max_rate", (gint64) bps);
    }
  if (m->min_rate != NULL)
    {
      guint64 bps;

      if (!shoal_parse_rate (m->min_rate, "--min-rate", &bps, error))
        return FALSE;
      json_object_set_int_member (o, "min_rate", (gint64) bps);
    }
  if (m->adaptive)
    json_object_set_boolean_member (o, "adaptive", TRUE);
  if (m->drop_slow)
    json_object_set_boolean_member (o, "drop_slow", TRUE);
#define SET_INT(key, v) if ((v) >= 0) json_object_set_int_member (o, key, v)
  SET_INT ("ttl", m->ttl);
  SET_INT ("mtu", m->mtu);
  SET_INT ("min_clients", m->min_clients);
  SET_INT ("max_wait", m->max_wait);
  SET_INT ("max_clients", m->max_clients);
  SET_INT ("slow_loss_percent", m->slow_loss);
#undef SET_INT
  *out = json_node_init_object (json_node_alloc (), o);
  return TRUE;
}

/* Runs the preflight on the settings about to be applied; FALSE when a check failed. */
static gboolean
preflight_settings (ShoalRestClient *rc, JsonNode *settings, guint querier_wait,
                    JsonNode **answer, GError **error)
{
  g_autoptr(JsonNode) started = NULL;
  JsonObject *req = json_object_new ();
  g_autoptr(JsonNode) body = object_node (req);
  JsonObject *s = json_node_get_object (settings);
  const char *keys[] = { "interface", "group_first", "group_last", "port_first", "port_last",
                         "ttl", "mtu" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_has_member (s, keys[i]))
      json_object_set_member (req, keys[i], json_node_copy (json_object_get_member (s, keys[i])));
  json_object_set_int_member (req, "querier_wait", querier_wait);
  started = shoal_rest_client_call (rc, "POST", "/api/v1/preflight", body, error);
  if (started == NULL)
    return FALSE;
  *answer = shoal_preflight_follow (rc, str (json_node_get_object (started), "id", "?"), 500,
                                    querier_wait + 120, NULL, NULL, NULL, error);
  return *answer != NULL;
}

int
shoal_ctl_cmd_multicast (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) settings = NULL;
  g_autoptr(JsonNode) check = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(JsonNode) keys = NULL;
  g_autoptr(JsonNode) status = NULL;
  MulticastOptions m = { .ttl = -1, .mtu = -1, .min_clients = -1, .max_wait = -1,
                         .max_clients = -1, .slow_loss = -1 };
  gboolean regenerate = FALSE, signing = FALSE, json = FALSE, preflight = FALSE;
  int querier_wait = 10;
  GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &m.interface, "Interface to multicast on", "IF" },
    { "range", 0, 0, G_OPTION_ARG_STRING, &m.range, "Multicast addresses", "FIRST-LAST" },
    { "ports", 0, 0, G_OPTION_ARG_STRING, &m.ports, "UDP ports", "FIRST-LAST" },
    { "rate", 0, 0, G_OPTION_ARG_STRING, &m.rate, "Maximum rate: 100M, 1G, 10G, ...", "RATE" },
    { "adaptive", 0, 0, G_OPTION_ARG_NONE, &m.adaptive, "Back off on reported loss", NULL },
    { "min-rate", 0, 0, G_OPTION_ARG_STRING, &m.min_rate, "Adaptive floor", "RATE" },
    { "ttl", 0, 0, G_OPTION_ARG_INT, &m.ttl, "Multicast TTL", "N" },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &m.mtu, "Largest packet to send", "BYTES" },
    { "min-clients", 0, 0, G_OPTION_ARG_INT, &m.min_clients, "Start rule: clients", "N" },
    { "max-wait", 0, 0, G_OPTION_ARG_INT, &m.max_wait, "Start rule: seconds", "S" },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &m.max_clients, "Refuse clients beyond", "N" },
    { "drop-slow", 0, 0, G_OPTION_ARG_NONE, &m.drop_slow, "Send slow clients to HTTP", NULL },
    { "slow-loss", 0, 0, G_OPTION_ARG_INT, &m.slow_loss, "Loss that makes a client slow", "%" },
    { "preflight", 0, 0, G_OPTION_ARG_NONE, &preflight,
      "Run the network preflight first and stop if a check fails", NULL },
    { "wait-querier", 0, 0, G_OPTION_ARG_INT, &querier_wait,
      "With --preflight: seconds to wait for an IGMP querier (default 10)", "S" },
    { "regenerate-keys", 0, 0, G_OPTION_ARG_NONE, &regenerate,
      "Remove the keys of finished sessions (running ones keep theirs)", NULL },
    { "signing-key", 0, 0, G_OPTION_ARG_NONE, &signing,
      "With --regenerate-keys: also replace the signing key (clients must re-pin)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  int code;
  JsonArray *warnings;

  if (!parse ("multicast", "enable|disable", "Switch multicast on (with its settings) or off. "
              "The settings are checked first; nothing changes when a check fails.", entries,
              &argc, &argv, &code))
    goto out;
  code = SHOAL_EXIT_USAGE;
  if (argc != 2 || (!g_str_equal (argv[1], "enable") && !g_str_equal (argv[1], "disable")))
    {
      usage ("multicast", "give 'enable' or 'disable'");
      goto out;
    }
  if (signing && !regenerate)
    {
      usage ("multicast", "--signing-key goes with --regenerate-keys");
      goto out;
    }
  code = SHOAL_EXIT_FAILURE;
  if (!multicast_settings (&m, g_str_equal (argv[1], "enable"), &settings, &error)
      || (rc = connect_dp (g, &error)) == NULL
      || (check = shoal_rest_client_call (rc, "POST", "/api/v1/settings/check", settings,
                                          &error)) == NULL)
    {
      code = fail ("multicast", error);
      goto out;
    }
  warnings = json_object_get_array_member (json_node_get_object (check), "warnings");
  for (guint i = 0; !json && warnings && i < json_array_get_length (warnings); i++)
    printf ("warning: %s\n", json_array_get_string_element (warnings, i));
  if (preflight && g_str_equal (argv[1], "enable"))
    {
      g_autoptr(JsonNode) answer = NULL;

      if (!preflight_settings (rc, settings, MAX (querier_wait, 0), &answer, &error))
        {
          code = fail ("multicast", error);
          goto out;
        }
      if (!json)
        print_checks (answer);
      if (g_strcmp0 (str (json_node_get_object (answer), "outcome", NULL), "fail") == 0)
        {
          fprintf (stderr, "shoalctl multicast: the preflight failed; nothing was changed\n");
          goto out;
        }
    }
  if ((applied = shoal_rest_client_call (rc, "PUT", "/api/v1/settings", settings,
                                         &error)) == NULL)
    {
      code = fail ("multicast", error);
      goto out;
    }
  if (regenerate)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      g_autoptr(JsonNode) body = NULL;

      json_object_set_boolean_member (o, "signing", signing);
      body = json_node_init_object (json_node_alloc (), o);
      if ((keys = shoal_rest_client_call (rc, "POST", "/api/v1/keys/regenerate", body,
                                          &error)) == NULL)
        {
          code = fail ("multicast", error);
          goto out;
        }
    }
  status = shoal_rest_client_call (rc, "GET", "/api/v1/status", NULL, NULL);
  code = SHOAL_EXIT_OK;
  if (json)
    {
      print_json (applied);
      goto out;
    }
  {
    JsonObject *a = json_node_get_object (applied);
    const char *file = status ? str (json_node_get_object (status), "config_file", NULL) : NULL;

    if (g_str_equal (argv[1], "disable"))
      printf ("multicast disabled: clients fetch packages over HTTP\n");
    else
      printf ("multicast enabled on %s, %s-%s, ports %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
              ", TTL %" G_GINT64_FORMAT ", %.0f Mbit/s%s\n",
              str (a, "interface", "the kernel's choice of interface"),
              str (a, "group_first", "?"), str (a, "group_last", "?"),
              json_object_get_int_member (a, "port_first"),
              json_object_get_int_member (a, "port_last"), json_object_get_int_member (a, "ttl"),
              json_object_get_int_member (a, "max_rate") / 1e6,
              json_object_get_boolean_member (a, "adaptive") ? " (adaptive)" : "");
    if (file != NULL)
      printf ("saved to %s\n", file);
    else
      printf ("not saved: the distribution point runs without a config file\n");
    if (keys != NULL)
      printf ("keys: %" G_GINT64_FORMAT " stale session keys removed, %u kept for running "
              "sessions; signing key %s\n",
              json_object_get_int_member (json_node_get_object (keys), "removed"),
              json_array_get_length (json_object_get_array_member (json_node_get_object (keys),
                                                                   "kept")),
              str (json_node_get_object (keys), "key_fingerprint", "?"));
  }

out:
  g_free (m.interface);
  g_free (m.range);
  g_free (m.ports);
  g_free (m.rate);
  g_free (m.min_rate);
  return code;
}

/* ---- preflight ------------------------------------------------------------------------- */

static void
print_probe_hint (JsonNode *answer, gpointer data)
{
  gboolean *shown = data;
  JsonObject *o = json_node_get_object (answer);

  if (!*shown && json_object_has_member (o, "probe"))
    {
      JsonObject *p = json_object_get_object_member (o, "probe");

      printf ("probe armed on %s port %" G_GINT64_FORMAT ": run `shoal-client --probe URL` on a "
              "client now\n", str (p, "group", "?"), json_object_get_int_member (p, "port"));
      fflush (stdout);
      *shown = TRUE;
    }
}

int
shoal_ctl_cmd_preflight (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) started = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *interface = NULL, *range = NULL, *ports = NULL;
  int querier_wait = 10, listen = 3, probe_wait = 0, ttl = -1, mtu = -1;
  gboolean json = FALSE, hint = FALSE;
  GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface, "Interface to test", "IF" },
    { "range", 0, 0, G_OPTION_ARG_STRING, &range, "Multicast addresses", "FIRST-LAST" },
    { "ports", 0, 0, G_OPTION_ARG_STRING, &ports, "UDP ports", "FIRST-LAST" },
    { "ttl", 0, 0, G_OPTION_ARG_INT, &ttl, "TTL to test", "N" },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, "MTU to size datagrams for", "BYTES" },
    { "wait-querier", 0, 0, G_OPTION_ARG_INT, &querier_wait,
      "Seconds to wait for an IGMP querier (default 10; 0 skips)", "S" },
    { "listen", 0, 0, G_OPTION_ARG_INT, &listen,
      "Seconds to listen for other senders on the range (default 3; 0 skips)", "S" },
    { "probe-wait", 0, 0, G_OPTION_ARG_INT, &probe_wait,
      "Arm a probe and wait this long for shoal-client --probe on a client", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  JsonObject *req = json_object_new ();
  g_autoptr(JsonNode) body = object_node (req);
  int code;

  if (!parse ("preflight", NULL, "Test the network from the distribution point before "
              "multicast is used: interface, send and loop-back, MTU, TTL, IGMP querier, other "
              "senders, and optionally a probe from a real client. Exits 1 if a check fails.",
              entries, &argc, &argv, &code))
    return code;
  if (argc != 1 || querier_wait < 0 || listen < 0 || probe_wait < 0)
    return usage ("preflight", "takes options only, none of them negative");
  if (interface != NULL)
    json_object_set_string_member (req, "interface", interface);
  if (range != NULL)
    {
      g_autofree char *first = NULL, *last = NULL;

      if (!shoal_parse_group_range (range, &first, &last, &error))
        return fail ("preflight", error);
      json_object_set_string_member (req, "group_first", first);
      json_object_set_string_member (req, "group_last", last);
    }
  if (ports != NULL)
    {
      guint first, last;

      if (!shoal_parse_port_range (ports, &first, &last, &error))
        return fail ("preflight", error);
      json_object_set_int_member (req, "port_first", first);
      json_object_set_int_member (req, "port_last", last);
    }
  if (ttl >= 0)
    json_object_set_int_member (req, "ttl", ttl);
  if (mtu >= 0)
    json_object_set_int_member (req, "mtu", mtu);
  json_object_set_int_member (req, "querier_wait", querier_wait);
  json_object_set_int_member (req, "listen", listen);
  json_object_set_int_member (req, "probe_wait", probe_wait);
  if ((rc = connect_dp (g, &error)) == NULL
      || (started = shoal_rest_client_call (rc, "POST", "/api/v1/preflight", body,
                                            &error)) == NULL
      || (answer = shoal_preflight_follow (rc, str (json_node_get_object (started), "id", "?"),
                                           300, querier_wait + listen + probe_wait + 60,
                                           json ? NULL : print_probe_hint, &hint, NULL,
                                           &error)) == NULL)
    return fail ("preflight", error);
  if (json)
    print_json (answer);
  else
    print_checks (answer);
  return g_strcmp0 (str (json_node_get_object (answer), "outcome", NULL), "fail") == 0
         ? SHOAL_EXIT_FAILURE : SHOAL_EXIT_OK;
}

/* ---- access ---------------------------------------------------------------------------- */

int
shoal_ctl_cmd_access (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *account = NULL, *password_file = NULL, *password = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account, "Network access account", "USER" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "File holding its password (sent once over TLS; the point keeps a salted hash)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  JsonObject *req = json_object_new ();
  g_autoptr(JsonNode) body = object_node (req);
  gboolean anonymous;
  int code;

  if (!parse ("access", "anonymous on|off", "Turn anonymous access on (anyone may fetch "
              "descriptors, keys and content) or off (the network access account is needed). "
              "Multicast works either way.", entries, &argc, &argv, &code))
    return code;
  if (argc != 3 || !g_str_equal (argv[1], "anonymous")
      || (!g_str_equal (argv[2], "on") && !g_str_equal (argv[2], "off")))
    return usage ("access", "use 'access anonymous on' or 'access anonymous off --account USER "
                  "--password-file FILE'");
  anonymous = g_str_equal (argv[2], "on");
  if (anonymous && (account != NULL || password_file != NULL))
    return usage ("access", "--account and --password-file go with 'anonymous off'");
  if (password_file != NULL)
    {
      gsize len;

      if (!shoal_json_file_read_secret (password_file, 4096, &password, &len, &error))
        return fail ("access", error);
      g_strchomp (password);
    }
  json_object_set_boolean_member (req, "anonymous", anonymous);
  if (account != NULL)
    json_object_set_string_member (req, "account", account);
  if (password != NULL)
    json_object_set_string_member (req, "password", password);
  if ((rc = connect_dp (g, &error)) == NULL
      || (answer = shoal_rest_client_call (rc, "PUT", "/api/v1/access", body, &error)) == NULL)
    {
      if (password != NULL)
        explicit_bzero (password, strlen (password));
      return fail ("access", error);
    }
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  if (json)
    return print_json (answer), SHOAL_EXIT_OK;
  {
    JsonObject *o = json_node_get_object (answer);
    const char *acct = str (o, "account", NULL);
    g_autofree char *cmd = shoal_access_client_command (g->server, acct);
    g_autofree char *snippet = shoal_access_boot_snippet (g->server, str (o, "tls_fingerprint",
                                                                          NULL),
                                                          str (o, "key_fingerprint", NULL));

    if (anonymous)
      printf ("anonymous access is on: anyone on the network may fetch descriptors, session "
              "keys and package content\n");
    else
      printf ("anonymous access is off: keys and content need the account \"%s\"\n"
              "TLS certificate: %s\nclients run:\n  %s\n%s", acct ? acct : "?",
              str (o, "tls_fingerprint", "?"), cmd, snippet);
  }
  return SHOAL_EXIT_OK;
}

/* ---- keys, probe, audit ---------------------------------------------------------------- */

int
shoal_ctl_cmd_keys (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) answer = NULL;
  gboolean signing = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "signing", 0, 0, G_OPTION_ARG_NONE, &signing,
      "Also replace the signing key (clients that pinned it must be given the new one)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  JsonObject *req = json_object_new ();
  g_autoptr(JsonNode) body = object_node (req);
  int code;

  if (!parse ("keys", "regenerate", "Regenerate the multicast keys: remove the keys of "
              "sessions that are over; running sessions keep theirs.", entries, &argc, &argv,
              &code))
    return code;
  if (argc != 2 || !g_str_equal (argv[1], "regenerate"))
    return usage ("keys", "use 'keys regenerate [--signing]'");
  json_object_set_boolean_member (req, "signing", signing);
  if ((rc = connect_dp (g, &error)) == NULL
      || (answer = shoal_rest_client_call (rc, "POST", "/api/v1/keys/regenerate", body,
                                           &error)) == NULL)
    return fail ("keys", error);
  if (json)
    return print_json (answer), SHOAL_EXIT_OK;
  {
    JsonObject *o = json_node_get_object (answer);

    printf ("removed %" G_GINT64_FORMAT " stale session keys; kept %u for running sessions\n"
            "signing key: %s%s\n", json_object_get_int_member (o, "removed"),
            json_array_get_length (json_object_get_array_member (o, "kept")),
            str (o, "key_fingerprint", "?"),
            json_object_get_boolean_member (o, "signing_rotated")
            ? " (new: give it to clients that pin it)" : " (unchanged)");
  }
  return SHOAL_EXIT_OK;
}

int
shoal_ctl_cmd_probe (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) armed = NULL;
  g_autoptr(JsonNode) last = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *path = NULL;
  int count = 0, wait = 30;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Datagrams in the burst (default 1000)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_STRING, &rate, "Rate of the burst (default 100M)", "RATE" },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait, "Seconds to wait for receivers (default 30)",
      "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  JsonObject *req = json_object_new ();
  g_autoptr(JsonNode) body = object_node (req);
  gint64 deadline;
  int code;

  if (!parse ("probe", NULL, "Arm a probe: a short multicast burst that clients running "
              "shoal-client --probe receive and report on.", entries, &argc, &argv, &code))
    return code;
  if (argc != 1 || count < 0 || wait <= 0)
    return usage ("probe", "takes options only; --wait must be positive");
  if (count > 0)
    json_object_set_int_member (req, "count", count);
  if (rate != NULL)
    {
      guint64 bps;

      if (!shoal_parse_rate (rate, "--rate", &bps, &error))
        return fail ("probe", error);
      json_object_set_int_member (req, "rate_bps", (gint64) bps);
    }
  json_object_set_int_member (req, "wait", wait);
  if ((rc = connect_dp (g, &error)) == NULL
      || (armed = shoal_rest_client_call (rc, "POST", "/api/v1/probe", body, &error)) == NULL)
    return fail ("probe", error);
  if (!json)
    {
      printf ("probe %" G_GINT64_FORMAT " armed on %s port %" G_GINT64_FORMAT "; run "
              "`shoal-client --probe %s` on clients\n",
              json_object_get_int_member (json_node_get_object (armed), "id"),
              str (json_node_get_object (armed), "group", "?"),
              json_object_get_int_member (json_node_get_object (armed), "port"), g->server);
      fflush (stdout);
    }
  path = g_strdup_printf ("/api/v1/probe/%" G_GINT64_FORMAT,
                          json_object_get_int_member (json_node_get_object (armed), "id"));
  deadline = g_get_monotonic_time () + (gint64) (wait + 30) * G_USEC_PER_SEC;
  for (;;)
    {
      const char *state;

      g_clear_pointer (&last, json_node_unref);
      if ((last = shoal_rest_client_call (rc, "GET", path, NULL, &error)) == NULL)
        return fail ("probe", error);
      state = str (json_node_get_object (last), "state", "");
      if (g_str_equal (state, "finished") || g_str_equal (state, "failed")
          || g_str_equal (state, "cancelled") || g_get_monotonic_time () > deadline)
        break;
      g_usleep (500 * 1000);
    }
  if (json)
    return print_json (last), SHOAL_EXIT_OK;
  {
    JsonObject *o = json_node_get_object (last);
    JsonArray *results = json_object_get_array_member (o, "results");

    printf ("probe %s: %u receivers reported\n", str (o, "state", "?"),
            json_array_get_length (results));
    for (guint i = 0; i < json_array_get_length (results); i++)
      {
        JsonObject *r = json_array_get_object_element (results, i);

        printf ("  %-20s %-16s %6" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                "  %5.1f %% loss  %8.1f Mbit/s\n", str (r, "host", "?"), str (r, "address", "?"),
                json_object_get_int_member (r, "received"), json_object_get_int_member (r, "count"),
                json_object_get_double_member (r, "loss") * 100,
                json_object_get_int_member (r, "rate_bps") / 1e6);
      }
    return g_str_equal (str (o, "state", ""), "failed") ? SHOAL_EXIT_FAILURE : SHOAL_EXIT_OK;
  }
}

int
shoal_ctl_cmd_audit (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *path = NULL;
  int limit = 20;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Entries to show (default 20)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  int code;

  if (!parse ("audit", NULL, "Show who changed what on the distribution point, and when.",
              entries, &argc, &argv, &code))
    return code;
  if (argc != 1 || limit <= 0)
    return usage ("audit", "takes options only; --limit must be positive");
  path = g_strdup_printf ("/api/v1/audit?limit=%d", limit);
  if ((rc = connect_dp (g, &error)) == NULL
      || (answer = shoal_rest_client_call (rc, "GET", path, NULL, &error)) == NULL)
    return fail ("audit", error);
  if (json)
    return print_json (answer), SHOAL_EXIT_OK;
  for (guint i = 0; JSON_NODE_HOLDS_ARRAY (answer)
                    && i < json_array_get_length (json_node_get_array (answer)); i++)
    {
      JsonObject *e = json_array_get_object_element (json_node_get_array (answer), i);
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *old = NULL, *new_ = NULL;

      json_generator_set_root (gen, json_object_get_member (e, "old"));
      old = json_generator_to_data (gen, NULL);
      json_generator_set_root (gen, json_object_get_member (e, "new"));
      new_ = json_generator_to_data (gen, NULL);
      printf ("%s  %-18s %-9s %s -> %s\n", str (e, "time", "?"), str (e, "who", "?"),
              str (e, "what", "?"), old, new_);
    }
  return SHOAL_EXIT_OK;
}
