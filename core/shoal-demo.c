/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo deployment. The image is generated once, with a fast PRNG, into a content
 * library under the user's cache directory; the library builds its manifest like any other
 * package's. Over multicast, an embedded distribution point service (HTTP on loopback)
 * serves it to real shoal-client processes started next to this binary. Without multicast,
 * or without shoal-client, the receivers run the client's reception code on threads of this
 * process, each session on its own group or simulated network. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-config.h"
#include "shoal-crypto.h"
#include "shoal-demo.h"
#include "shoal-dp.h"
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
  GSubprocess          *process;       /* a shoal-client; or, on a thread: */
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
  char    *client_path;
} Prepared;

struct _ShoalDemo
{
  GObject parent_instance;

  guint64       size;
  guint         n_clients_per_session;
  gboolean      loss;
  guint         loss_permille;
  char         *network_option;
  char         *receivers_option;
  guint64       rate;
  char         *dir;
  char         *package_name;

  ShoalPoint   *point;
  ShoalLibrary *library;          /* threads only: the service has its own */
  ShoalPackage *package;
  ShoalDp      *dp;               /* processes only */
  char         *url;
  Network       network;
  char         *iface;
  char         *why_sim;
  char         *client_path;      /* NULL: receivers run on threads */
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
  g_free (p->client_path);
  g_free (p);
}

static void
receiver_free (Receiver *r)
{
  g_clear_object (&r->process);
  g_clear_object (&r->transport);
  g_clear_object (&r->package);
  g_free (r->output_path);
  g_free (r->error);
  g_free (r);
}

/* ---- Network ---------------------------------------------------------------------------- */

/* A loopback interface that is up and can multicast (`ip link set lo multicast on`), if
 * any; the demo falls back to its simulated network otherwise. Loopback only: joining a group
 * on a real interface sends IGMP reports onto the network even when the data itself stays in
 * with TTL 0, and the demo must send nothing anywhere. getifaddrs() and not /sys/class/net,
 * which shows the network namespace that mounted /sys rather than this process's. */
