/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's diagnostics commands. Exit codes: 0 every code decoded or every log analysed,
 * 1 a code is unknown or a log cannot be read (the message says which), 2 usage. */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "shoal-decoded-code.h"
#include "shoal-diag-commands.h"
#include "shoal-log-analysis.h"

/* Negative decimal codes (-2147467259) look like options to GOption: unknown options are left
 * in argv, and only those that are not numbers are usage errors. */
static gboolean
check_leftover_options (const char  *prog,
                        int          argc,
                        char       **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (a[0] != '-' || a[1] == '\0')
        continue;
      for (a++; g_ascii_isdigit (*a); a++)
        ;
      if (*a != '\0')
        {
          shoal_cli_usage_error (prog, "Unknown option %s", argv[i]);
          return FALSE;
        }
    }
  return TRUE;
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

int
shoal_diag_command_decode (const ShoalCtlGlobals  *globals,
                           int                     argc,
                           char                  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("CODE...");
  g_autoptr(JsonArray) results = json_array_new ();
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON for scripts", NULL },
    { NULL }
  };
  int rc = SHOAL_EXIT_OK;

  g_option_context_set_summary (context,
    "Explain error codes: name, meaning, likely causes in a deployment and what to try.\n"
    "A CODE may be written as 0x80070005, 80070005, HRESULT=80070005, \"(Error: 80070005;\n"
    "Source: Windows)\", -2147467259, a Win32 number such as 1460, or a name such as\n"
    "E_ACCESSDENIED. A seven-digit hex number (8004005) is read with its likely dropped zero.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if ((rc = shoal_cli_parse (context, "shoalctl decode", &argc, &argv)) >= 0)
    return rc;
  if (!check_leftover_options ("shoalctl decode", argc, argv))
    return SHOAL_EXIT_USAGE;
  rc = SHOAL_EXIT_OK;
  if (argc < 2)
    {
      shoal_cli_usage_error ("shoalctl decode", "no code given");
      return SHOAL_EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new_from_text (argv[i], &error);

      if (code == NULL)
        {
          fprintf (stderr, "shoalctl decode: %s\n", error->message);
          if (json)
            {
              JsonObject *obj = json_object_new ();

              json_object_set_string_member (obj, "input", argv[i]);
              json_object_set_string_member (obj, "error", error->message);
              json_array_add_object_element (results, obj);
            }
          rc = SHOAL_EXIT_FAILURE;
          continue;
        }
      if (!shoal_decoded_code_get_known (code))
        {
          fprintf (stderr, "shoalctl decode: %s (%s) is not a code Shoal knows\n", argv[i],
                   shoal_decoded_code_get_hex (code));
          rc = SHOAL_EXIT_FAILURE;
        }
      if (json)
        json_array_add_element (results, shoal_decoded_code_to_json (code));
      else
        {
          g_autofree char *text = shoal_decoded_code_dup_text (code);

          printf ("%s%s", i > 1 ? "\n" : "", text);
        }
    }
  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (root, results);
      print_json (root);
    }
  return rc;
}

int
shoal_diag_command_analyze (const ShoalCtlGlobals  *globals,
                            int                     argc,
                            char                  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE...");
  g_autoptr(JsonArray) results = json_array_new ();
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON for scripts", NULL },
    { NULL }
  };
  int rc;

  g_option_context_set_summary (context,
    "Read CMTrace logs (smsts.log, shoal-client logs, older $$< logs) and say what failed,\n"
    "when, in which component, why and what to try. FILE may be - for standard input.");
  g_option_context_add_main_entries (context, entries, NULL);
  if ((rc = shoal_cli_parse (context, "shoalctl analyze", &argc, &argv)) >= 0)
    return rc;
  rc = SHOAL_EXIT_OK;
  if (argc < 2)
    {
      shoal_cli_usage_error ("shoalctl analyze", "no log file given");
      return SHOAL_EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalLogAnalysis) analysis = NULL;

      if (g_str_equal (argv[i], "-"))
        {
          g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);

          analysis = shoal_log_analysis_new ("standard input", SHOAL_LOG_ANALYSIS_NONE);
          if (!shoal_log_analysis_read_stream (analysis, in, NULL, &error))
            g_clear_object (&analysis);
        }
      else
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
          g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);

          /* The summary names the log as the admin typed it. */
          if (in == NULL)
            g_prefix_error (&error, "cannot read %s: ", argv[i]);
          else
            {
              analysis = shoal_log_analysis_new (argv[i], SHOAL_LOG_ANALYSIS_NONE);
              if (!shoal_log_analysis_read_stream (analysis, G_INPUT_STREAM (in), NULL, &error))
                g_clear_object (&analysis);
            }
        }
      if (analysis == NULL)
        {
          fprintf (stderr, "shoalctl analyze: %s\n", error->message);
          if (json)
            {
              JsonObject *obj = json_object_new ();

              json_object_set_string_member (obj, "file", argv[i]);
              json_object_set_string_member (obj, "error", error->message);
              json_array_add_object_element (results, obj);
            }
          rc = SHOAL_EXIT_FAILURE;
          continue;
        }
      if (json)
        json_array_add_element (results, shoal_log_analysis_to_json (analysis));
      else
        {
          g_autofree char *text = shoal_log_analysis_dup_summary (analysis);

          printf ("%s%s", i > 1 ? "\n" : "", text);
        }
    }
  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (root, results);
      print_json (root);
    }
  return rc;
}
