/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's commands that talk to a distribution point: tables for people, --json for
 * scripts. Failures print one line naming what failed and exit 1. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "shoal-ctl-commands.h"
#include "shoal-rest-client.h"

static ShoalRestClient *
connect_dp (const ShoalCtlGlobals *g, const char *cmd, GError **error)
{
  g_autofree char *token = NULL;

  if (g->server == NULL)
    {
      g_set_error (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE,
                   "no distribution point: give --server URL or set $SHOAL_SERVER");
      return NULL;
    }
  if (g->token_file != NULL)
    {
      token = shoal_rest_read_token (g->token_file, error);
      if (token == NULL)
        return NULL;
    }
  return shoal_rest_client_new (g->server, token, NULL);
}

static int
fail (const char *cmd, GError *error)
{
  fprintf (stderr, "shoalctl %s: %s\n", cmd, error->message);
  return SHOAL_EXIT_FAILURE;
}

/* One REST call for command @cmd; on failure prints why and returns NULL. */
static JsonNode *
call (const ShoalCtlGlobals *g, const char *cmd, const char *method, const char *path,
      JsonNode *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRestClient) rc = connect_dp (g, cmd, &error);
  JsonNode *node = rc ? shoal_rest_client_call (rc, method, path, body, &error) : NULL;

  if (node == NULL)
    fail (cmd, error);
  return node;
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

static const char *
str (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return "-";
  return json_node_get_string (n);
}

static double
num (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  return json_node_get_value_type (n) == G_TYPE_DOUBLE ? json_node_get_double (n)
                                                       : (double) json_node_get_int (n);
}

static char *
human_size (double bytes)
{
  return g_format_size ((guint64) bytes);
}

/* Parses a command's own options; on a usage error returns its exit code in *rc. */
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

int
shoal_ctl_cmd_status (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                             { NULL } };
  int code;
  JsonObject *o;

  if (!parse ("status", NULL, "Show the distribution point's identity and access mode.",
              entries, &argc, &argv, &code))
    return code;
  if ((node = call (g, "status", "GET", "/api/v1/status", NULL)) == NULL)
    return SHOAL_EXIT_FAILURE;
  if (json)
    return print_json (node), 0;
  o = json_node_get_object (node);
  printf ("server:          %s\nversion:         %s\naccess:          %s\n"
          "key fingerprint: %s\nTLS certificate: %s\n", g->server, str (o, "version"),
          str (o, "access"), str (o, "key_fingerprint"), str (o, "tls_fingerprint"));
  return 0;
}

int
shoal_ctl_cmd_sessions (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                             { NULL } };
  int code;
  JsonArray *a;

  if (!parse ("sessions", NULL, "List sessions: this run's and the history.", entries, &argc,
              &argv, &code))
    return code;
  if ((node = call (g, "sessions", "GET", "/api/v1/sessions", NULL)) == NULL)
    return SHOAL_EXIT_FAILURE;
  if (json)
    return print_json (node), 0;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fprintf (stderr, "shoalctl sessions: the server's answer is not a list\n");
      return SHOAL_EXIT_FAILURE;
    }
  a = json_node_get_array (node);
  printf ("%-40s %-16s %-11s %7s %12s %8s  %s\n", "SESSION", "PACKAGE", "STATE", "CLIENTS",
          "RATE", "PROGRESS", "STARTED");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_autofree char *rate = g_strdup_printf ("%.1f Mbit/s", num (o, "rate_bps") / 1e6);

      printf ("%-40s %-16s %-11s %7.0f %12s %7.1f%%  %s\n", str (o, "id"), str (o, "package"),
              str (o, "state"), num (o, "clients_joined"), rate, num (o, "progress") * 100,
              str (o, "started"));
    }
  return 0;
}

int
shoal_ctl_cmd_clients (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *path = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                             { NULL } };
  int code;
  JsonArray *a;

  if (!parse ("clients", "SESSION", "List a session's clients.", entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    {
      shoal_cli_usage_error ("shoalctl clients", "give one SESSION (see shoalctl sessions)");
      return SHOAL_EXIT_USAGE;
    }
  path = g_strdup_printf ("/api/v1/sessions/%s/clients", argv[1]);
  if ((node = call (g, "clients", "GET", path, NULL)) == NULL)
    return SHOAL_EXIT_FAILURE;
  if (json)
    return print_json (node), 0;
  a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  printf ("%-20s %-16s %-20s %8s %12s %6s  %s\n", "HOST", "ADDRESS", "STATE", "PROGRESS",
          "RATE", "LOSS", "LAST ERROR");
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_autofree char *rate = g_strdup_printf ("%.1f Mbit/s", num (o, "rate_bps") / 1e6);

      printf ("%-20s %-16s %-20s %7.1f%% %12s %5.1f%%  %s\n", str (o, "hostname"),
              str (o, "address"), str (o, "state"), num (o, "progress") * 100, rate,
              num (o, "loss") * 100, str (o, "last_error"));
    }
  return 0;
}

