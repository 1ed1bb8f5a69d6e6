/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The multicast and anonymous access wizards in real windows (run under Xvfb), driven page
 * by page through their actions and widgets, against a distribution point running in this
 * process on its local URL, in a network namespace of its own: lo carries multicast and a
 * veth pair with a small MTU makes the preflight fail. Each page is saved as a
 * screenshot. Negative cases show an inline error and leave the config file as it was. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-access-wizard.h"
#include "shoal-dp.h"
#include "shoal-multicast-wizard.h"
#include "shoal-net-interface.h"
#include "shoal-point-view.h"
#include "shoal-preflight-check.h"

#define TOKEN "ui-wizard-token"

typedef struct
{
  char      *dir;
  char      *config_path;
  char      *state;
  ShoalDp   *dp;
  char      *url;
} Point;

static Point point;
static gboolean lab_ready;

/* ---- the lab ---------------------------------------------------------------------------- */

static gboolean
run (const char *cmd)
{
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (cmd, NULL, &err, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("%s: %s\n", cmd, err ? err : "");
      return FALSE;
    }
  return TRUE;
}

/* A namespace where lo carries multicast, and small0 cannot take full-size datagrams. */
static gboolean
make_lab (void)
{
  if (geteuid () != 0 || unshare (CLONE_NEWNET) != 0)
    return FALSE;
  return run ("ip link set lo up multicast on")
         && run ("ip route add 224.0.0.0/4 dev lo")
         && run ("ip link add small0 mtu 1280 type veth peer name small1 mtu 1280")
         && run ("ip link set small1 up")
         && run ("ip link set small0 up")
         && run ("ip addr add 198.18.9.1/24 dev small0");
}

static guint
free_port (void)
{
  struct sockaddr_in sa = { .sin_family = AF_INET };
  socklen_t len = sizeof sa;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  inet_pton (AF_INET, "127.0.0.1", &sa.sin_addr);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  port = ntohs (sa.sin_port);
  close (fd);
  return port;
}

static void
start_point (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autofree char *token = NULL;
  g_autofree char *pkg = NULL;
  g_autofree char *text = NULL;
  guint port = free_port ();

  point.dir = g_dir_make_tmp ("shoal-ui-wizard-XXXXXX", NULL);
  point.state = g_build_filename (point.dir, "state", NULL);
  point.config_path = g_build_filename (point.dir, "shoald.json", NULL);
  token = g_build_filename (point.dir, "admin-token", NULL);
  pkg = g_build_filename (point.dir, "library", "win11", NULL);
  g_mkdir_with_parents (pkg, 0755);
  g_mkdir_with_parents (point.state, 0700);
  {
    g_autofree char *img = g_build_filename (pkg, "install.wim", NULL);
    g_autofree char *data = g_malloc0 (300000);
    g_assert_true (g_file_set_contents (img, data, 300000, NULL));
  }
  g_assert_true (g_file_set_contents (token, TOKEN, -1, NULL));
  g_chmod (token, 0600);
  text = g_strdup_printf ("{\n  \"library\": \"%s/library\",\n  \"state_dir\": \"%s\",\n"
                          "  \"listen\": \"127.0.0.1:%u\",\n  \"interface\": \"lo\",\n"
                          "  \"admin_token_file\": \"%s\"\n}\n",
                          point.dir, point.state, port, token);
  g_assert_true (g_file_set_contents (point.config_path, text, -1, NULL));
  g_assert_true (shoal_config_load (config, point.config_path, &error));
  point.dp = shoal_dp_new (g_steal_pointer (&config));
  shoal_dp_set_config_path (point.dp, point.config_path);
  g_assert_true (shoal_dp_start (point.dp, &error));
  g_assert_no_error (error);
  point.url = shoal_dp_dup_url (point.dp);
}

static char *
config_text (void)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (point.config_path, &text, NULL, NULL));
  return g_steal_pointer (&text);
}

/* ---- driving --------------------------------------------------------------------------- */

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

typedef gboolean (*Cond) (gpointer w);

static void
wait_for (Cond cond, gpointer w, guint seconds, const char *what)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (w))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  /* Let bindings and layout catch up before anyone looks. */
  iterate_for (150);
}

