/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo deployment. The image is generated once, with a fast PRNG, into a content
 * library under the user's cache directory; the library builds its manifest like any other
 * package's. Each session gets its own multicast group (or simulated network) and its own
 * set of receivers, each running the client's reception code on threads of this process. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "shoal-crypto.h"
#include "shoal-demo.h"
#include "shoal-library.h"
#include "shoal-lossy-transport.h"
#include "shoal-manifest.h"
#include "shoal-package.h"
#include "shoal-reception.h"
#include "shoal-sim-transport.h"
#include "shoal-transport-factory.h"

#define DEFAULT_SIZE      ((guint64) 256 << 20)
#define DEFAULT_CLIENTS   4
#define DEFAULT_RATE      ((guint64) 200 * 1000 * 1000)
#define DEFAULT_LOSS      80
#define DEMO_MTU          1280      /* fits any interface that can carry IPv6 */
#define FIRST_MAX_WAIT    10
#define JOIN_STAGGER      (300 * 1000)
#define PROBE_TIMEOUT     (500 * 1000)

typedef enum { NETWORK_MULTICAST, NETWORK_SIM } Network;

typedef struct
{
  ShoalDemo            *demo;
  guint                 index;
  ShoalTransport       *transport;
  ShoalPackage         *package;
  ShoalReceptionConfig  cfg;
  char                 *output_path;
  gint64                delay;
  GThread              *thread;
  gboolean              ok;
  char                 *error;
} Receiver;

typedef struct
{
  Network  network;
  char    *iface;
  char    *why_sim;
} Prepared;

struct _ShoalDemo
{
  GObject parent_instance;

  guint64       size;
  guint         n_clients_per_session;
  gboolean      loss;
  guint         loss_permille;
  char         *network_option;
  guint64       rate;
  char         *dir;
  char         *package_name;

  ShoalPoint   *point;
  ShoalLibrary *library;
  ShoalPackage *package;
  Network       network;
  char         *iface;
  char         *why_sim;
  GCancellable *cancellable;
  GPtrArray    *receivers;        /* Receiver*, running */
  guint         next_client;

  char         *state;
  char         *description;
  char         *error;
  char         *network_text;
  guint         n_clients;
  guint         n_complete;
  guint         n_failed;
};

G_DEFINE_FINAL_TYPE (ShoalDemo, shoal_demo, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-demo-error-quark, shoal_demo_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_DESCRIPTION,
  PROP_ERROR,
  PROP_N_CLIENTS,
  PROP_N_COMPLETE,
  PROP_N_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (ShoalDemo *self, char **field, const char *value, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
fail (ShoalDemo *self, const char *message)
{
  g_warning ("demo: %s", message);
  set_string (self, &self->error, message, PROP_ERROR);
  set_string (self, &self->state, "failed", PROP_STATE);
}

static void
prepared_free (Prepared *p)
{
  g_free (p->iface);
  g_free (p->why_sim);
  g_free (p);
}

static void
receiver_free (Receiver *r)
{
  g_clear_object (&r->transport);
  g_clear_object (&r->package);
  g_free (r->output_path);
  g_free (r->error);
  g_free (r);
}

/* ---- Network ---------------------------------------------------------------------------- */

static gboolean
read_sys_uint (const char *iface, const char *what, guint *value, int base)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", iface, what, NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  *value = (guint) g_ascii_strtoull (text, NULL, base);
  return TRUE;
}

static gboolean
can_multicast (const char *iface, guint *mtu)
{
  guint flags = 0;

  if (!read_sys_uint (iface, "flags", &flags, 16))
    return FALSE;
  /* Loopback only: joining a group on a real interface sends IGMP reports onto the
   * network even when the data itself stays in with TTL 0, and the demo must send nothing
   * anywhere. */
  if ((flags & (IFF_UP | IFF_MULTICAST | IFF_LOOPBACK)) != (IFF_UP | IFF_MULTICAST | IFF_LOOPBACK))
    return FALSE;
  if (!read_sys_uint (iface, "mtu", mtu, 10))
    *mtu = 1500;
  return TRUE;
}

/* A loopback interface that can multicast (`ip link set lo multicast on`), if any; the
 * demo falls back to its simulated network otherwise. */
gboolean
shoal_demo_find_multicast_interface (char  **name,
                                     guint  *mtu)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  g_return_val_if_fail (name != NULL && mtu != NULL, FALSE);

  dir = g_dir_open ("/sys/class/net", 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (can_multicast (entry, mtu))
      {
        *name = g_strdup (entry);
        return TRUE;
      }
  return FALSE;
}

static GInetSocketAddress *
random_group (guint *port)
{
  g_autofree char *addr = g_strdup_printf ("239.255.%u.%u", g_random_int_range (1, 255),
                                           g_random_int_range (1, 255));
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (addr);

  /* Even, so that port + 1 is the sender's control port. */
  *port = 2 * g_random_int_range (10000, 30000);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (ip, *port));
}

