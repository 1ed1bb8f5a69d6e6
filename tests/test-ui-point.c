/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's models without a display: ShoalPoint's lists and handlers, the remembered
 * remote points, and a real session over the in-process simulated network whose session,
 * client and event models the console binds to. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "shoal-client-record.h"
#include "shoal-event-record.h"
#include "shoal-point.h"
#include "shoal-rate-history.h"
#include "shoal-reception.h"
#include "shoal-sim-transport.h"

/* ---- A package as a point lists it: any object with a name and a size ------------------ */

#define TEST_TYPE_PACKAGE (test_package_get_type ())
G_DECLARE_FINAL_TYPE (TestPackage, test_package, TEST, PACKAGE, GObject)

struct _TestPackage
{
  GObject parent_instance;
  char   *name;
  guint64 size;
};

G_DEFINE_FINAL_TYPE (TestPackage, test_package, G_TYPE_OBJECT)

enum { PKG_PROP_0, PKG_PROP_NAME, PKG_PROP_SIZE };

static void
test_package_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  TestPackage *self = TEST_PACKAGE (object);

  if (id == PKG_PROP_NAME)
    g_value_set_string (value, self->name);
  else
    g_value_set_uint64 (value, self->size);
}

static void
test_package_finalize (GObject *object)
{
  g_free (TEST_PACKAGE (object)->name);
  G_OBJECT_CLASS (test_package_parent_class)->finalize (object);
}

static void
test_package_class_init (TestPackageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_package_get_property;
  object_class->finalize = test_package_finalize;
  g_object_class_install_property (object_class, PKG_PROP_NAME,
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE));
  g_object_class_install_property (object_class, PKG_PROP_SIZE,
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE));
}

static void
test_package_init (TestPackage *self)
{
}

static GObject *
package_new (const char *name, guint64 size)
{
  TestPackage *p = g_object_new (TEST_TYPE_PACKAGE, NULL);

  p->name = g_strdup (name);
  p->size = size;
  return G_OBJECT (p);
}

static guint64
package_size (GListModel *model, guint i)
{
  g_autoptr(GObject) p = g_list_model_get_item (model, i);
  return TEST_PACKAGE (p)->size;
}

/* ---- Lists, state and handlers --------------------------------------------------------- */

static void
count_items_changed (GListModel *model, guint pos, guint removed, guint added, guint *n)
{
  (*n)++;
}

static void
test_point_embedded (void)
{
  g_autoptr(ShoalPoint) point = shoal_point_new_embedded ("This computer");
  g_autoptr(GError) error = NULL;
  ShoalStartRules rules = { .immediate = TRUE };
  GListModel *packages = shoal_point_get_packages (point);
  guint changes = 0;
  g_autoptr(GObject) a = package_new ("win11", 100);
  g_autoptr(GObject) b = package_new ("ubuntu", 200);
  g_autoptr(GObject) a2 = package_new ("win11", 300);

  g_assert_cmpstr (shoal_point_get_kind (point), ==, "embedded");
  g_assert_cmpstr (shoal_point_get_state (point), ==, "ready");
  g_assert_null (shoal_point_get_url (point));
  g_assert_false (shoal_point_get_can_start (point));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_point_get_sessions (point)), ==, 0);

  g_signal_connect (packages, "items-changed", G_CALLBACK (count_items_changed), &changes);
  shoal_point_add_package (point, a);
  shoal_point_add_package (point, b);
  /* Same name: replaced where it stands, so a refreshed list does not jump around. */
  shoal_point_add_package (point, a2);
  g_assert_cmpuint (g_list_model_get_n_items (packages), ==, 2);
  g_assert_cmpuint (changes, ==, 3);
  g_assert_cmpuint (package_size (packages, 0), ==, 300);
  g_assert_true (shoal_point_find_package (point, "ubuntu") == b);
  g_assert_null (shoal_point_find_package (point, "debian"));
  g_assert_true (shoal_point_remove_package (point, "ubuntu"));
  g_assert_false (shoal_point_remove_package (point, "ubuntu"));
  g_assert_cmpuint (g_list_model_get_n_items (packages), ==, 1);

  /* No handler: the point says so, naming itself. */
  g_assert_null (shoal_point_start_session (point, "win11", &rules, &error));
  g_assert_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "This computer"));

  shoal_point_set_state (point, "error", "the library directory is gone");
  g_assert_cmpstr (shoal_point_get_state (point), ==, "error");
  g_assert_cmpstr (shoal_point_get_error (point), ==, "the library directory is gone");
  shoal_point_set_state (point, "ready", NULL);
  g_assert_null (shoal_point_get_error (point));
}