static gboolean mc_idle (gpointer w) { return !shoal_multicast_wizard_get_busy (w); }
static gboolean ac_idle (gpointer w) { return !shoal_access_wizard_get_busy (w); }

static GObject *
child (gpointer wizard, GType type, const char *name)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (wizard), type, name);

  g_assert_nonnull (o);
  return o;
}

static void
save_screenshot (GtkWidget *window, const char *name)
{
  const char *dir = g_getenv ("SHOAL_SCREENSHOT_DIR");
  g_autofree char *path = dir ? g_build_filename (dir, name, NULL)
                              : g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (window);
  int h = gtk_widget_get_height (window);

  iterate_for (200);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot saved to %s", path);
}

static void
present (GtkWidget *wizard)
{
  gtk_window_present (GTK_WINDOW (wizard));
  iterate_for (300);
}

static void
mc_select_interface (ShoalMulticastWizard *w, const char *name)
{
  GtkColumnView *view = GTK_COLUMN_VIEW (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                "interfaces_view"));
  GtkSingleSelection *sel = GTK_SINGLE_SELECTION (gtk_column_view_get_model (view));
  GListModel *model = gtk_single_selection_get_model (sel);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (model, i);

      if (g_str_equal (shoal_net_interface_get_name (iface), name))
        {
          gtk_single_selection_set_selected (sel, i);
          return;
        }
    }
  g_error ("the wizard lists no interface %s", name);
}

static void
mc_set_range (ShoalMulticastWizard *w, const char *first, const char *last, int p1, int p2)
{
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                              "group_first_entry")), first);
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                              "group_last_entry")), last);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                     "port_first_spin")), p1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                     "port_last_spin")), p2);
}

static void
next (gpointer w)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "wizard.next", NULL));
  iterate_for (50);
}

static const char *
label_text (gpointer w, GType type, const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (w, type, name)));
}

/* A sender on the range that the wizard must notice. */
typedef struct
{
  int  fd;
  gint stop;
} Other;

static gpointer
other_thread (gpointer data)
{
  Other *o = data;
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (48003) };
  char payload[100] = "another program's multicast";
  struct in_addr lo = { htonl (INADDR_LOOPBACK) };

  setsockopt (o->fd, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
  inet_pton (AF_INET, "239.7.7.5", &to.sin_addr);
  while (!g_atomic_int_get (&o->stop))
    {
      sendto (o->fd, payload, sizeof payload, 0, (struct sockaddr *) &to, sizeof to);
      g_usleep (100 * 1000);
    }
  return NULL;
}