/* Sends one datagram to a fresh group on @iface with TTL 0 and loopback, and waits for it:
 * some hosts and containers filter multicast even on an interface that claims to do it. */
static gboolean
probe_multicast (const char *iface, GError **error)
{
  guint port;
  g_autoptr(GInetSocketAddress) group = random_group (&port);
  g_autoptr(ShoalTransport) tx = NULL, rx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (8, 8 * 2048);
  static const guint8 hello[] = "shoal demo multicast probe";
  gint64 end;
  gboolean ok = FALSE;

  tx = shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_SENDER, group, iface, 0, TRUE,
                                    port + 1, error);
  rx = tx ? shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_RECEIVER, group, iface, 0,
                                         TRUE, 0, error) : NULL;
  if (rx == NULL || !shoal_transport_open (rx, error))
    return FALSE;
  if (!shoal_transport_open (tx, error))
    {
      shoal_transport_close (rx);
      return FALSE;
    }
  end = g_get_monotonic_time () + PROBE_TIMEOUT;
  for (int tries = 0; !ok && g_get_monotonic_time () < end; tries++)
    {
      if (!shoal_transport_send_group (tx, hello, sizeof hello, sizeof hello, error)
          || !shoal_transport_receive (rx, batch, 100 * 1000, error))
        break;
      for (guint i = 0; i < batch->n_dgrams; i++)
        ok |= batch->dgrams[i].len == sizeof hello
              && memcmp (batch->dgrams[i].data, hello, sizeof hello) == 0;
    }
  shoal_transport_close (tx);
  shoal_transport_close (rx);
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_NETWORK,
                 "a test datagram sent to %s:%u on %s with TTL 0 never came back",
                 "239.255.x.y", port, iface);
  return ok;
}

/* ---- Preparing: image and network, on a worker thread ---------------------------------- */