int
shoal_ctl_cmd_package (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                             { NULL } };
  int code;

  if (!parse ("package", "list | import NAME PATH...",
              "List packages, or import files (paths on the distribution point) as a package.",
              entries, &argc, &argv, &code))
    return code;
  if (argc >= 2 && g_str_equal (argv[1], "list") && argc == 2)
    {
      JsonArray *a;

      if ((node = call (g, "package list", "GET", "/api/v1/packages", NULL)) == NULL)
        return SHOAL_EXIT_FAILURE;
      if (json)
        return print_json (node), 0;
      a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      printf ("%-24s %12s %6s %-10s  %s\n", "PACKAGE", "SIZE", "FILES", "STATE", "MULTICAST");
      for (guint i = 0; a && i < json_array_get_length (a); i++)
        {
          JsonObject *o = json_array_get_object_element (a, i);
          g_autofree char *size = human_size (num (o, "size"));

          printf ("%-24s %12s %6.0f %-10s  %s\n", str (o, "name"), size, num (o, "files"),
                  str (o, "state"),
                  json_object_get_boolean_member_with_default (o, "multicast_only", FALSE)
                  ? "multicast only" : "multicast + HTTP repair");
        }
      return 0;
    }
  if (argc >= 4 && g_str_equal (argv[1], "import"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, argv[2]);
      json_builder_set_member_name (b, "paths");
      json_builder_begin_array (b);
      for (int i = 3; i < argc; i++)
        {
          g_autofree char *abs = g_canonicalize_filename (argv[i], NULL);
          json_builder_add_string_value (b, abs);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      body = json_builder_get_root (b);
      if ((node = call (g, "package import", "POST", "/api/v1/packages", body)) == NULL)
        return SHOAL_EXIT_FAILURE;
      if (json)
        return print_json (node), 0;
      {
        JsonObject *o = json_node_get_object (node);
        g_autofree char *size = human_size (num (o, "size"));
        printf ("imported %s: %s in %.0f files\n", str (o, "name"), size, num (o, "files"));
      }
      return 0;
    }
  shoal_cli_usage_error ("shoalctl package", "use 'package list' or 'package import NAME PATH...'");
  return SHOAL_EXIT_USAGE;
}

int
shoal_ctl_cmd_start (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  int min_clients = -1, max_wait = -1, max_clients = -1;
  gint64 rate = 0;
  g_autofree char *at = NULL;
  gboolean now = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "min-clients", 0, 0, G_OPTION_ARG_INT, &min_clients, "Start once N clients joined", "N" },
    { "max-wait", 0, 0, G_OPTION_ARG_INT, &max_wait, "...or S seconds after the first", "S" },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients, "Refuse clients beyond N", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT64, &rate, "Maximum rate in bit/s", "BPS" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at, "Start at this time (ISO 8601)", "TIME" },
    { "now", 0, 0, G_OPTION_ARG_NONE, &now, "Start immediately", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  int code;
  JsonObject *o;

  if (!parse ("start", "PACKAGE", "Start or schedule a multicast session for a package.",
              entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    {
      shoal_cli_usage_error ("shoalctl start", "give one PACKAGE");
      return SHOAL_EXIT_USAGE;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, argv[1]);
#define ADD_INT(key, v) if ((v) >= 0) { json_builder_set_member_name (b, key); \
                                        json_builder_add_int_value (b, v); }
  ADD_INT ("min_clients", min_clients);
  ADD_INT ("max_wait", max_wait);
  ADD_INT ("max_clients", max_clients);
  if (rate > 0)
    ADD_INT ("max_rate", rate);
#undef ADD_INT
  if (at != NULL)
    {
      json_builder_set_member_name (b, "start_at");
      json_builder_add_string_value (b, at);
    }
  if (now)
    {
      json_builder_set_member_name (b, "immediate");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  if ((node = call (g, "start", "POST", "/api/v1/sessions", body)) == NULL)
    return SHOAL_EXIT_FAILURE;
  if (json)
    return print_json (node), 0;
  o = json_node_get_object (node);
  printf ("session %s: package %s on %s port %.0f, %s\n", str (o, "id"), str (o, "package"),
          str (o, "group"), num (o, "port"), str (o, "state"));
  return 0;
}

int
shoal_ctl_cmd_stop (const ShoalCtlGlobals *g, int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *path = NULL;
  int code;

  if (!parse ("stop", "SESSION", "Stop a session; its clients finish over HTTP.", NULL, &argc,
              &argv, &code))
    return code;
  if (argc != 2)
    {
      shoal_cli_usage_error ("shoalctl stop", "give one SESSION");
      return SHOAL_EXIT_USAGE;
    }
  path = g_strdup_printf ("/api/v1/sessions/%s/stop", argv[1]);
  if ((node = call (g, "stop", "POST", path, NULL)) == NULL)
    return SHOAL_EXIT_FAILURE;
  printf ("stopping session %s\n", argv[1]);
  return 0;
}