static gboolean
mc_verified_or_failed (gpointer w)
{
  GtkLabel *status = GTK_LABEL (child (w, SHOAL_TYPE_MULTICAST_WIZARD, "summary_status"));

  return !shoal_multicast_wizard_get_busy (w)
         && (shoal_multicast_wizard_get_verified (w)
             || strstr (gtk_label_get_text (status), "did not reach") != NULL);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
test_multicast (void)
{
  ShoalMulticastWizard *w;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Other other = { 0 };
  GThread *ot;
  int busy;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (48009) };
  ShoalSession *waiting;

  if (!lab_ready)
    {
      g_test_skip ("needs root for a network namespace, and a display (run under Xvfb)");
      return;
    }
  /* A session waiting for its clients: the wizard must leave it running. */
  {
    g_autoptr(GError) error = NULL;
    ShoalSessionRequest req = { .min_clients = 50 };

    waiting = shoal_dp_start_session (point.dp, "win11", &req, &error);
    g_assert_no_error (error);
  }
  before = config_text ();
  w = SHOAL_MULTICAST_WIZARD (shoal_multicast_wizard_new ("This computer", point.url, TOKEN));
  present (GTK_WIDGET (w));
  wait_for (mc_idle, w, 20, "the interfaces");
  g_assert_null (shoal_multicast_wizard_get_error (w));
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "interface");

  /* small0's MTU is too small for the datagrams: the preflight fails, nothing changes. */
  mc_select_interface (w, "small0");
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-1-interface.png");
  next (w);
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "addresses");
  mc_set_range (w, "239.7.7.1", "239.7.7.40", 48000, 48010);
  next (w);
  wait_for (mc_idle, w, 20, "the range check");
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "transfer");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                     "querier_spin")), 1);
  next (w);
  wait_for (mc_idle, w, 20, "the failing preflight");
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "preflight");
  g_assert_nonnull (shoal_multicast_wizard_get_error (w));
  g_assert_nonnull (strstr (shoal_multicast_wizard_get_error (w), "preflight failed"));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (w), "wizard.next", NULL)
                  && g_str_equal (shoal_multicast_wizard_get_page (w), "summary"));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-4-preflight-failed.png");
  after = config_text ();
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  /* Back to the first page: lo instead. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "wizard.back", NULL));
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "interface");
  mc_select_interface (w, "lo");
  next (w);

  /* An inverted range: inline error, nothing on disk. */
  mc_set_range (w, "239.7.7.40", "239.7.7.1", 48000, 48010);
  next (w);
  wait_for (mc_idle, w, 20, "the inverted range");
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "addresses");
  g_assert_nonnull (strstr (shoal_multicast_wizard_get_error (w), "239.7.7.40 is above"));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-2-addresses-error.png");

  /* A port another program holds. */
  busy = socket (AF_INET, SOCK_DGRAM, 0);
  g_assert_cmpint (bind (busy, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  mc_set_range (w, "239.7.7.1", "239.7.7.40", 48000, 48010);
  next (w);
  wait_for (mc_idle, w, 20, "the port check");
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "addresses");
  g_assert_nonnull (strstr (shoal_multicast_wizard_get_error (w), "UDP port 48009"));
  close (busy);
  after = config_text ();
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  /* Another sender on the range: a warning, then Next goes on. */
  other.fd = socket (AF_INET, SOCK_DGRAM, 0);
  ot = g_thread_new ("other", other_thread, &other);
  next (w);
  wait_for (mc_idle, w, 20, "listening on the range");
  g_atomic_int_set (&other.stop, 1);
  g_thread_join (ot);
  close (other.fd);
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "addresses");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_MULTICAST_WIZARD, "addresses_status"),
                            "239.7.7.5:48003"));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-2-addresses.png");
  next (w);
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "transfer");

  /* Transfer: a custom rate and a start rule. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                    "rate_dropdown")), 3);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                     "custom_rate_spin")), 200);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                     "min_clients_spin")), 2);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                        "drop_slow_check")), TRUE);
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-3-transfer.png");
  next (w);
  wait_for (mc_idle, w, 30, "the preflight");
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "preflight");
  g_assert_null (shoal_multicast_wizard_get_error (w));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-4-preflight.png");
  next (w);
  g_assert_cmpstr (shoal_multicast_wizard_get_page (w), ==, "summary");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_MULTICAST_WIZARD, "summary_label"),
                            "group_first: \"239.255.42.1\" → \"239.7.7.1\""));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, SHOAL_TYPE_MULTICAST_WIZARD,
                                                        "regenerate_check")), TRUE);
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-5-summary.png");

  /* Apply: written back, keys regenerated, a test session this console receives. */
  next (w);
  wait_for (mc_verified_or_failed, w, 40, "the test session");
  g_assert_true (shoal_multicast_wizard_get_verified (w));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-6-applied.png");
  /* The session that was waiting still is, on its old group, with its key. */
  g_assert_cmpint (shoal_session_get_finished (waiting), ==, 0);
  g_assert_cmpstr (shoal_session_get_state (waiting), ==, "waiting");
  after = config_text ();
  g_assert_nonnull (strstr (after, "\"group_first\" : \"239.7.7.1\""));
  g_assert_nonnull (strstr (after, "\"max_rate\" : 200000000"));
  g_assert_nonnull (strstr (after, "\"min_clients\" : 2"));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) audit = shoal_dp_read_audit (point.dp, 10, &error);
    JsonArray *a = json_node_get_array (audit);
    JsonObject *settings = json_array_get_object_element (a, 0);

    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (settings, "who"), ==, "console");
    g_assert_cmpstr (json_object_get_string_member (settings, "what"), ==, "settings");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 1),
                                                    "what"), ==, "keys");
  }
  gtk_window_destroy (GTK_WINDOW (w));
}