/* xoshiro256**: fast enough to fill hundreds of MB in well under a second. */
static guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
xoshiro_next (guint64 s[4])
{
  guint64 result = rotl (s[1] * 5, 7) * 9, t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

static gboolean
write_image (const char *path, guint64 size, GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  g_autofree guint64 *buf = g_new (guint64, (4 << 20) / 8);
  guint64 s[4] = { 0x5eed5eed5eed5eedULL, 0x0123456789abcdefULL, 0xfedcba9876543210ULL, 42 };
  FILE *f = fopen (tmp, "wb");

  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                   "cannot create the demo image %s: %s", tmp, g_strerror (saved));
      return FALSE;
    }
  for (guint64 done = 0; done < size;)
    {
      gsize chunk = (gsize) MIN ((guint64) 4 << 20, size - done);

      for (gsize i = 0; i < (chunk + 7) / 8; i++)
        buf[i] = xoshiro_next (s);
      if (fwrite (buf, 1, chunk, f) != chunk
          || g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          int saved = errno;
          fclose (f);
          g_unlink (tmp);
          if (error != NULL && *error == NULL)
            g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                         "cannot write the demo image %s at offset %" G_GUINT64_FORMAT ": %s",
                         tmp, done, g_strerror (saved));
          return FALSE;
        }
      done += chunk;
    }
  if (fclose (f) != 0 || g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                   "cannot finish the demo image %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
prepare_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ShoalDemo *self = source;
  g_autofree char *pkg_dir = g_build_filename (self->dir, "library", self->package_name, NULL);
  g_autofree char *img_name = g_strconcat (self->package_name, ".img", NULL);
  g_autofree char *image = g_build_filename (pkg_dir, img_name, NULL);
  g_autoptr(GError) probe_error = NULL;
  GError *error = NULL;
  Prepared *p = g_new0 (Prepared, 1);
  GStatBuf st;
  guint mtu = 0;

  if (g_mkdir_with_parents (pkg_dir, 0700) < 0)
    {
      int saved = errno;
      prepared_free (p);
      g_task_return_new_error (task, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                               "cannot create %s: %s", pkg_dir, g_strerror (saved));
      return;
    }
  /* Generated once: the same seed gives the same bytes, so a kept image is still valid. */
  if ((g_stat (image, &st) != 0 || (guint64) st.st_size != self->size)
      && !write_image (image, self->size, cancellable, &error))
    {
      prepared_free (p);
      g_task_return_error (task, error);
      return;
    }

  p->network = NETWORK_SIM;
  if (g_strcmp0 (self->network_option, "sim") == 0)
    p->why_sim = g_strdup (_("--demo-network=sim asked for it"));
  else if (!shoal_demo_find_multicast_interface (&p->iface, &mtu))
    p->why_sim = g_strdup (_("no interface here is up and can multicast"));
  else if (!probe_multicast (p->iface, &probe_error))
    p->why_sim = g_strdup_printf (_("multicast on %s does not work here: %s"), p->iface,
                                  probe_error->message);
  else
    p->network = NETWORK_MULTICAST;
  if (p->network == NETWORK_SIM && g_strcmp0 (self->network_option, "multicast") == 0)
    {
      g_task_return_new_error (task, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_NETWORK,
                               "--demo-network=multicast, but %s", p->why_sim);
      prepared_free (p);
      return;
    }
  g_task_return_pointer (task, p, (GDestroyNotify) prepared_free);
}

/* ---- Receivers -------------------------------------------------------------------------- */

static gboolean
receiver_done (gpointer data)
{
  Receiver *r = data;
  ShoalDemo *self = r->demo;

  g_thread_join (r->thread);
  if (r->ok)
    {
      self->n_complete++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_COMPLETE]);
    }
  else
    {
      self->n_failed++;
      g_message ("demo: receiver demo-pc%u failed: %s", r->index, r->error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
    }
  g_ptr_array_remove_fast (self->receivers, r);
  receiver_free (r);
  if (self->receivers->len == 0 && g_strcmp0 (self->state, "running") == 0)
    set_string (self, &self->state, self->n_failed ? "failed" : "done", PROP_STATE);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
receiver_log (int severity, const char *message, gpointer data)
{
  Receiver *r = data;

  g_debug ("demo-pc%u: %s", r->index, message);
}

static gpointer
receiver_thread (gpointer data)
{
  Receiver *r = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalOutput) output = NULL;
  g_autoptr(ShoalReception) reception = NULL;
  GCancellable *cancellable = r->demo->cancellable;

  /* Clients reach a deployment one after another, not all in the same microsecond. */
  if (r->delay > 0 && !g_cancellable_is_cancelled (cancellable))
    g_usleep (r->delay);
  output = shoal_output_open_single (r->output_path, r->cfg.engine.layout.total_size, &error);
  if (output != NULL)
    {
      reception = shoal_reception_new (&r->cfg, r->transport, output);
      /* Stands in for the HTTP repair path, which reads the same package. */
      shoal_reception_set_fetch_func (reception, shoal_package_read_func, r->package);
      shoal_reception_set_log_func (reception, receiver_log, r);
      r->ok = shoal_reception_run (reception, cancellable, &error);
    }
  g_clear_pointer (&output, shoal_output_close);
  g_unlink (r->output_path);
  if (!r->ok)
    r->error = g_strdup (error ? error->message : "unknown error");
  g_main_context_invoke (NULL, receiver_done, r);
  return NULL;
}

/* ---- Sessions --------------------------------------------------------------------------- */

