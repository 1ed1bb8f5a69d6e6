/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A remote distribution point in the console's model: a real shoald in a namespace, a
 * ShoalPoint attached to it over the REST API. Its packages and sessions appear, a session
 * started through the point runs on the daemon, and the clients of a transfer show up with
 * their progress, like the embedded point's. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "shoal-client-record.h"
#include "shoal-package.h"
#include "shoal-remote-link.h"
#include "test-utils.h"

static gboolean
wait_for (gboolean (*cond) (gpointer), gpointer data, guint seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (20000), TRUE);
  return cond (data);
}

static gboolean
has_package (gpointer p)
{
  return g_list_model_get_n_items (shoal_point_get_packages (p)) > 0;
}

static gboolean
session_done (gpointer p)
{
  GListModel *s = shoal_point_get_sessions (p);
  g_autoptr(ShoalSession) first = g_list_model_get_n_items (s) ? g_list_model_get_item (s, 0)
                                                              : NULL;
  return first != NULL && g_strcmp0 (shoal_session_get_state (first), "done") == 0
         && g_list_model_get_n_items (shoal_session_get_clients (first)) == 1;
}

static void
test_remote_point (void)
{
  g_autoptr(ShoalTestLan) lan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalPoint) point = NULL;
  g_autoptr(GSubprocess) shoald = NULL, client = NULL;
  g_autofree char *dir = NULL, *lib = NULL, *cfg = NULL, *token = NULL, *cmd = NULL;
  g_autofree char *shoald_bin = g_test_build_filename (G_TEST_BUILT, "..", "app", "shoald", NULL);
  g_autofree char *client_bin = g_test_build_filename (G_TEST_BUILT, "..", "app",
                                                       "shoal-client", NULL);
  g_autofree char *content = g_malloc (3 << 20);
  ShoalStartRules rules = { .min_clients = 1 };
  g_autoptr(ShoalPackage) pkg = NULL;
  g_autoptr(ShoalSession) session = NULL;
  ShoalClientRecord *rec;

  if (!shoal_test_require_root ())
    return;
  lan = shoal_test_lan_up (1, NULL);
  /* Everything this process does from now on, its threads included, is in c1. */
  shoal_test_lan_enter (lan, "c1");

  dir = g_dir_make_tmp ("shoal-remote-XXXXXX", NULL);
  lib = g_build_filename (dir, "library", "pkg", NULL);
  g_mkdir_with_parents (lib, 0755);
  for (guint i = 0; i < (3u << 20); i++)
    content[i] = (char) (i * 7 + i / 1000);
  g_assert_true (g_file_set_contents (g_build_filename (lib, "image.bin", NULL), content,
                                      3 << 20, NULL));
  token = g_build_filename (dir, "token", NULL);
  g_assert_true (g_file_set_contents (token, "remote-token", -1, NULL));
  g_chmod (token, 0600);
  cfg = g_build_filename (dir, "shoald.json", NULL);
  {
    g_autofree char *json = g_strdup_printf (
      "{\"library\": \"%s/library\", \"state_dir\": \"%s/state\", \"listen\": "
      "\"198.18.0.1:8470\", \"tls\": false, \"interface\": \"eth0\", \"auto_start\": false, "
      "\"admin_token_file\": \"%s\"}", dir, dir, token);
    g_assert_true (g_file_set_contents (cfg, json, -1, NULL));
  }
  cmd = g_strdup_printf ("exec %s --config %s 2>%s/shoald.log", shoald_bin, cfg, dir);
  shoald = shoal_test_lan_spawn (lan, "srv", G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", cmd,
                                 NULL);
  g_assert_no_error (error);

  point = shoal_point_new_remote ("lab", "http://198.18.0.1:8470", "remote-token");
  shoal_remote_link_attach (point, 1);
  g_assert_true (wait_for (has_package, point, 20));
  g_assert_cmpstr (shoal_point_get_state (point), ==, "online");
  pkg = g_list_model_get_item (shoal_point_get_packages (point), 0);
  g_assert_cmpstr (shoal_package_get_name (pkg), ==, "pkg");
  g_assert_cmpuint (shoal_package_get_size (pkg), ==, 3 << 20);

  /* Started through the point, it runs on the daemon and waits for one client. */
  session = shoal_point_start_session (point, "pkg", &rules, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_true (shoal_session_is_remote (session));
  g_free (cmd);
  cmd = g_strdup_printf ("HOME=%s exec %s --server http://198.18.0.1:8470 --package pkg "
                         "--output %s/out.bin --interface eth0 --hostname pc-7 -q "
                         "--log %s/client.log", dir, client_bin, dir, dir);
  client = shoal_test_lan_spawn (lan, "c1", G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", cmd,
                                 NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (client, NULL, &error));
  g_assert_no_error (error);

  /* The console's model shows what happened on the daemon. */
  g_assert_true (wait_for (session_done, point, 20));
  rec = g_list_model_get_item (shoal_session_get_clients (session), 0);
  g_assert_cmpstr (shoal_client_record_get_hostname (rec), ==, "pc-7");
  g_assert_cmpstr (shoal_client_record_get_state (rec), ==, "complete");
  g_assert_cmpfloat (shoal_client_record_get_progress (rec), ==, 1.0);
  g_assert_cmpuint (shoal_session_get_bytes_sent (session), >=, 3 << 20);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_events (session)), >, 0);
  g_object_unref (rec);

  /* A dead daemon shows as unreachable, with the reason. */
  g_subprocess_send_signal (shoald, SIGKILL);
  g_subprocess_wait (shoald, NULL, NULL);
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (g_strcmp0 (shoal_point_get_state (point), "unreachable") != 0
           && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (20000), TRUE);
  }
  g_assert_cmpstr (shoal_point_get_state (point), ==, "unreachable");
  g_assert_nonnull (shoal_point_get_error (point));
  shoal_test_lan_leave ();
  {
    g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
    g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote-point/rest", test_remote_point);
  return g_test_run ();
}