static gboolean
ac_verified_or_done (gpointer w)
{
  return !shoal_access_wizard_get_busy (w)
         && g_str_equal (shoal_access_wizard_get_page (w), "verify")
         && g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (
              GTK_LIST_VIEW (child (w, SHOAL_TYPE_ACCESS_WIZARD, "verify_view"))))) > 0;
}

static void
test_access (void)
{
  ShoalAccessWizard *w;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!lab_ready)
    {
      g_test_skip ("needs root for a network namespace, and a display (run under Xvfb)");
      return;
    }
  /* The multicast test ran first: the point multicasts on lo now. */
  before = config_text ();
  w = SHOAL_ACCESS_WIZARD (shoal_access_wizard_new ("This computer", point.url, TOKEN));
  present (GTK_WIDGET (w));
  wait_for (ac_idle, w, 20, "the access status");
  g_assert_cmpstr (shoal_access_wizard_get_page (w), ==, "mode");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_ACCESS_WIZARD, "current_label"),
                            "Anonymous access is on"));
  save_screenshot (GTK_WIDGET (w), "wizard-access-1-mode.png");

  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, SHOAL_TYPE_ACCESS_WIZARD,
                                                        "authenticated_radio")), TRUE);
  next (w);
  g_assert_cmpstr (shoal_access_wizard_get_page (w), ==, "account");
  g_assert_null (shoal_access_wizard_get_error (w));
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_ACCESS_WIZARD, "tls_label"), "SHA256:"));
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_ACCESS_WIZARD, "account_entry")),
                         "deploy");
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_ACCESS_WIZARD, "password_entry")),
                         "correct horse");
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_ACCESS_WIZARD, "confirm_entry")),
                         "correct hose");
  next (w);
  g_assert_nonnull (strstr (shoal_access_wizard_get_error (w), "differ"));
  after = config_text ();
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);
  gtk_editable_set_text (GTK_EDITABLE (child (w, SHOAL_TYPE_ACCESS_WIZARD, "confirm_entry")),
                         "correct horse");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_ACCESS_WIZARD, "command_label"),
                            "--user deploy"));
  save_screenshot (GTK_WIDGET (w), "wizard-access-2-account.png");
  next (w);
  wait_for (ac_verified_or_done, w, 40, "the verification");
  g_assert_null (shoal_access_wizard_get_error (w));
  g_assert_true (shoal_access_wizard_get_verified (w));
  save_screenshot (GTK_WIDGET (w), "wizard-access-3-verify-authenticated.png");
  after = config_text ();
  g_assert_nonnull (strstr (after, "\"access\" : \"authenticated\""));
  g_assert_null (strstr (after, "correct horse"));
  g_clear_pointer (&after, g_free);
  gtk_window_destroy (GTK_WINDOW (w));

  /* And back: the confirmation names what becomes readable. */
  w = SHOAL_ACCESS_WIZARD (shoal_access_wizard_new ("This computer", point.url, TOKEN));
  present (GTK_WIDGET (w));
  wait_for (ac_idle, w, 20, "the access status");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_ACCESS_WIZARD, "current_label"),
                            "\"deploy\""));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, SHOAL_TYPE_ACCESS_WIZARD,
                                                        "anonymous_radio")), TRUE);
  next (w);
  g_assert_cmpstr (shoal_access_wizard_get_page (w), ==, "confirm");
  g_assert_nonnull (strstr (label_text (w, SHOAL_TYPE_ACCESS_WIZARD, "packages_label"),
                            "win11"));
  /* Not without the confirmation. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (w), "wizard.next", NULL)
                  && !g_str_equal (shoal_access_wizard_get_page (w), "confirm"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, SHOAL_TYPE_ACCESS_WIZARD,
                                                        "understand_check")), TRUE);
  save_screenshot (GTK_WIDGET (w), "wizard-access-2-confirm.png");
  next (w);
  wait_for (ac_verified_or_done, w, 40, "the verification");
  g_assert_true (shoal_access_wizard_get_verified (w));
  save_screenshot (GTK_WIDGET (w), "wizard-access-3-verify-anonymous.png");
  after = config_text ();
  g_assert_nonnull (strstr (after, "\"access\" : \"anonymous\""));
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_unreachable (void)
{
  ShoalMulticastWizard *w;
  ShoalAccessWizard *a;
  g_autofree char *nowhere = NULL;

  if (!lab_ready)
    {
      g_test_skip ("needs root for a network namespace, and a display (run under Xvfb)");
      return;
    }
  nowhere = g_strdup_printf ("http://127.0.0.1:%u", free_port ());
  w = SHOAL_MULTICAST_WIZARD (shoal_multicast_wizard_new ("Lab", nowhere, TOKEN));
  present (GTK_WIDGET (w));
  wait_for (mc_idle, w, 30, "the unreachable point");
  g_assert_nonnull (strstr (shoal_multicast_wizard_get_error (w), "Cannot reach"));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (w), "wizard.next", NULL)
                  && !g_str_equal (shoal_multicast_wizard_get_page (w), "interface"));
  save_screenshot (GTK_WIDGET (w), "wizard-multicast-unreachable.png");
  gtk_window_destroy (GTK_WINDOW (w));

  /* The right point, the wrong token. */
  a = SHOAL_ACCESS_WIZARD (shoal_access_wizard_new ("This computer", point.url, "not-it"));
  present (GTK_WIDGET (a));
  wait_for (ac_idle, a, 20, "the refused token");
  g_assert_nonnull (strstr (shoal_access_wizard_get_error (a), "refused the admin token"));
  gtk_window_destroy (GTK_WINDOW (a));
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) all = gtk_window_list_toplevels ();

  for (GList *l = all; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}