static void
describe (ShoalDemo *self, GInetSocketAddress *group)
{
  g_autofree char *size = g_format_size_full (self->size, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *where = NULL, *text = NULL, *loss = NULL;

  if (self->network == NETWORK_MULTICAST)
    {
      g_autofree char *addr = g_inet_address_to_string (g_inet_socket_address_get_address (group));
      where = g_strdup_printf (_("over real IP multicast on %s (group %s:%u, TTL 0, looped "
                                 "back: nothing leaves this machine)"), self->iface, addr,
                               g_inet_socket_address_get_port (group));
    }
  else
    where = g_strdup_printf (_("over a simulated network inside the console, since %s"),
                             self->why_sim);
  if (self->loss)
    loss = g_strdup_printf (_(" demo-pc2 loses %.1f %% of what it receives."),
                            self->loss_permille / 10.0);
  text = g_strdup_printf (_("Demo: this computer’s embedded distribution point sends a "
                            "generated %s image to %u receivers %s. shoal-client is not "
                            "finished yet, so the receivers run the client’s code inside the "
                            "console and their HTTP repair reads the image directly.%s"),
                          size, self->n_clients_per_session, where, loss ? loss : "");
  set_string (self, &self->description, text, PROP_DESCRIPTION);
}

static ShoalSession *
start_session (ShoalPoint *point, GObject *package, const ShoalStartRules *rules,
               gpointer data, GError **error)
{
  ShoalDemo *self = data;
  ShoalManifest *manifest = shoal_package_get_manifest (SHOAL_PACKAGE (package));
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(ShoalSimHub) hub = NULL;
  g_autoptr(GInetSocketAddress) group = NULL;
  g_autofree char *id = NULL;
  ShoalSenderConfig cfg;
  guint port = 0;

  shoal_sender_config_init (&cfg);
  cfg.session_id = g_random_int ();
  cfg.instance_id = g_random_int ();
  if (!shoal_random_key (cfg.key, sizeof cfg.key, error))
    return NULL;
  shoal_manifest_get_layout (manifest, &cfg.layout);
  cfg.max_rate = rules->max_rate ? rules->max_rate : self->rate;
  cfg.start_immediately = rules->immediate;
  cfg.min_clients = rules->min_clients;
  cfg.max_wait = (gint64) rules->max_wait * G_USEC_PER_SEC;
  id = g_strdup_printf ("%08x", cfg.session_id);

  /* A random group and port may be taken by someone else: try a few. */
  for (int tries = 0; session == NULL && tries < 8; tries++)
    {
      g_autoptr(ShoalTransport) tx = NULL;
      g_autoptr(GError) local = NULL;

      if (self->network == NETWORK_MULTICAST)
        {
          g_clear_object (&group);
          group = random_group (&port);
          tx = shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_SENDER, group,
                                            self->iface, 0, TRUE, port + 1, error);
          if (tx == NULL)
            return NULL;
        }
      else
        {
          hub = shoal_sim_hub_new (g_random_int ());
          tx = shoal_sim_transport_new_sender (hub);
        }
      session = shoal_session_new (id, shoal_package_get_name (SHOAL_PACKAGE (package)), &cfg,
                                   tx, shoal_package_read_func, g_object_ref (package),
                                   g_object_unref);
      if (!shoal_session_start (session, &local))
        {
          g_clear_object (&session);
          if (tries == 7 || self->network == NETWORK_SIM)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
        }
    }
  if (self->description == NULL)
    describe (self, group);

  for (guint i = 0; i < self->n_clients_per_session; i++)
    {
      Receiver *r = g_new0 (Receiver, 1);
      gboolean lossy = self->loss && i == MIN (1, self->n_clients_per_session - 1);
      double loss = lossy ? self->loss_permille / 1000.0 : 0;
      g_autofree char *name = NULL;

      r->demo = g_object_ref (self);
      r->index = ++self->next_client;
      r->package = g_object_ref (SHOAL_PACKAGE (package));
      if (self->network == NETWORK_MULTICAST)
        {
          g_autoptr(ShoalTransport) t =
            shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_RECEIVER, group,
                                         self->iface, 0, TRUE, 0, NULL);

          r->transport = lossy ? shoal_lossy_transport_new (t, loss, g_random_int ())
                               : g_object_ref (t);
        }
      else
        r->transport = shoal_sim_transport_new_receiver (hub, loss);
      shoal_reception_config_init (&r->cfg);
      r->cfg.engine.session_id = cfg.session_id;
      memcpy (r->cfg.engine.key, cfg.key, sizeof cfg.key);
      r->cfg.engine.layout = cfg.layout;
      r->cfg.engine.client_id = g_random_int ();
      g_snprintf (r->cfg.engine.hostname, sizeof r->cfg.engine.hostname, "demo-pc%u", i + 1);
      r->cfg.block_hashes = shoal_manifest_get_block_hashes (manifest);
      /* The session may wait for its start rule far longer than a client's default. */
      r->cfg.join_timeout = (cfg.max_wait + 30 * G_USEC_PER_SEC);
      name = g_strdup_printf ("client-%u.img", r->index);
      r->output_path = g_build_filename (self->dir, name, NULL);
      r->delay = i * JOIN_STAGGER;
      g_ptr_array_add (self->receivers, r);
      r->thread = g_thread_new ("shoal-demo-client", receiver_thread, r);
    }
  self->n_clients += self->n_clients_per_session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
  set_string (self, &self->state, "running", PROP_STATE);
  return g_steal_pointer (&session);
}