static void
test_point_remote (void)
{
  g_autoptr(ShoalPoint) named = shoal_point_new_remote ("Lab", "https://dp.lab:8443", "t0k");
  g_autoptr(ShoalPoint) unnamed = shoal_point_new_remote (NULL, "http://10.0.0.5:8080", NULL);

  g_assert_cmpstr (shoal_point_get_kind (named), ==, "remote");
  g_assert_cmpstr (shoal_point_get_state (named), ==, "offline");
  g_assert_cmpstr (shoal_point_get_url (named), ==, "https://dp.lab:8443");
  g_assert_cmpstr (shoal_point_get_token (named), ==, "t0k");
  g_assert_cmpstr (shoal_point_get_name (unnamed), ==, "http://10.0.0.5:8080");
  g_assert_null (shoal_point_get_token (unnamed));
}

static void
test_point_remotes_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("shoal-points-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "points.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autoptr(GListStore) points = g_list_store_new (SHOAL_TYPE_POINT);
  g_autoptr(GListStore) loaded = g_list_store_new (SHOAL_TYPE_POINT);
  g_autoptr(ShoalPoint) embedded = shoal_point_new_embedded ("This computer");
  g_autoptr(ShoalPoint) r1 = shoal_point_new_remote ("Lab", "https://dp.lab:8443", "secret");
  g_autoptr(ShoalPoint) r2 = shoal_point_new_remote (NULL, "http://10.0.0.5:8080", NULL);
  g_autoptr(ShoalPoint) p = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  /* Nothing remembered yet is not an error. */
  g_assert_true (shoal_point_load_remotes (path, loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 0);

  g_list_store_append (points, embedded);
  g_list_store_append (points, r1);
  g_list_store_append (points, r2);
  g_assert_true (shoal_point_save_remotes (path, G_LIST_MODEL (points), &error));
  g_assert_no_error (error);
  /* It holds admin tokens. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (shoal_point_load_remotes (path, loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 2);
  p = g_list_model_get_item (G_LIST_MODEL (loaded), 0);
  g_assert_cmpstr (shoal_point_get_name (p), ==, "Lab");
  g_assert_cmpstr (shoal_point_get_url (p), ==, "https://dp.lab:8443");
  g_assert_cmpstr (shoal_point_get_token (p), ==, "secret");
  g_assert_cmpstr (shoal_point_get_kind (p), ==, "remote");
  g_clear_object (&p);
  p = g_list_model_get_item (G_LIST_MODEL (loaded), 1);
  g_assert_null (shoal_point_get_token (p));

  /* A point without a URL: the error names the file and the entry. */
  g_assert_true (g_file_set_contents (bad, "{\"points\": [{\"url\": \"http://a\"}, {}]}", -1,
                                      NULL));
  g_assert_false (shoal_point_load_remotes (bad, loaded, &error));
  g_assert_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, bad));
  g_assert_nonnull (strstr (error->message, "points[1]"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (bad, "[1, 2", -1, NULL));
  g_assert_false (shoal_point_load_remotes (bad, loaded, &error));
  g_assert_nonnull (strstr (error->message, bad));

  g_unlink (path);
  g_unlink (bad);
  g_autofree char *sub = g_path_get_dirname (path);
  g_rmdir (sub);
  g_rmdir (dir);
}

/* An owner with lists of its own (the service): the point mirrors them as they change, and
 * lets go when asked. */