gboolean
shoal_demo_find_multicast_interface (char  **name,
                                     guint  *mtu)
{
  const unsigned need = IFF_UP | IFF_MULTICAST | IFF_LOOPBACK;
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (name != NULL && mtu != NULL, FALSE);

  if (getifaddrs (&list) != 0)
    return FALSE;
  for (struct ifaddrs *a = list; a != NULL && !found; a = a->ifa_next)
    if ((a->ifa_flags & need) == need)
      {
        struct ifreq req = { 0 };
        int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        g_strlcpy (req.ifr_name, a->ifa_name, sizeof req.ifr_name);
        *mtu = fd >= 0 && ioctl (fd, SIOCGIFMTU, &req) == 0 ? (guint) req.ifr_mtu : 1500;
        if (fd >= 0)
          close (fd);
        *name = g_strdup (a->ifa_name);
        found = TRUE;
      }
  freeifaddrs (list);
  return found;
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

#define IMAGE_CHUNK ((guint64) 4 << 20)

/* Chunk @index of the image: its own seed, so a write cut short resumes where it stopped
 * and still gives the same bytes. */
static void
fill_chunk (guint64 *buf, gsize words, guint64 index)
{
  guint64 s[4], z = index * 0x9e3779b97f4a7c15ULL + 0x5eed;

  for (int i = 0; i < 4; i++)
    {
      /* splitmix64, the seeding xoshiro's authors recommend */
      guint64 x = (z += 0x9e3779b97f4a7c15ULL);
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      s[i] = x ^ (x >> 31);
    }
  for (gsize i = 0; i < words; i++)
    buf[i] = xoshiro_next (s);
}

/* Writes the image to PATH.part, resuming a part left by an earlier run (the console may be
 * closed while it writes), then renames it into place. */
static gboolean
write_image (const char *path, guint64 size, GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  g_autofree guint64 *buf = g_new (guint64, IMAGE_CHUNK / 8);
  guint64 done = 0;
  GStatBuf st;
  FILE *f;

  if (g_stat (tmp, &st) == 0 && (guint64) st.st_size < size)
    done = (guint64) st.st_size / IMAGE_CHUNK * IMAGE_CHUNK;
  if (truncate (tmp, (off_t) done) != 0 && errno != ENOENT)
    done = 0;
  f = fopen (tmp, done > 0 ? "ab" : "wb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                   "cannot create the demo image %s: %s", tmp, g_strerror (saved));
      return FALSE;
    }
  while (done < size)
    {
      gsize chunk = (gsize) MIN (IMAGE_CHUNK, size - done);

      fill_chunk (buf, (chunk + 7) / 8, done / IMAGE_CHUNK);
      if (fwrite (buf, 1, chunk, f) != chunk
          || g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          int saved = errno;
          fclose (f);
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

/* shoal-client beside this program (the build tree's app/, or the install's bindir), else
 * on the PATH. */
static char *
find_client (void)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  if (self_exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);
      g_autofree char *path = g_build_filename (dir, "shoal-client", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("shoal-client");
}

static void
prepare_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ShoalDemo *self = source;
  g_autofree char *lib_dir = g_build_filename (self->dir, "library", NULL);
  g_autofree char *pkg_dir = g_build_filename (lib_dir, self->package_name, NULL);
  g_autofree char *img_name = g_strconcat (self->package_name, ".img", NULL);
  g_autofree char *image = g_build_filename (pkg_dir, img_name, NULL);
  g_autoptr(GError) probe_error = NULL;
  g_autoptr(ShoalLibrary) library = NULL;
  GError *error = NULL;
  Prepared *p = g_new0 (Prepared, 1);
  GStatBuf st;
  guint mtu = 0;

  /* Writing and hashing hundreds of MB must not starve the window that is opening. */
  setpriority (PRIO_PROCESS, (id_t) gettid (), 10);
  if (g_mkdir_with_parents (pkg_dir, 0700) < 0)
    {
      int saved = errno;
      prepared_free (p);
      g_task_return_new_error (task, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                               "cannot create %s: %s", pkg_dir, g_strerror (saved));
      return;
    }
  /* Generated once: the same seeds give the same bytes, so a kept image is still valid. */
  if ((g_stat (image, &st) != 0 || (guint64) st.st_size != self->size)
      && !write_image (image, self->size, cancellable, &error))
    {
      prepared_free (p);
      g_task_return_error (task, error);
      return;
    }
  /* The manifest is built here, once, so that whoever scans the library later (this
   * process's own library or the service's) finds it ready and does not hash in the
   * main loop. */
  library = shoal_library_new (lib_dir, &error);
  if (library != NULL)
    shoal_library_set_layout (library, shoal_symbol_size_for_mtu (DEMO_MTU), 128);
  if (library == NULL || !shoal_library_scan (library, cancellable, NULL, &error))
    {
      prepared_free (p);
      g_task_return_error (task, error);
      return;
    }

  p->network = NETWORK_SIM;
  if (g_strcmp0 (self->network_option, "sim") == 0)
    p->why_sim = g_strdup (_("--demo-network=sim asked for it"));
  else if (!shoal_demo_find_multicast_interface (&p->iface, &mtu))
    p->why_sim = g_strdup (_("the loopback interface cannot multicast here (as root, `ip link "
                             "set lo multicast on` lets it)"));
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
  /* Processes need real multicast: the simulated network lives inside this process. */
  if (p->network == NETWORK_MULTICAST && g_strcmp0 (self->receivers_option, "threads") != 0)
    p->client_path = find_client ();
  if (p->client_path == NULL && g_strcmp0 (self->receivers_option, "processes") == 0)
    {
      g_task_return_new_error (task, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_FAILED,
                               "--demo-receivers=processes, but %s",
                               p->network == NETWORK_SIM ? p->why_sim
                               : "shoal-client is neither beside this program nor on the PATH");
      prepared_free (p);
      return;
    }
  g_task_return_pointer (task, p, (GDestroyNotify) prepared_free);
}

/* ---- Receivers -------------------------------------------------------------------------- */

static void
receiver_finish (Receiver *r)
{
  ShoalDemo *self = r->demo;

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
}

static gboolean
thread_done (gpointer data)
{
  Receiver *r = data;

  g_thread_join (r->thread);
  receiver_finish (r);
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
  /* Queued, never run here: thread_done joins this thread, and g_main_context_invoke()
   * would call it in place whenever the main context is idle. */
  g_idle_add (thread_done, r);
  return NULL;
}

static void
process_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Receiver *r = data;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *journal = g_strconcat (r->output_path, ".shoal-journal", NULL);

  if (!g_subprocess_communicate_utf8_finish (process, result, NULL, &err_text, &error))
    r->error = g_strdup (error->message);
  else if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    r->ok = TRUE;
  else if (err_text != NULL && *g_strstrip (err_text))
    r->error = g_strdup (err_text);
  else if (g_subprocess_get_if_exited (process))
    r->error = g_strdup_printf ("shoal-client exited with status %d",
                                g_subprocess_get_exit_status (process));
  else
    r->error = g_strdup_printf ("shoal-client was killed by signal %d",
                                g_subprocess_get_term_sig (process));
  g_unlink (r->output_path);
  g_unlink (journal);
  receiver_finish (r);
}

static Receiver *
receiver_new (ShoalDemo *self, guint i)
{
  Receiver *r = g_new0 (Receiver, 1);
  g_autofree char *name = NULL;

  r->demo = g_object_ref (self);
  r->index = ++self->next_client;
  name = g_strdup_printf ("client-%u.img", r->index);
  r->output_path = g_build_filename (self->dir, name, NULL);
  g_ptr_array_add (self->receivers, r);
  return r;
}

static gboolean
is_lossy (ShoalDemo *self, guint i)
{
  return self->loss && i == MIN (1, self->n_clients_per_session - 1);
}

/* Real shoal-client processes, as an admin would start them on the machines being imaged;
 * only their configuration and state directories are the demo's, not the user's. */
static void
spawn_clients (ShoalDemo *self, const char *package)
{
  g_autofree char *home = g_build_filename (self->dir, "clients", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *state = g_build_filename (home, "state", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state, TRUE);
  for (guint i = 0; i < self->n_clients_per_session; i++)
    {
      Receiver *r = receiver_new (self, i);
      g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (argv, g_strdup (self->client_path));
      g_ptr_array_add (argv, g_strdup ("--server"));
      g_ptr_array_add (argv, g_strdup (self->url));
      g_ptr_array_add (argv, g_strdup ("--package"));
      g_ptr_array_add (argv, g_strdup (package));
      g_ptr_array_add (argv, g_strdup ("--output"));
      g_ptr_array_add (argv, g_strdup (r->output_path));
      g_ptr_array_add (argv, g_strdup ("--interface"));
      g_ptr_array_add (argv, g_strdup (self->iface));
      g_ptr_array_add (argv, g_strdup ("--hostname"));
      g_ptr_array_add (argv, g_strdup_printf ("demo-pc%u", i + 1));
      g_ptr_array_add (argv, g_strdup ("--pin"));
      g_ptr_array_add (argv, g_strdup (shoal_dp_get_key_fingerprint (self->dp)));
      g_ptr_array_add (argv, g_strdup ("--quiet"));
      if (is_lossy (self, i))
        {
          g_ptr_array_add (argv, g_strdup ("--simulate-loss"));
          g_ptr_array_add (argv, g_strdup_printf ("%u", self->loss_permille));
        }
      g_ptr_array_add (argv, NULL);
      r->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
      if (r->process == NULL)
        {
          r->error = g_strdup (error->message);
          receiver_finish (r);
          continue;
        }
      g_subprocess_communicate_utf8_async (r->process, NULL, NULL, process_done, r);
    }
  self->n_clients += self->n_clients_per_session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
}

/* ---- Sessions --------------------------------------------------------------------------- */

static void
describe (ShoalDemo *self, GInetSocketAddress *group)
{
  g_autofree char *size = g_format_size_full (self->size, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *where = NULL, *who = NULL, *text = NULL, *loss = NULL;

  if (self->network == NETWORK_SIM)
    where = g_strdup_printf (_("over a simulated network inside the console, since %s"),
                             self->why_sim);
  else if (group != NULL)
    {
      g_autofree char *addr = g_inet_address_to_string (g_inet_socket_address_get_address (group));
      where = g_strdup_printf (_("over real IP multicast on %s (group %s:%u, TTL 0, looped "
                                 "back: nothing leaves this machine)"), self->iface, addr,
                               g_inet_socket_address_get_port (group));
    }
  else
    where = g_strdup_printf (_("over real IP multicast on %s (TTL 0, looped back: nothing "
                               "leaves this machine)"), self->iface);
  if (self->dp != NULL)
    who = g_strdup_printf (_("%u shoal-client processes. They get the session from its HTTP "
                             "service at %s and repair over it."),
                           self->n_clients_per_session, self->url);
  else
    who = g_strdup_printf (_("%u receivers running the client’s code inside the console "
                             "(%s); their HTTP repair reads the image directly."),
                           self->n_clients_per_session,
                           self->network == NETWORK_SIM
                           ? _("shoal-client processes need real multicast")
                           : _("shoal-client was not found beside this program"));
  if (self->loss)
    loss = g_strdup_printf (_(" demo-pc2 loses %.1f %% of what it receives."),
                            self->loss_permille / 10.0);
  text = g_strdup_printf (_("Demo: this computer’s embedded distribution point sends a "
                            "generated %s image %s to %s%s"),
                          size, where, who, loss ? loss : "");
  set_string (self, &self->description, text, PROP_DESCRIPTION);
}

static gboolean
start_scheduled (gpointer data)
{
  shoal_session_start_now (SHOAL_SESSION (data));
  return G_SOURCE_REMOVE;
}

static void
spawn_threads (ShoalDemo *self, ShoalPackage *package, const ShoalSenderConfig *cfg,
               GInetSocketAddress *group, ShoalSimHub *hub)
{
  ShoalManifest *manifest = shoal_package_get_manifest (package);

  for (guint i = 0; i < self->n_clients_per_session; i++)
    {
      Receiver *r = receiver_new (self, i);
      double loss = is_lossy (self, i) ? self->loss_permille / 1000.0 : 0;

      r->package = g_object_ref (package);
      if (self->network == NETWORK_MULTICAST)
        {
          g_autoptr(ShoalTransport) t =
            shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_RECEIVER, group,
                                         self->iface, 0, TRUE, 0, NULL);

          r->transport = loss > 0 ? shoal_lossy_transport_new (t, loss, g_random_int ())
                                  : g_object_ref (t);
        }
      else
        r->transport = shoal_sim_transport_new_receiver (hub, loss);
      shoal_reception_config_init (&r->cfg);
      r->cfg.engine.session_id = cfg->session_id;
      memcpy (r->cfg.engine.key, cfg->key, sizeof cfg->key);
      r->cfg.engine.layout = cfg->layout;
      r->cfg.engine.client_id = g_random_int ();
      g_snprintf (r->cfg.engine.hostname, sizeof r->cfg.engine.hostname, "demo-pc%u", i + 1);
      r->cfg.block_hashes = shoal_manifest_get_block_hashes (manifest);
      /* The session may wait for its start rule far longer than a client's default. */
      r->cfg.join_timeout = cfg->max_wait + 30 * G_USEC_PER_SEC;
      r->delay = i * JOIN_STAGGER;
      r->thread = g_thread_new ("shoal-demo-client", receiver_thread, r);
    }
  self->n_clients += self->n_clients_per_session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
}

/* The point's start handler without the service: a session on its own group (or simulated
 * network) and its own receivers on threads. */
static ShoalSession *
start_thread_session (ShoalPoint *point, GObject *package, const ShoalStartRules *rules,
                      gpointer data, GError **error)
{
  ShoalDemo *self = data;
  ShoalManifest *manifest = shoal_package_get_manifest (SHOAL_PACKAGE (package));
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(ShoalSimHub) hub = NULL;
  g_autoptr(GInetSocketAddress) group = NULL;
  g_autofree char *id = NULL;
  gboolean scheduled = rules->start_at > g_get_real_time ();
  ShoalSenderConfig cfg;
  guint port = 0;

  shoal_sender_config_init (&cfg);
  cfg.session_id = g_random_int ();
  cfg.instance_id = g_random_int ();
  if (!shoal_random_key (cfg.key, sizeof cfg.key, error))
    return NULL;
  shoal_manifest_get_layout (manifest, &cfg.layout);
  cfg.max_rate = rules->max_rate ? rules->max_rate : self->rate;
  cfg.start_immediately = rules->immediate && !scheduled;
  /* Scheduled: no rule starts it; the timer below does. */
  cfg.min_clients = scheduled ? G_MAXUINT : rules->min_clients;
  cfg.max_wait = scheduled ? 0 : (gint64) rules->max_wait * G_USEC_PER_SEC;
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
          g_clear_pointer (&hub, shoal_sim_hub_unref);
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
  if (scheduled)
    g_timeout_add_full (G_PRIORITY_DEFAULT, (rules->start_at - g_get_real_time ()) / 1000,
                        start_scheduled, g_object_ref (session), g_object_unref);
  if (self->description == NULL)
    describe (self, group);
  spawn_threads (self, SHOAL_PACKAGE (package), &cfg, group, hub);
  set_string (self, &self->state, "running", PROP_STATE);
  return g_steal_pointer (&session);
}

/* The point's start handler with the service: it makes the session (and its group); the
 * demo starts the clients that will ask it for the package. */
static ShoalSession *
start_service_session (ShoalPoint *point, GObject *package, const ShoalStartRules *rules,
                       gpointer data, GError **error)
{
  ShoalDemo *self = data;
  const char *name = shoal_package_get_name (SHOAL_PACKAGE (package));
  ShoalSessionRequest req = { 0 };
  ShoalSession *session;

  req.immediate = rules->immediate;
  req.min_clients = rules->min_clients;
  req.max_wait = rules->max_wait;
  req.max_rate = rules->max_rate;
  req.start_at = rules->start_at;
  session = shoal_dp_start_session (self->dp, name, &req, error);
  if (session == NULL)
    return NULL;
  if (self->description == NULL)
    describe (self, NULL);
  spawn_clients (self, name);
  set_string (self, &self->state, "running", PROP_STATE);
  return g_object_ref (session);
}

/* ---- Start-up --------------------------------------------------------------------------- */

/* The first session waits for every client, or for ten seconds after the first one. */
static void
start_first_session (ShoalDemo *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSession) session = NULL;
  ShoalStartRules rules = { 0 };

  rules.min_clients = self->n_clients_per_session;
  rules.max_wait = FIRST_MAX_WAIT;
  session = shoal_point_start_session (self->point, self->package_name, &rules, &error);
  if (session == NULL)
    fail (self, error->message);
}

static void
on_scanned (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(ShoalDemo) self = data;
  g_autoptr(GError) error = NULL;

  if (!shoal_library_scan_finish (self->library, result, NULL, &error))
    {
      fail (self, error->message);
      return;
    }
  self->package = shoal_library_lookup (self->library, self->package_name);
  if (self->package == NULL
      || g_strcmp0 (shoal_package_get_state (self->package), SHOAL_PACKAGE_STATE_READY) != 0)
    {
      g_autofree char *msg = g_strdup_printf ("the demo image did not make a package: %s",
                                              self->package
                                              ? shoal_package_get_state_message (self->package)
                                              : "not found");
      self->package = NULL;
      fail (self, msg);
      return;
    }
  g_object_ref (self->package);
  shoal_point_add_package (self->point, G_OBJECT (self->package));
  shoal_point_set_handlers (self->point, start_thread_session, NULL, self, NULL);
  start_first_session (self);
}

static guint
free_tcp_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (sock == NULL || !g_socket_bind (sock, any, FALSE, NULL)
      || (bound = g_socket_get_local_address (sock, NULL)) == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
replace (char **field, char *value)
{
  g_free (*field);
  *field = value;
}

/* The embedded distribution point service: plain HTTP on loopback, groups from a random
 * 239.255.X.0/24 so that two demos on one host do not meet, and a state directory of its
 * own whose old sessions are forgotten (they belonged to clients long gone). */
static gboolean
start_service (ShoalDemo *self, GError **error)
{
  ShoalConfig *c = shoal_config_new ();
  g_autofree char *sessions = NULL;
  g_autoptr(GDir) old = NULL;
  guint subnet = g_random_int_range (1, 255), port = free_tcp_port ();
  const char *name;

  replace (&c->library, g_build_filename (self->dir, "library", NULL));
  replace (&c->state_dir, g_build_filename (self->dir, "state", NULL));
  /* No token file: the service makes one in its state directory. */
  replace (&c->admin_token_file, NULL);
  replace (&c->listen, g_strdup_printf ("127.0.0.1:%u", port));
  replace (&c->interface, g_strdup (self->iface));
  replace (&c->group_first, g_strdup_printf ("239.255.%u.1", subnet));
  replace (&c->group_last, g_strdup_printf ("239.255.%u.254", subnet));
  c->port_first = 2 * g_random_int_range (10000, 15000);
  c->port_last = c->port_first + 99;
  c->tls = FALSE;
  c->ttl = 0;
  c->mtu = DEMO_MTU;
  c->max_rate = self->rate;
  c->adaptive = FALSE;
  c->auto_start = TRUE;
  c->min_clients = self->n_clients_per_session;
  c->max_wait = FIRST_MAX_WAIT;
  sessions = g_build_filename (c->state_dir, "sessions", NULL);
  old = g_dir_open (sessions, 0, NULL);
  while (old != NULL && (name = g_dir_read_name (old)) != NULL)
    {
      g_autofree char *path = g_build_filename (sessions, name, NULL);
      g_unlink (path);
    }

  self->dp = shoal_dp_new (c);
  if (port == 0 || !shoal_dp_start (self->dp, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_FAILED,
                     "no free TCP port on 127.0.0.1 for the demo's HTTP service");
      g_clear_object (&self->dp);
      return FALSE;
    }
  self->url = shoal_dp_dup_url (self->dp);
  shoal_point_set_admin_endpoint (self->point, self->url, shoal_dp_get_admin_token (self->dp));
  self->package = shoal_library_lookup (shoal_dp_get_library (self->dp), self->package_name);
  if (self->package == NULL)
    {
      g_set_error (error, SHOAL_DEMO_ERROR, SHOAL_DEMO_ERROR_IMAGE,
                   "the service's library %s has no package %s", c->library,
                   self->package_name);
      return FALSE;
    }
  g_object_ref (self->package);
  shoal_point_follow (self->point, shoal_dp_get_sessions (self->dp),
                      shoal_dp_get_packages (self->dp));
  shoal_point_set_handlers (self->point, start_service_session, NULL, self, NULL);
  return TRUE;
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
  self->client_path = g_steal_pointer (&p->client_path);
  prepared_free (p);
  self->network_text = g_strdup (self->network == NETWORK_SIM ? "simulated" : self->iface);

  if (self->client_path != NULL)
    {
      if (!start_service (self, &error))
        {
          fail (self, error->message);
          return;
        }
      start_first_session (self);
      return;
    }
  lib_dir = g_build_filename (self->dir, "library", NULL);
  self->library = shoal_library_new (lib_dir, &error);
  if (self->library == NULL)
    {
      fail (self, error->message);
      return;
    }
  shoal_library_scan_async (self->library, self->cancellable, on_scanned, g_object_ref (self));
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
shoal_demo_dispose (GObject *object)
{
  ShoalDemo *self = SHOAL_DEMO (object);

  if (self->point != NULL)
    {
      shoal_point_set_handlers (self->point, NULL, NULL, NULL, NULL);
      shoal_point_follow (self->point, NULL, NULL);
      shoal_point_set_admin_endpoint (self->point, NULL, NULL);
    }
  if (self->dp != NULL)
    shoal_dp_stop (self->dp);
  g_clear_object (&self->dp);
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
  g_free (self->receivers_option);
  g_free (self->url);
  g_free (self->client_path);
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
  self->receivers_option = g_strdup (options->receivers ? options->receivers : "auto");
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
  for (guint i = 0; i < self->receivers->len; i++)
    {
      Receiver *r = g_ptr_array_index (self->receivers, i);

      if (r->process != NULL)
        g_subprocess_send_signal (r->process, SIGTERM);
    }
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

/* One line for scripts and tests: "demo: N clients, M complete, F failed (...)". */
char *
shoal_demo_dup_summary (ShoalDemo *self)
{
  g_return_val_if_fail (SHOAL_IS_DEMO (self), NULL);

  return g_strdup_printf ("demo: %u clients, %u complete, %u failed (network: %s, "
                          "receivers: %s, state: %s)",
                          self->n_clients, self->n_complete, self->n_failed,
                          self->network_text ? self->network_text : "not chosen yet",
                          self->dp != NULL ? "shoal-client processes" : "threads",
                          self->state);
}