/* ---- Start-up --------------------------------------------------------------------------- */

static void
on_scanned (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(ShoalDemo) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSession) session = NULL;
  ShoalStartRules rules = { 0 };

  if (!shoal_library_scan_finish (self->library, result, NULL, &error))
    {
      fail (self, error->message);
      return;
    }
  self->package = shoal_library_lookup (self->library, self->package_name);
  if (self->package != NULL
      && g_strcmp0 (shoal_package_get_state (self->package), SHOAL_PACKAGE_STATE_READY) != 0)
    /* Only when the image was replaced behind the library's back; rare enough to do here. */
    self->package = shoal_library_rebuild (self->library, self->package_name, NULL, &error);
  if (self->package == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("the demo image did not make a package: %s",
                                              error ? error->message : "not found");
      fail (self, msg);
      return;
    }
  g_object_ref (self->package);
  shoal_point_add_package (self->point, G_OBJECT (self->package));
  shoal_point_set_handlers (self->point, start_session, NULL, self, NULL);

  /* The first session waits for every client, or for ten seconds after the first one. */
  rules.min_clients = self->n_clients_per_session;
  rules.max_wait = FIRST_MAX_WAIT;
  session = shoal_point_start_session (self->point, self->package_name, &rules, &error);
  if (session == NULL)
    fail (self, error->message);
}