static void
test_point_follow (void)
{
  g_autoptr(ShoalPoint) point = shoal_point_new_embedded ("This computer");
  g_autoptr(GListStore) packages = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GObject) a = package_new ("a", 1);
  g_autoptr(GObject) b = package_new ("b", 2);
  g_autoptr(GObject) c = package_new ("c", 3);
  GListModel *mirror = shoal_point_get_packages (point);

  g_list_store_append (packages, a);
  shoal_point_add_package (point, c);
  shoal_point_follow (point, NULL, G_LIST_MODEL (packages));
  /* What the point held before is replaced by what the owner has. */
  g_assert_cmpuint (g_list_model_get_n_items (mirror), ==, 1);
  g_list_store_append (packages, b);
  g_list_store_insert (packages, 0, c);
  g_assert_cmpuint (g_list_model_get_n_items (mirror), ==, 3);
  g_assert_cmpuint (package_size (mirror, 0), ==, 3);
  g_assert_cmpuint (package_size (mirror, 1), ==, 1);
  g_assert_cmpuint (package_size (mirror, 2), ==, 2);
  g_list_store_remove (packages, 1);
  g_assert_cmpuint (g_list_model_get_n_items (mirror), ==, 2);
  g_assert_true (shoal_point_find_package (point, "a") == NULL);
  g_assert_true (shoal_point_find_package (point, "b") == b);

  shoal_point_follow (point, NULL, NULL);
  g_list_store_remove_all (packages);
  g_assert_cmpuint (g_list_model_get_n_items (mirror), ==, 2);
}

/* ---- A real session over the simulated network ------------------------------------------ */

#define CONTENT_SIZE  (3 << 20)
#define N_RECEIVERS   2

typedef struct
{
  guint8         *content;
  ShoalLayout     layout;
  guint8          key[32];
  guint8         *hashes;
  ShoalSimHub    *hub;
  char           *dir;
  GThread        *threads[N_RECEIVERS];
  gboolean        ok[N_RECEIVERS];
  char           *errors[N_RECEIVERS];
  ShoalTransport *transports[N_RECEIVERS];
  char           *outputs[N_RECEIVERS];
  ShoalReceptionConfig cfg[N_RECEIVERS];
  guint           receivers_done;
  gboolean        session_finished;
} Run;

static gboolean
read_content (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  memcpy (buf, (guint8 *) data + offset, len);
  return TRUE;
}

static ShoalSession *
start_on_sim (ShoalPoint *point, GObject *package, const ShoalStartRules *rules,
              gpointer data, GError **error)
{
  Run *run = data;
  g_autoptr(ShoalTransport) tx = shoal_sim_transport_new_sender (run->hub);
  g_autoptr(ShoalSession) session = NULL;
  g_autofree char *name = NULL;
  ShoalSenderConfig cfg;

  g_object_get (package, "name", &name, NULL);
  shoal_sender_config_init (&cfg);
  cfg.session_id = 77;
  cfg.instance_id = 1;
  memcpy (cfg.key, run->key, 32);
  cfg.layout = run->layout;
  cfg.max_rate = 200 * 1000 * 1000;
  cfg.start_immediately = rules->immediate;
  cfg.min_clients = rules->min_clients;
  cfg.max_wait = (gint64) rules->max_wait * G_USEC_PER_SEC;
  cfg.linger = 200 * 1000;
  session = shoal_session_new ("s1", name, &cfg, tx, read_content, run->content, NULL);
  if (!shoal_session_start (session, error))
    return NULL;
  return g_steal_pointer (&session);
}

static gboolean
receiver_finished (gpointer data)
{
  ((Run *) data)->receivers_done++;
  return G_SOURCE_REMOVE;
}

typedef struct { Run *run; guint i; } Job;

static gpointer
receive_thread (gpointer data)
{
  Job *job = data;
  Run *run = job->run;
  guint i = job->i;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalOutput) out = shoal_output_open_single (run->outputs[i], CONTENT_SIZE, &error);
  g_autoptr(ShoalReception) rx = NULL;

  g_free (job);
  if (out != NULL)
    {
      rx = shoal_reception_new (&run->cfg[i], run->transports[i], out);
      run->ok[i] = shoal_reception_run (rx, NULL, &error);
    }
  if (error != NULL)
    run->errors[i] = g_strdup (error->message);
  g_main_context_invoke (NULL, receiver_finished, run);
  return NULL;
}

static void
on_finished (ShoalSession *session, Run *run)
{
  run->session_finished = TRUE;
}

static gboolean
sample_tick (gpointer data)
{
  ShoalSession *session = data;

  shoal_rate_history_sample (shoal_rate_history_for_session (session), session,
                             g_get_real_time ());
  return G_SOURCE_CONTINUE;
}