/* The point view opens the wizards on the point's own endpoint. */
static void
test_point_view (void)
{
  g_autoptr(ShoalPoint) embedded = shoal_point_new_embedded ("This computer");
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = shoal_point_view_new ();
  GtkWindow *wizard;

  if (!lab_ready)
    {
      g_test_skip ("needs root for a network namespace, and a display (run under Xvfb)");
      return;
    }
  gtk_window_set_child (GTK_WINDOW (window), view);
  shoal_point_view_set_point (SHOAL_POINT_VIEW (view), embedded);
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (200);

  /* No endpoint yet: said inline, no wizard. */
  g_assert_true (gtk_widget_activate_action (view, "point.multicast-wizard", NULL));
  g_assert_null (find_toplevel (SHOAL_TYPE_MULTICAST_WIZARD));

  shoal_point_set_admin_endpoint (embedded, point.url, TOKEN);
  g_assert_true (gtk_widget_activate_action (view, "point.multicast-wizard", NULL));
  wizard = find_toplevel (SHOAL_TYPE_MULTICAST_WIZARD);
  g_assert_nonnull (wizard);
  g_assert_true (gtk_window_get_transient_for (wizard) == GTK_WINDOW (window));
  wait_for (mc_idle, wizard, 20, "the wizard from the point view");
  g_assert_null (shoal_multicast_wizard_get_error (SHOAL_MULTICAST_WIZARD (wizard)));
  gtk_window_destroy (wizard);
  g_assert_true (gtk_widget_activate_action (view, "point.access-wizard", NULL));
  wizard = find_toplevel (SHOAL_TYPE_ACCESS_WIZARD);
  g_assert_nonnull (wizard);
  wait_for (ac_idle, wizard, 20, "the access wizard from the point view");
  g_assert_null (shoal_access_wizard_get_error (SHOAL_ACCESS_WIZARD (wizard)));
  gtk_window_destroy (wizard);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  int rc;

  /* Before GTK starts any thread: the namespace is per thread. */
  lab_ready = make_lab ();
  g_test_init (&argc, &argv, NULL);
  /* Xvfb has no session bus; GTK warns about it. Criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (lab_ready && !gtk_init_check ())
    lab_ready = FALSE;
  if (lab_ready)
    {
      GtkCssProvider *css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/io/shoal/Shoal/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      start_point ();
    }
  g_test_add_func ("/wizard/ui/multicast", test_multicast);
  g_test_add_func ("/wizard/ui/access", test_access);
  g_test_add_func ("/wizard/ui/unreachable", test_unreachable);
  g_test_add_func ("/wizard/ui/point-view", test_point_view);
  rc = g_test_run ();
  if (point.dp != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf %s", point.dir);

      shoal_dp_stop (point.dp);
      g_clear_object (&point.dp);
      g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
    }
  return rc;
}