static void
on_prepared (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalDemo *self = SHOAL_DEMO (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *lib_dir = NULL;
  Prepared *p = g_task_propagate_pointer (G_TASK (result), &error);

  if (p == NULL)
    {
      fail (self, error->message);
      return;
    }
  self->network = p->network;
  self->iface = g_steal_pointer (&p->iface);
  self->why_sim = g_steal_pointer (&p->why_sim);
  prepared_free (p);
  self->network_text = g_strdup (self->network == NETWORK_SIM ? "simulated" : self->iface);

  lib_dir = g_build_filename (self->dir, "library", NULL);
  self->library = shoal_library_new (lib_dir, &error);
  if (self->library == NULL)
    {
      fail (self, error->message);
      return;
    }
  shoal_library_set_layout (self->library, shoal_symbol_size_for_mtu (DEMO_MTU), 128);
  shoal_library_scan_async (self->library, self->cancellable, on_scanned, g_object_ref (self));
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
shoal_demo_dispose (GObject *object)
{
  ShoalDemo *self = SHOAL_DEMO (object);

  if (self->point != NULL)
    shoal_point_set_handlers (self->point, NULL, NULL, NULL, NULL);
  g_clear_object (&self->point);
  g_clear_object (&self->package);
  g_clear_object (&self->library);
  G_OBJECT_CLASS (shoal_demo_parent_class)->dispose (object);
}

static void
shoal_demo_finalize (GObject *object)
{
  ShoalDemo *self = SHOAL_DEMO (object);

  g_assert (self->receivers->len == 0);
  g_ptr_array_unref (self->receivers);
  g_object_unref (self->cancellable);
  g_free (self->network_option);
  g_free (self->dir);
  g_free (self->package_name);
  g_free (self->iface);
  g_free (self->why_sim);
  g_free (self->state);
  g_free (self->description);
  g_free (self->error);
  g_free (self->network_text);
  G_OBJECT_CLASS (shoal_demo_parent_class)->finalize (object);
}

static void
shoal_demo_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ShoalDemo *self = SHOAL_DEMO (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_N_CLIENTS: g_value_set_uint (value, self->n_clients); break;
    case PROP_N_COMPLETE: g_value_set_uint (value, self->n_complete); break;
    case PROP_N_FAILED: g_value_set_uint (value, self->n_failed); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_demo_class_init (ShoalDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_demo_dispose;
  object_class->finalize = shoal_demo_finalize;
  object_class->get_property = shoal_demo_get_property;

  /* "preparing", "running", "done" or "failed". */
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, f);
  /* What the demo runs and how, in words for the banner. */
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, f);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, f);
  properties[PROP_N_CLIENTS] = g_param_spec_uint ("n-clients", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_N_COMPLETE] = g_param_spec_uint ("n-complete", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_demo_init (ShoalDemo *self)
{
  self->receivers = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  self->state = g_strdup ("preparing");
}

/* @point is the embedded distribution point: the demo lists its package there and starts
 * its sessions through it. */
ShoalDemo *
shoal_demo_new (const ShoalDemoOptions *options,
                ShoalPoint             *point)
{
  ShoalDemo *self;
  g_autofree char *size = NULL;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (SHOAL_IS_POINT (point), NULL);

  self = g_object_new (SHOAL_TYPE_DEMO, NULL);
  self->size = options->size ? options->size : DEFAULT_SIZE;
  self->n_clients_per_session = options->n_clients ? options->n_clients : DEFAULT_CLIENTS;
  self->loss = options->loss;
  self->loss_permille = options->loss_permille ? options->loss_permille : DEFAULT_LOSS;
  self->network_option = g_strdup (options->network ? options->network : "auto");
  self->rate = options->rate ? options->rate : DEFAULT_RATE;
  self->dir = options->dir ? g_strdup (options->dir)
                           : g_build_filename (g_get_user_cache_dir (), "shoal-demo", NULL);
  self->package_name = g_strdup_printf ("demo-image-%" G_GUINT64_FORMAT "MiB",
                                        (self->size + (1 << 20) - 1) >> 20);
  self->point = g_object_ref (point);
  return self;
}

/* Prepares the image and the network on a worker thread, then starts the first session. */
void
shoal_demo_start (ShoalDemo *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_DEMO (self));

  task = g_task_new (self, self->cancellable, on_prepared, NULL);
  g_task_run_in_thread (task, prepare_thread);
}

/* Cancels the sessions and the receivers and waits for the receivers' threads. */
void
shoal_demo_stop (ShoalDemo *self)
{
  GListModel *sessions;

  g_return_if_fail (SHOAL_IS_DEMO (self));

  g_cancellable_cancel (self->cancellable);
  sessions = shoal_point_get_sessions (self->point);
  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (sessions, i);
      shoal_session_cancel (s);
    }
  while (self->receivers->len > 0)
    g_main_context_iteration (NULL, TRUE);
}

const char *
shoal_demo_get_state (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);
  return self->state;
}

const char *
shoal_demo_get_description (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);
  return self->description;
}

const char *
shoal_demo_get_error (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);
  return self->error;
}

/* The interface name, or "simulated"; NULL while preparing. */
const char *
shoal_demo_get_network (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);
  return self->network_text;
}

guint
shoal_demo_get_n_clients (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), 0);
  return self->n_clients;
}

guint
shoal_demo_get_n_complete (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), 0);
  return self->n_complete;
}

guint
shoal_demo_get_n_failed (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), 0);
  return self->n_failed;
}

/* One line for scripts and tests: "demo: N clients, M complete, F failed (NETWORK)". */
char *
shoal_demo_dup_summary (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);

  return g_strdup_printf ("demo: %u clients, %u complete, %u failed (network: %s, state: %s)",
                          self->n_clients, self->n_complete, self->n_failed,
                          self->network_text ? self->network_text : "not chosen yet",
                          self->state);
}