static guint
count_events (ShoalSession *session, const char *kind)
{
  GListModel *events = shoal_session_get_events (session);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (events); i++)
    {
      g_autoptr(ShoalEventRecord) e = g_list_model_get_item (events, i);
      n += g_strcmp0 (shoal_event_record_get_kind (e), kind) == 0;
    }
  return n;
}

/* The models a console binds to, filled by a real session: two receivers join, one loses
 * 5 % of the datagrams and needs repair, both verify the content, the session ends. */
static void
test_point_session_sim (void)
{
  g_autoptr(ShoalPoint) point = shoal_point_new_embedded ("This computer");
  g_autoptr(GObject) package = package_new ("image", CONTENT_SIZE);
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(GError) error = NULL;
  ShoalStartRules rules = { .min_clients = N_RECEIVERS, .max_wait = 20 };
  ShoalRateHistory *history;
  GListModel *clients;
  guint sessions_changed = 0, tick;
  gint64 deadline;
  Run run = { 0 };
  GRand *rand = g_rand_new_with_seed (3);

  run.content = g_malloc (CONTENT_SIZE);
  for (gsize i = 0; i < CONTENT_SIZE; i++)
    run.content[i] = g_rand_int (rand);
  g_rand_free (rand);
  run.layout = (ShoalLayout) { CONTENT_SIZE, 1200, 64 };
  memset (run.key, 0x42, 32);
  run.hashes = g_malloc ((gsize) shoal_layout_n_blocks (&run.layout) * 32);
  for (guint32 b = 0; b < shoal_layout_n_blocks (&run.layout); b++)
    {
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      gsize len = 32;

      g_checksum_update (sum, run.content + shoal_layout_block_offset (&run.layout, b),
                         shoal_layout_block_len (&run.layout, b));
      g_checksum_get_digest (sum, run.hashes + (gsize) b * 32, &len);
    }
  run.hub = shoal_sim_hub_new (9);
  run.dir = g_dir_make_tmp ("shoal-point-XXXXXX", NULL);

  shoal_point_add_package (point, package);
  shoal_point_set_handlers (point, start_on_sim, NULL, &run, NULL);
  g_assert_true (shoal_point_get_can_start (point));
  g_signal_connect (shoal_point_get_sessions (point), "items-changed",
                    G_CALLBACK (count_items_changed), &sessions_changed);

  /* A package the point does not have: refused, and nothing is listed. */
  g_assert_null (shoal_point_start_session (point, "other", &rules, &error));
  g_assert_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_NO_PACKAGE);
  g_clear_error (&error);

  session = shoal_point_start_session (point, "image", &rules, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_cmpuint (sessions_changed, ==, 1);
  g_assert_true (shoal_point_find_session (point, "s1") == session);
  g_assert_cmpstr (shoal_session_get_state (session), ==, "waiting");
  g_assert_cmpint (shoal_session_get_elapsed (session), ==, -1);
  g_signal_connect (session, "finished", G_CALLBACK (on_finished), &run);
  history = shoal_rate_history_for_session (session);
  g_assert_true (shoal_rate_history_for_session (session) == history);
  tick = g_timeout_add (100, sample_tick, session);

  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      Job *job = g_new (Job, 1);

      run.transports[i] = shoal_sim_transport_new_receiver (run.hub, i == 1 ? 0.05 : 0);
      run.outputs[i] = g_strdup_printf ("%s/rx%u.img", run.dir, i);
      shoal_reception_config_init (&run.cfg[i]);
      run.cfg[i].engine.session_id = 77;
      memcpy (run.cfg[i].engine.key, run.key, 32);
      run.cfg[i].engine.layout = run.layout;
      run.cfg[i].engine.client_id = 500 + i;
      run.cfg[i].engine.seed = i;
      g_snprintf (run.cfg[i].engine.hostname, sizeof run.cfg[i].engine.hostname, "pc%u", i);
      run.cfg[i].block_hashes = run.hashes;
      job->run = &run;
      job->i = i;
      run.threads[i] = g_thread_new ("receiver", receive_thread, job);
    }

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((!run.session_finished || run.receivers_done < N_RECEIVERS)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  for (guint i = 0; i < N_RECEIVERS; i++)
    g_thread_join (run.threads[i]);
  g_assert_true (run.session_finished);

  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      g_autofree char *data = NULL;
      gsize len;

      if (!run.ok[i])
        g_error ("receiver %u failed: %s", i, run.errors[i]);
      g_assert_true (g_file_get_contents (run.outputs[i], &data, &len, NULL));
      g_assert_cmpuint (len, ==, CONTENT_SIZE);
      g_assert_true (memcmp (data, run.content, CONTENT_SIZE) == 0);
    }

  /* What the console shows, from the session's own models. */
  g_assert_cmpstr (shoal_session_get_state (session), ==, "done");
  g_assert_cmpfloat (shoal_session_get_progress (session), ==, 1.0);
  g_assert_cmpint (shoal_session_get_elapsed (session), >=, 0);
  g_assert_cmpint (shoal_session_get_finished (session), >=, shoal_session_get_started (session));
  clients = shoal_session_get_clients (session);
  g_assert_cmpuint (g_list_model_get_n_items (clients), ==, N_RECEIVERS);
  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);
      guint32 id = shoal_client_record_get_id (c);

      g_assert_cmpstr (shoal_client_record_get_state (c), ==, "complete");
      g_assert_cmpfloat (shoal_client_record_get_progress (c), ==, 1.0);
      g_assert_cmpuint (shoal_client_record_get_rate (c), ==, 0);
      g_assert_cmpstr (shoal_client_record_get_hostname (c), ==, id == 500 ? "pc0" : "pc1");
      g_assert_true (g_str_has_prefix (shoal_client_record_get_address (c), "198.51.100."));
      g_assert_cmpint (shoal_client_record_get_finished (c), >=,
                       shoal_client_record_get_joined (c));
      if (id == 501)
        {
          g_assert_cmpfloat (shoal_client_record_get_loss (c), >, 0.0);
          g_assert_cmpuint (shoal_client_record_get_repair_bytes (c), >, 0);
        }
      else
        g_assert_cmpuint (shoal_client_record_get_repair_bytes (c), ==, 0);
    }
  g_assert_cmpuint (shoal_session_get_repair_bytes (session), >, 0);
  g_assert_cmpuint (count_events (session, "joined"), ==, N_RECEIVERS);
  g_assert_cmpuint (count_events (session, "complete"), ==, N_RECEIVERS);
  g_assert_cmpuint (count_events (session, "started"), ==, 1);
  g_assert_cmpuint (count_events (session, "done"), ==, 1);
  g_assert_cmpuint (shoal_sim_hub_get_lost (run.hub), >, 0);

  /* The graph's history: the sender's two series and one per client, with samples. */
  g_assert_cmpuint (shoal_rate_history_get_n_series (history), ==, 2 + N_RECEIVERS);
  for (guint i = 0; i < shoal_rate_history_get_n_series (history); i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (history, i);

      g_assert_cmpuint (shoal_sample_ring_get_length (s->ring), >, 0);
      if (s->kind == SHOAL_SERIES_SENT)
        g_assert_cmpfloat (shoal_sample_ring_max_since (s->ring, 0), >, 1e6);
    }

  /* Stopping a finished session through the point is harmless. */
  shoal_point_stop_session (point, session);
  g_assert_true (shoal_point_remove_session (point, session));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_point_get_sessions (point)), ==, 0);

  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      g_unlink (run.outputs[i]);
      g_free (run.outputs[i]);
      g_free (run.errors[i]);
      g_object_unref (run.transports[i]);
    }
  g_rmdir (run.dir);
  g_free (run.dir);
  g_clear_object (&session);
  shoal_point_set_handlers (point, NULL, NULL, NULL, NULL);
  g_clear_object (&point);
  shoal_sim_hub_unref (run.hub);
  g_free (run.hashes);
  g_free (run.content);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/point/embedded", test_point_embedded);
  g_test_add_func ("/ui/point/remote", test_point_remote);
  g_test_add_func ("/ui/point/remotes-file", test_point_remotes_file);
  g_test_add_func ("/ui/point/follow", test_point_follow);
  g_test_add_func ("/ui/point/session-sim", test_point_session_sim);
  return g_test_run ();
}
