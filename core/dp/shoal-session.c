/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A multicast session on the distribution point. The engine lives on the session's thread;
 * every 200 ms the thread copies its figures into a snapshot that the main context turns
 * into property notifications, client records and event records. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "shoal-client-record.h"
#include "shoal-event-record.h"
#include "shoal-rate-history.h"
#include "shoal-session.h"

#define PUBLISH_INTERVAL (200 * 1000)
#define SAMPLE_INTERVAL  G_USEC_PER_SEC     /* the rate history's */
#define CHART_CLIENTS    12                 /* rate series kept one per client in records */
#define BATCH_DGRAMS     64
/* Read-ahead of the first pass: half a second of sending, within these bounds, asked for in
 * chunks of PREFETCH_CHUNK. */
#define PREFETCH_MIN     ((guint64) 16 << 20)
#define PREFETCH_MAX     ((guint64) 256 << 20)
#define PREFETCH_CHUNK   ((guint64) 4 << 20)
/* The session thread paces the multicast: woken late, it loses sending time it cannot make
 * up (the pacer banks at most a millisecond), so it runs a little ahead of the rest of the
 * machine where it may (root, or CAP_SYS_NICE). */
#define SESSION_NICE     (-5)

typedef struct
{
  ShoalSenderStats stats;
  GArray  *members;          /* ShoalMemberInfo */
  GArray  *events;           /* ShoalSenderEvent */
  guint64  rate;             /* measured, bits/s on the wire */
  guint64  repair_rate;
  char    *error;
  gboolean finished;
} Snapshot;

struct _ShoalSession
{
  GObject parent_instance;

  char              *id;
  char              *package;
  ShoalSenderConfig  config;
  ShoalTransport    *transport;
  ShoalReadFunc      read_func;
  gpointer           read_data;
  GDestroyNotify     read_destroy;
  ShoalPrefetchFunc  prefetch_func;

  GThread      *thread;
  GMainContext *context;
  gint          cancel;          /* atomic */
  gint          start_now;       /* atomic */

  GMutex    lock;
  GCond     finished_cond;
  Snapshot  snap;                /* under lock */
  gboolean  publish_queued;      /* under lock */
  gboolean  thread_done;         /* under lock */

  /* Main-context view. */
  ShoalSenderStats stats;
  char        *state;
  char        *error;
  guint        clients_joined;
  guint64      rate;
  guint64      repair_rate;
  gint64       started;
  gint64       finished;
  GListStore  *clients;
  GHashTable  *client_index;     /* id -> ShoalClientRecord */
  GListStore  *events;
  gint64       last_sample;      /* wall time of the rate history's last round */

  /* A session of a remote distribution point, mirrored from its REST API. */
  gboolean     remote;
  double       remote_progress;
  gint64       remote_eta;
  char        *remote_group;
  guint        remote_port;
  GHashTable  *http_bytes;       /* client address -> guint64 *, content served over HTTP */
  guint64      http_bytes_total;
  gboolean     http_counted;     /* an HTTP server reports what it serves to the clients */
};

G_DEFINE_FINAL_TYPE (ShoalSession, shoal_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-session-error-quark, shoal_session_error)

enum {
  PROP_0,
  PROP_ID,
  PROP_PACKAGE,
  PROP_STATE,
  PROP_ERROR,
  PROP_CLIENTS_JOINED,
  PROP_RATE,
  PROP_REPAIR_RATE,
  PROP_BYTES_SENT,
  PROP_REPAIR_BYTES,
  PROP_PROGRESS,
  PROP_STARTED,
  PROP_FINISHED,
  PROP_ETA,
  PROP_ELAPSED,
  N_PROPS
};

enum { SIGNAL_EVENT, SIGNAL_FINISHED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
shoal_session_dispose (GObject *object)
{
  ShoalSession *self = SHOAL_SESSION (object);

  if (self->thread != NULL)
    {
      g_atomic_int_set (&self->cancel, 1);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  G_OBJECT_CLASS (shoal_session_parent_class)->dispose (object);
}

static void
shoal_session_finalize (GObject *object)
{
  ShoalSession *self = SHOAL_SESSION (object);

  g_free (self->id);
  g_free (self->package);
  g_clear_object (&self->transport);
  if (self->read_destroy)
    self->read_destroy (self->read_data);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_array_unref (self->snap.members);
  g_array_unref (self->snap.events);
  g_free (self->snap.error);
  g_free (self->remote_group);
  g_free (self->state);
  g_free (self->error);
  g_object_unref (self->clients);
  g_hash_table_unref (self->client_index);
  g_object_unref (self->events);
  g_hash_table_unref (self->http_bytes);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->finished_cond);
  G_OBJECT_CLASS (shoal_session_parent_class)->finalize (object);
}

static void
shoal_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalSession *self = SHOAL_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_PACKAGE: g_value_set_string (value, self->package); break;
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_CLIENTS_JOINED: g_value_set_uint (value, self->clients_joined); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_REPAIR_RATE: g_value_set_uint64 (value, self->repair_rate); break;
    case PROP_BYTES_SENT: g_value_set_uint64 (value, shoal_session_get_bytes_sent (self)); break;
    case PROP_REPAIR_BYTES: g_value_set_uint64 (value, self->stats.repair_bytes); break;
    case PROP_PROGRESS: g_value_set_double (value, shoal_session_get_progress (self)); break;
    case PROP_STARTED: g_value_set_int64 (value, self->started); break;
    case PROP_FINISHED: g_value_set_int64 (value, self->finished); break;
    case PROP_ETA: g_value_set_int64 (value, shoal_session_get_eta (self)); break;
    case PROP_ELAPSED: g_value_set_int64 (value, shoal_session_get_elapsed (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_session_class_init (ShoalSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_session_dispose;
  object_class->finalize = shoal_session_finalize;
  object_class->get_property = shoal_session_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, f);
  properties[PROP_PACKAGE] = g_param_spec_string ("package", NULL, NULL, NULL, f);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, f);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, f);
  properties[PROP_CLIENTS_JOINED] =
    g_param_spec_uint ("clients-joined", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_REPAIR_RATE] =
    g_param_spec_uint64 ("repair-rate", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_REPAIR_BYTES] =
    g_param_spec_uint64 ("repair-bytes", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, f);
  properties[PROP_STARTED] = g_param_spec_int64 ("started", NULL, NULL, 0, G_MAXINT64, 0, f);
  properties[PROP_FINISHED] = g_param_spec_int64 ("finished", NULL, NULL, 0, G_MAXINT64, 0, f);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, f);
  /* Seconds since the session started (to its end once finished); -1 before it starts. */
  properties[PROP_ELAPSED] = g_param_spec_int64 ("elapsed", NULL, NULL, -1, G_MAXINT64, -1, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (kind, message): kind is "joined", "complete", "fallback", "failed", "dropped",
   * "started", "pass", "rate", "done", "cancelled" or "error". */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
shoal_session_init (ShoalSession *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->finished_cond);
  self->snap.members = g_array_new (FALSE, FALSE, sizeof (ShoalMemberInfo));
  self->snap.events = g_array_new (FALSE, FALSE, sizeof (ShoalSenderEvent));
  self->state = g_strdup ("waiting");
  self->clients = g_list_store_new (SHOAL_TYPE_CLIENT_RECORD);
  self->client_index = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->events = g_list_store_new (SHOAL_TYPE_EVENT_RECORD);
  self->http_bytes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Made now so that the history covers the session whoever looks at it, and when. */
  shoal_rate_history_for_session (self);
}

/* @transport is configured but not open; the session opens and closes it. */
ShoalSession *
shoal_session_new (const char              *id,
                   const char              *package,
                   const ShoalSenderConfig *config,
                   ShoalTransport          *transport,
                   ShoalReadFunc            read_func,
                   gpointer                 read_data,
                   GDestroyNotify           read_destroy)
{
  ShoalSession *self;

  g_return_val_if_fail (id != NULL && package != NULL && config != NULL, NULL);
  g_return_val_if_fail (SHOAL_IS_TRANSPORT (transport), NULL);

  self = g_object_new (SHOAL_TYPE_SESSION, NULL);
  self->id = g_strdup (id);
  self->package = g_strdup (package);
  self->config = *config;
  self->transport = g_object_ref (transport);
  self->read_func = read_func;
  self->read_data = read_data;
  self->read_destroy = read_destroy;
  self->stats.n_blocks = shoal_layout_n_blocks (&config->layout);
  return self;
}

static const char *
member_state (const ShoalMemberInfo *m)
{
  if (m->dropped)
    return "dropped";
  switch (m->state)
    {
    case SHOAL_MEMBER_COMPLETE: return "complete";
    case SHOAL_MEMBER_FALLBACK: return "repairing over HTTP";
    case SHOAL_MEMBER_FAILED: return "failed";
    default: return "receiving";
    }
}

static const char *
drop_reason (guint8 reason)
{
  switch (reason)
    {
    case SHOAL_DROP_SLOW: return "too slow or too lossy for the session (slow-client policy)";
    case SHOAL_DROP_SESSION_FULL: return "the session already had its maximum of clients";
    case SHOAL_DROP_SILENT: return "stopped responding";
    default: return "dropped";
    }
}

static char *
format_address (const ShoalMemberInfo *m)
{
  char host[NI_MAXHOST];

  if (m->addr_len == 0
      || getnameinfo ((const struct sockaddr *) &m->addr, m->addr_len, host, sizeof host,
                      NULL, 0, NI_NUMERICHOST) != 0)
    return g_strdup ("");
  return g_strdup (host);
}

static const ShoalMemberInfo *
snap_member (Snapshot *snap, guint32 id)
{
  for (guint i = 0; i < snap->members->len; i++)
    if (g_array_index (snap->members, ShoalMemberInfo, i).id == id)
      return &g_array_index (snap->members, ShoalMemberInfo, i);
  return NULL;
}

static void
add_event (ShoalSession *self, gint64 time, const char *kind, const char *message)
{
  g_autoptr(ShoalEventRecord) rec = shoal_event_record_new (time, kind, message);

  g_list_store_append (self->events, rec);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, kind, message);
}

static void
set_state (ShoalSession *self, const char *state)
{
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
apply_event (ShoalSession *self, Snapshot *snap, const ShoalSenderEvent *ev, gint64 mono_now,
             gint64 wall_now)
{
  const ShoalMemberInfo *m = snap_member (snap, ev->client_id);
  g_autofree char *who = NULL;
  g_autofree char *msg = NULL;
  gint64 wall = wall_now - (mono_now - ev->time);
  const char *kind = NULL;

  if (m != NULL)
    {
      g_autofree char *addr = format_address (m);
      who = g_strdup_printf ("%s (%s)", m->hostname[0] ? m->hostname : "client", addr);
    }
  else
    who = g_strdup_printf ("client %08x", ev->client_id);

  switch (ev->type)
    {
    case SHOAL_SENDER_EVENT_STARTED:
      kind = "started";
      msg = g_strdup ("Session started");
      self->started = wall;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
      break;
    case SHOAL_SENDER_EVENT_MEMBER_JOINED:
      kind = "joined";
      msg = g_strdup_printf ("%s joined", who);
      break;
    case SHOAL_SENDER_EVENT_MEMBER_COMPLETE:
      kind = "complete";
      msg = g_strdup_printf ("%s verified the package", who);
      break;
    case SHOAL_SENDER_EVENT_MEMBER_FALLBACK:
      kind = "fallback";
      msg = g_strdup_printf ("%s left the multicast to finish over HTTP", who);
      break;
    case SHOAL_SENDER_EVENT_MEMBER_FAILED:
      kind = "failed";
      msg = g_strdup_printf ("%s failed", who);
      break;
    case SHOAL_SENDER_EVENT_MEMBER_DROPPED:
      kind = "dropped";
      msg = g_strdup_printf ("%s dropped: %s; it finishes over HTTP", who,
                             drop_reason (ev->reason));
      {
        ShoalClientRecord *rec = g_hash_table_lookup (self->client_index,
                                                      GUINT_TO_POINTER (ev->client_id));
        if (rec != NULL)
          shoal_client_record_set_last_error (rec, drop_reason (ev->reason));
      }
      break;
    case SHOAL_SENDER_EVENT_PASS_COMPLETE:
      kind = "pass";
      if (snap->stats.holds > 0)
        msg = g_strdup_printf ("First pass complete; serving repair (slower receivers held "
                               "the sending %" G_GUINT64_FORMAT " times, %.1f s in all)",
                               snap->stats.holds, snap->stats.held_us / 1e6);
      else
        msg = g_strdup ("First pass complete; serving repair");
      break;
    case SHOAL_SENDER_EVENT_RATE_CHANGED:
      return;   /* shown by the rate graph, too frequent for the log */
    case SHOAL_SENDER_EVENT_DONE:
      kind = snap->stats.state == SHOAL_SESSION_CANCELLED ? "cancelled" : "done";
      msg = g_strdup (snap->stats.state == SHOAL_SESSION_CANCELLED ? "Session cancelled"
                                                                   : "Session finished");
      break;
    }
  add_event (self, wall, kind, msg);
}

static void
update_clients (ShoalSession *self, Snapshot *snap, gint64 mono_now, gint64 wall_now)
{
  guint joined = 0;

  for (guint i = 0; i < snap->members->len; i++)
    {
      const ShoalMemberInfo *m = &g_array_index (snap->members, ShoalMemberInfo, i);
      ShoalClientRecord *rec = g_hash_table_lookup (self->client_index, GUINT_TO_POINTER (m->id));
      g_autofree char *addr = format_address (m);
      double progress = snap->stats.n_blocks ? (double) m->blocks_done / snap->stats.n_blocks : 0;
      /* A member's last report keeps its last rate; once it has left the multicast it
       * receives nothing, and the graph and table should say so. */
      guint64 rate = m->state == SHOAL_MEMBER_RECEIVING && !m->dropped
                     ? (guint64) m->rx_rate_kbps * 1000 : 0;

      if (rec == NULL)
        {
          rec = shoal_client_record_new (m->id);
          g_hash_table_insert (self->client_index, GUINT_TO_POINTER (m->id), rec);
          g_list_store_append (self->clients, rec);
        }
      if (!m->dropped)
        joined++;
      shoal_client_record_update (rec, m->hostname, addr, member_state (m), MIN (progress, 1.0),
                                  rate, m->loss_permille / 1000.0,
                                  m->bytes_received,
                                  m->nack_symbols * self->config.layout.symbol_size,
                                  wall_now - (mono_now - m->joined_at),
                                  m->finished_at ? wall_now - (mono_now - m->finished_at) : 0);
    }
  if (joined != self->clients_joined)
    {
      self->clients_joined = joined;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENTS_JOINED]);
    }
}

static gboolean
publish (gpointer data)
{
  ShoalSession *self = data;
  Snapshot snap = { 0 };
  gint64 mono = g_get_monotonic_time (), wall = g_get_real_time ();

  g_mutex_lock (&self->lock);
  snap = self->snap;
  snap.members = g_array_copy (self->snap.members);
  snap.events = g_array_copy (self->snap.events);
  snap.error = g_strdup (self->snap.error);
  g_array_set_size (self->snap.events, 0);
  self->publish_queued = FALSE;
  g_mutex_unlock (&self->lock);

  g_object_freeze_notify (G_OBJECT (self));
  self->stats = snap.stats;
  update_clients (self, &snap, mono, wall);
  for (guint i = 0; i < snap.events->len; i++)
    apply_event (self, &snap, &g_array_index (snap.events, ShoalSenderEvent, i), mono, wall);
  if (self->rate != snap.rate)
    {
      self->rate = snap.rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
    }
  if (self->repair_rate != snap.repair_rate)
    {
      self->repair_rate = snap.repair_rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPAIR_RATE]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPAIR_BYTES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
  if (snap.error != NULL && self->error == NULL)
    {
      self->error = g_strdup (snap.error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
      add_event (self, wall, "error", snap.error);
    }
  if (self->error != NULL)
    set_state (self, "failed");
  else if (snap.stats.state == SHOAL_SESSION_WAITING)
    set_state (self, "waiting");
  else if (snap.stats.state == SHOAL_SESSION_RUNNING)
    set_state (self, snap.stats.sweep < snap.stats.n_blocks ? "running" : "repairing");
  else if (snap.stats.state == SHOAL_SESSION_DONE)
    set_state (self, "done");
  else if (snap.stats.state == SHOAL_SESSION_CANCELLED)
    set_state (self, "cancelled");
  if (snap.finished && self->finished == 0)
    {
      self->finished = wall;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  /* One round a second while it runs, and a last one showing the rates at zero. */
  if (self->started != 0
      && (wall - self->last_sample >= SAMPLE_INTERVAL || (snap.finished && self->finished == wall)))
    {
      self->last_sample = wall;
      shoal_rate_history_sample (shoal_rate_history_for_session (self), self, wall);
    }
  if (snap.finished && self->finished == wall)
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0);

  g_array_unref (snap.members);
  g_array_unref (snap.events);
  g_free (snap.error);
  return G_SOURCE_REMOVE;
}

/* Reads ahead of the sender's first pass on a thread of its own, so a disk that stalls for a
 * moment (a cold cache, another writer's flush) does not stall the multicast. */
typedef struct
{
  ShoalPrefetchFunc func;
  gpointer          data;
  GThread          *thread;
  GMutex            lock;
  GCond             cond;
  guint64           want;        /* under lock: read ahead up to here */
  guint64           done;        /* under lock */
  gboolean          stop;        /* under lock */
} Prefetcher;

static gpointer
prefetch_thread (gpointer data)
{
  Prefetcher *p = data;

  g_mutex_lock (&p->lock);
  for (;;)
    {
      guint64 from, len;

      while (!p->stop && p->done >= p->want)
        g_cond_wait (&p->cond, &p->lock);
      if (p->stop)
        break;
      from = p->done;
      len = MIN (p->want - from, PREFETCH_CHUNK);
      g_mutex_unlock (&p->lock);
      p->func (from, len, p->data);
      g_mutex_lock (&p->lock);
      p->done = from + len;
    }
  g_mutex_unlock (&p->lock);
  return NULL;
}

static void
prefetcher_init (Prefetcher *p, ShoalPrefetchFunc func, gpointer data)
{
  memset (p, 0, sizeof *p);
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->func = func;
  p->data = data;
  if (func != NULL)
    p->thread = g_thread_new ("shoal-prefetch", prefetch_thread, p);
}

/* The first pass has reached @pos of @total bytes, sending at @rate bits/s (0: unlimited). */
static void
prefetcher_update (Prefetcher *p, guint64 pos, guint64 total, guint64 rate)
{
  guint64 lead = rate ? CLAMP (rate / 8 / 2, PREFETCH_MIN, PREFETCH_MAX) : PREFETCH_MAX;
  guint64 want = MIN (pos + lead, total);

  if (p->thread == NULL)
    return;
  g_mutex_lock (&p->lock);
  if (want >= p->want + PREFETCH_CHUNK || (want == total && want > p->want))
    {
      p->want = want;
      g_cond_signal (&p->cond);
    }
  g_mutex_unlock (&p->lock);
}

static void
prefetcher_clear (Prefetcher *p)
{
  if (p->thread != NULL)
    {
      g_mutex_lock (&p->lock);
      p->stop = TRUE;
      g_cond_signal (&p->cond);
      g_mutex_unlock (&p->lock);
      g_thread_join (g_steal_pointer (&p->thread));
    }
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
}

/* Called on the session thread. */
static void
snapshot (ShoalSession *self, ShoalSender *sender, guint64 rate, guint64 repair_rate,
          const char *error, gboolean finished)
{
  ShoalSenderEvent ev;
  gboolean queue;

  g_mutex_lock (&self->lock);
  shoal_sender_get_stats (sender, &self->snap.stats);
  g_array_set_size (self->snap.members, 0);
  for (guint i = 0; i < shoal_sender_get_n_members (sender); i++)
    g_array_append_vals (self->snap.members, shoal_sender_get_member (sender, i), 1);
  while (shoal_sender_poll_event (sender, &ev))
    g_array_append_val (self->snap.events, ev);
  self->snap.rate = rate;
  self->snap.repair_rate = repair_rate;
  if (error != NULL && self->snap.error == NULL)
    self->snap.error = g_strdup (error);
  self->snap.finished = finished;
  queue = !self->publish_queued;
  self->publish_queued = TRUE;
  g_mutex_unlock (&self->lock);
  if (queue)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, publish,
                                g_object_ref (self), g_object_unref);
}

static gpointer
session_thread (gpointer data)
{
  ShoalSession *self = data;
  g_autoptr(ShoalSender) sender = shoal_sender_new (&self->config, self->read_func,
                                                    self->read_data);
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (BATCH_DGRAMS,
                                                                   BATCH_DGRAMS * 2048);
  g_autoptr(GError) error = NULL;
  gsize buf_size = 64 * shoal_sender_max_datagram (sender);
  g_autofree guint8 *buf = g_malloc (buf_size);
  gint64 next_publish = 0, window_start = g_get_monotonic_time ();
  guint64 window_wire = 0, window_repair = 0, rate = 0, repair_rate = 0, last_repair = 0;
  gboolean cancelled = FALSE;
  guint32 n_blocks = shoal_layout_n_blocks (&self->config.layout);
  Prefetcher prefetcher;

#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) gettid (), SESSION_NICE) != 0)
    g_debug ("session %s: the sending thread keeps its priority: %s", self->id,
             g_strerror (errno));
#endif
  prefetcher_init (&prefetcher, self->prefetch_func, self->read_data);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake;
      gsize seg = 0, len;

      if (!cancelled && g_atomic_int_get (&self->cancel))
        {
          shoal_sender_cancel (sender, now);
          cancelled = TRUE;
        }
      if (g_atomic_int_compare_and_exchange (&self->start_now, 1, 0))
        shoal_sender_start_now (sender, now);
      if (!shoal_transport_receive (self->transport, batch, 0, &error))
        break;
      for (guint i = 0; i < batch->n_dgrams; i++)
        shoal_sender_handle_datagram (sender, batch->dgrams[i].data, batch->dgrams[i].len,
                                      (struct sockaddr *) &batch->dgrams[i].from,
                                      batch->dgrams[i].from_len, now);
      len = shoal_sender_next_run (sender, now, buf, buf_size, &seg, &wake, &error);
      if (error != NULL)
        break;
      prefetcher_update (&prefetcher,
                         shoal_layout_block_offset (&self->config.layout,
                                                    MIN (shoal_sender_get_sweep (sender),
                                                         n_blocks)),
                         self->config.layout.total_size, shoal_sender_get_rate (sender));
      if (len > 0)
        {
          guint64 target = shoal_sender_get_send_rate (sender, now);

          if (shoal_transport_get_rate (self->transport) != target)
            shoal_transport_set_rate (self->transport, target);
          if (!shoal_transport_send_group (self->transport, buf, len, seg, &error))
            break;
          window_wire += len + (len / seg + 1) * 28;
        }
      else if (wake < 0)
        break;
      else
        {
          gint64 timeout = MIN (wake - now, PUBLISH_INTERVAL);

          if (!shoal_transport_receive (self->transport, batch, MAX (timeout, 0), &error))
            break;
          now = g_get_monotonic_time ();
          for (guint i = 0; i < batch->n_dgrams; i++)
            shoal_sender_handle_datagram (sender, batch->dgrams[i].data, batch->dgrams[i].len,
                                          (struct sockaddr *) &batch->dgrams[i].from,
                                          batch->dgrams[i].from_len, now);
        }
      now = g_get_monotonic_time ();
      if (now >= next_publish)
        {
          ShoalSenderStats st;
          gint64 span = MAX (now - window_start, 1);

          shoal_sender_get_stats (sender, &st);
          window_repair = st.repair_bytes - last_repair;
          last_repair = st.repair_bytes;
          rate = window_wire * 8 * G_USEC_PER_SEC / span;
          repair_rate = window_repair * 8 * G_USEC_PER_SEC / span;
          window_wire = 0;
          window_start = now;
          snapshot (self, sender, rate, repair_rate, NULL, FALSE);
          next_publish = now + PUBLISH_INTERVAL;
        }
    }
  prefetcher_clear (&prefetcher);
  if (error != NULL)
    g_prefix_error (&error, "session %s (package %s): ", self->id, self->package);
  shoal_transport_close (self->transport);
  snapshot (self, sender, 0, 0, error ? error->message : NULL, TRUE);
  g_mutex_lock (&self->lock);
  self->thread_done = TRUE;
  g_cond_broadcast (&self->finished_cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

void
shoal_session_set_prefetch_func (ShoalSession      *self,
                                 ShoalPrefetchFunc  func)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (self->thread == NULL);

  self->prefetch_func = func;
}

gboolean
shoal_session_start (ShoalSession  *self,
                     GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_STATE,
                   "session %s is already running", self->id);
      return FALSE;
    }
  if (!shoal_transport_open (self->transport, error))
    {
      g_prefix_error (error, "session %s: ", self->id);
      return FALSE;
    }
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("shoal-session", session_thread, self);
  return TRUE;
}

/* Stops the session: the sender tells its clients, which finish over HTTP. */
void
shoal_session_cancel (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_atomic_int_set (&self->cancel, 1);
}

/* Starts the session now, whatever its start rule says. */
void
shoal_session_start_now (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_atomic_int_set (&self->start_now, 1);
}

/* Blocks until the session's thread has finished (for tools and tests without a loop). */
void
shoal_session_wait (ShoalSession *self)
{
  g_mutex_lock (&self->lock);
  while (!self->thread_done)
    g_cond_wait (&self->finished_cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

const char *shoal_session_get_id (ShoalSession *self) { return self->id; }
const char *shoal_session_get_package (ShoalSession *self) { return self->package; }
const char *shoal_session_get_state (ShoalSession *self) { return self->state; }
const char *shoal_session_get_error (ShoalSession *self) { return self->error; }
guint shoal_session_get_clients_joined (ShoalSession *self) { return self->clients_joined; }
guint64 shoal_session_get_rate (ShoalSession *self) { return self->rate; }
guint64 shoal_session_get_repair_rate (ShoalSession *self) { return self->repair_rate; }
guint64 shoal_session_get_repair_bytes (ShoalSession *self) { return self->stats.repair_bytes; }
guint64 shoal_session_get_total_size (ShoalSession *self) { return self->config.layout.total_size; }
gint64 shoal_session_get_started (ShoalSession *self) { return self->started; }
gint64 shoal_session_get_finished (ShoalSession *self) { return self->finished; }
guint32 shoal_session_get_session_id (ShoalSession *self) { return self->config.session_id; }
const ShoalSenderConfig *shoal_session_get_config (ShoalSession *self) { return &self->config; }
GListModel *shoal_session_get_clients (ShoalSession *self) { return G_LIST_MODEL (self->clients); }
GListModel *shoal_session_get_events (ShoalSession *self) { return G_LIST_MODEL (self->events); }

guint64
shoal_session_get_bytes_sent (ShoalSession *self)
{
  return self->stats.source_bytes + self->stats.repair_bytes + self->stats.proactive_bytes;
}

double
shoal_session_get_progress (ShoalSession *self)
{
  if (self->remote)
    return self->remote_progress;
  if (self->stats.n_blocks == 0)
    return 0;
  return MIN (1.0, (double) self->stats.sweep / self->stats.n_blocks);
}

gint64
shoal_session_get_elapsed (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), -1);

  if (self->started == 0)
    return -1;
  return MAX (0, ((self->finished ? self->finished : g_get_real_time ()) - self->started)
                 / G_USEC_PER_SEC);
}

/* Seconds until the first pass ends at the current rate; -1 when unknown. */
gint64
shoal_session_get_eta (ShoalSession *self)
{
  guint64 left;

  if (self->remote)
    return self->remote_eta;
  if (self->rate == 0 || self->stats.state != SHOAL_SESSION_RUNNING)
    return -1;
  left = self->config.layout.total_size - MIN (self->stats.source_bytes,
                                               self->config.layout.total_size);
  return (gint64) (left * 8 / self->rate);
}

void
shoal_session_get_stats (ShoalSession     *self,
                         ShoalSenderStats *stats)
{
  *stats = self->stats;
}

/* The distribution point's HTTP server counts what it serves; this says it does, so that
 * records can tell "nothing over HTTP" from "not counted". */
void
shoal_session_set_http_counted (ShoalSession *self,
                                gboolean      counted)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  self->http_counted = counted;
}

/* Content bytes of this session's package served over HTTP to a client at @address. */
void
shoal_session_add_http_bytes (ShoalSession *self,
                              const char   *address,
                              guint64       bytes)
{
  guint64 *n;

  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (address != NULL);

  n = g_hash_table_lookup (self->http_bytes, address);
  if (n == NULL)
    {
      n = g_new0 (guint64, 1);
      g_hash_table_insert (self->http_bytes, g_strdup (address), n);
    }
  *n += bytes;
  self->http_bytes_total += bytes;
}

guint64
shoal_session_get_http_bytes (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->http_bytes_total;
}

/* Whether a client at @address is one of this session's. */
gboolean
shoal_session_has_client_address (ShoalSession *self,
                                   const char   *address)
{
  GListModel *clients;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);

  clients = G_LIST_MODEL (self->clients);
  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    {
      g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);

      if (g_strcmp0 (shoal_client_record_get_address (c), address) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_time (JsonBuilder *b, const char *name, gint64 usec)
{
  json_builder_set_member_name (b, name);
  if (usec == 0)
    json_builder_add_null_value (b);
  else
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
      g_autofree char *s = g_date_time_format_iso8601 (t);
      json_builder_add_string_value (b, s);
    }
}

/* The REST API's, the history's and the reports' view of one client. */
JsonNode *
shoal_client_record_to_json (gpointer record)
{
  ShoalClientRecord *c = record;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *id = g_strdup_printf ("%08x", shoal_client_record_get_id (c));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "hostname");
  json_builder_add_string_value (b, shoal_client_record_get_hostname (c));
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, shoal_client_record_get_address (c));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, shoal_client_record_get_state (c));
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, shoal_client_record_get_progress (c));
  json_builder_set_member_name (b, "rate_bps");
  json_builder_add_int_value (b, (gint64) shoal_client_record_get_rate (c));
  json_builder_set_member_name (b, "loss");
  json_builder_add_double_value (b, shoal_client_record_get_loss (c));
  json_builder_set_member_name (b, "bytes_received");
  json_builder_add_int_value (b, (gint64) shoal_client_record_get_bytes (c));
  json_builder_set_member_name (b, "repair_bytes");
  json_builder_add_int_value (b, (gint64) shoal_client_record_get_repair_bytes (c));
  json_builder_set_member_name (b, "last_error");
  if (shoal_client_record_get_last_error (c))
    json_builder_add_string_value (b, shoal_client_record_get_last_error (c));
  else
    json_builder_add_null_value (b);
  add_time (b, "joined", shoal_client_record_get_joined (c));
  add_time (b, "finished", shoal_client_record_get_finished (c));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* What reports need beyond the live view: the rules and rates the session ran with, and its
 * byte counts by kind. */
static void
add_config_and_stats (ShoalSession *self, JsonBuilder *b)
{
  const ShoalSenderConfig *c = &self->config;

  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "max_rate_bps");
  json_builder_add_int_value (b, (gint64) c->max_rate);
  json_builder_set_member_name (b, "adaptive");
  json_builder_add_boolean_value (b, c->adaptive);
  json_builder_set_member_name (b, "min_rate_bps");
  json_builder_add_int_value (b, (gint64) c->min_rate);
  json_builder_set_member_name (b, "start_immediately");
  json_builder_add_boolean_value (b, c->start_immediately);
  /* A scheduled session has no rule of its own (the distribution point's timer starts it). */
  json_builder_set_member_name (b, "scheduled");
  json_builder_add_boolean_value (b, c->min_clients == G_MAXUINT);
  json_builder_set_member_name (b, "min_clients");
  json_builder_add_int_value (b, c->min_clients == G_MAXUINT ? 0 : c->min_clients);
  json_builder_set_member_name (b, "max_wait_seconds");
  json_builder_add_int_value (b, c->max_wait / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "max_clients");
  json_builder_add_int_value (b, c->max_clients);
  json_builder_set_member_name (b, "proactive_parity");
  json_builder_add_int_value (b, c->proactive_parity);
  json_builder_set_member_name (b, "drop_slow");
  json_builder_add_boolean_value (b, c->drop_slow);
  json_builder_set_member_name (b, "symbol_size");
  json_builder_add_int_value (b, c->layout.symbol_size);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.source_bytes);
  json_builder_set_member_name (b, "repair_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.repair_bytes);
  json_builder_set_member_name (b, "proactive_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.proactive_bytes);
  json_builder_set_member_name (b, "wire_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.wire_bytes);
  json_builder_set_member_name (b, "datagrams");
  json_builder_add_int_value (b, (gint64) self->stats.datagrams);
  json_builder_set_member_name (b, "passes");
  json_builder_add_int_value (b, self->stats.pass);
  json_builder_end_object (b);
}

JsonNode *
shoal_session_to_json (ShoalSession *self,
                       gboolean      with_clients)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *group = NULL;
  GListModel *clients = G_LIST_MODEL (self->clients);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, self->id);
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, self->package);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, self->state);
  json_builder_set_member_name (b, "error");
  if (self->error)
    json_builder_add_string_value (b, self->error);
  else
    json_builder_add_null_value (b);
  group = self->transport
          ? g_inet_address_to_string (g_inet_socket_address_get_address (
              shoal_transport_get_group (self->transport)))
          : g_strdup (self->remote_group ? self->remote_group : "");
  json_builder_set_member_name (b, "group");
  json_builder_add_string_value (b, group);
  json_builder_set_member_name (b, "port");
  json_builder_add_int_value (b, self->transport ? g_inet_socket_address_get_port (
    shoal_transport_get_group (self->transport)) : self->remote_port);
  json_builder_set_member_name (b, "interface");
  if (self->transport && shoal_transport_get_interface (self->transport))
    json_builder_add_string_value (b, shoal_transport_get_interface (self->transport));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) self->config.layout.total_size);
  json_builder_set_member_name (b, "clients_joined");
  json_builder_add_int_value (b, self->clients_joined);
  json_builder_set_member_name (b, "rate_bps");
  json_builder_add_int_value (b, (gint64) self->rate);
  json_builder_set_member_name (b, "repair_rate_bps");
  json_builder_add_int_value (b, (gint64) self->repair_rate);
  json_builder_set_member_name (b, "max_rate_bps");
  json_builder_add_int_value (b, (gint64) self->config.max_rate);
  json_builder_set_member_name (b, "bytes_sent");
  json_builder_add_int_value (b, (gint64) shoal_session_get_bytes_sent (self));
  json_builder_set_member_name (b, "repair_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.repair_bytes);
  json_builder_set_member_name (b, "wire_bytes");
  json_builder_add_int_value (b, (gint64) self->stats.wire_bytes);
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, shoal_session_get_progress (self));
  json_builder_set_member_name (b, "eta_seconds");
  json_builder_add_int_value (b, shoal_session_get_eta (self));
  add_time (b, "started", self->started);
  add_time (b, "finished", self->finished);
  if (with_clients)
    {
      g_autoptr(GHashTable) per_address = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
        {
          g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);
          const char *a = shoal_client_record_get_address (c);

          g_hash_table_insert (per_address, (gpointer) a,
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (
                                 g_hash_table_lookup (per_address, a)) + 1));
        }
      json_builder_set_member_name (b, "http_bytes");
      if (self->http_counted)
        json_builder_add_int_value (b, (gint64) self->http_bytes_total);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "clients");
      json_builder_begin_array (b);
      for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
        {
          g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);
          JsonNode *node = shoal_client_record_to_json (c);
          const char *a = shoal_client_record_get_address (c);
          guint64 *http = g_hash_table_lookup (self->http_bytes, a);

          /* HTTP is counted per address: clients sharing one cannot be told apart. */
          if (self->http_counted && GPOINTER_TO_UINT (g_hash_table_lookup (per_address, a)) == 1)
            json_object_set_int_member (json_node_get_object (node), "http_bytes",
                                        http ? (gint64) *http : 0);
          else
            json_object_set_null_member (json_node_get_object (node), "http_bytes");
          json_builder_add_value (b, node);
        }
      json_builder_end_array (b);
      add_config_and_stats (self, b);
      json_builder_set_member_name (b, "rates");
      json_builder_add_value (b, shoal_rate_history_to_json (shoal_rate_history_for_session (self),
                                                             CHART_CLIENTS));
      json_builder_set_member_name (b, "events");
      json_builder_begin_array (b);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->events)); i++)
        {
          g_autoptr(ShoalEventRecord) e = g_list_model_get_item (G_LIST_MODEL (self->events), i);
          json_builder_begin_object (b);
          add_time (b, "time", shoal_event_record_get_time (e));
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, shoal_event_record_get_kind (e));
          json_builder_set_member_name (b, "message");
          json_builder_add_string_value (b, shoal_event_record_get_message (e));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* A session of a remote distribution point: no engine here, its figures come from
 * shoal_session_update_from_json() with what the REST API says. */
ShoalSession *
shoal_session_new_remote (const char *id,
                          const char *package)
{
  ShoalSession *self = g_object_new (SHOAL_TYPE_SESSION, NULL);

  self->id = g_strdup (id);
  self->package = g_strdup (package);
  self->remote = TRUE;
  self->remote_eta = -1;
  return self;
}

gboolean
shoal_session_is_remote (ShoalSession *self)
{
  return self->remote;
}

static gint64
iso_to_us (JsonObject *o, const char *key)
{
  const char *s = json_object_get_string_member_with_default (o, key, NULL);
  g_autoptr(GDateTime) t = s ? g_date_time_new_from_iso8601 (s, NULL) : NULL;

  return t ? g_date_time_to_unix (t) * G_USEC_PER_SEC : 0;
}

#define UPDATE(field, value, prop) \
  G_STMT_START { \
    __typeof__ (self->field) _v = (value); \
    if (self->field != _v) \
      { \
        self->field = _v; \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

/* Mirrors a remote session from its JSON (shoal_session_to_json's form, from the REST API):
 * properties, the client records and any new events. */
void
shoal_session_update_from_json (ShoalSession *self,
                                JsonObject   *o)
{
  gint64 wall = g_get_real_time ();
  const char *error = json_object_get_string_member_with_default (o, "error", NULL);
  guint64 repair = json_object_get_int_member_with_default (o, "repair_bytes", 0);
  guint64 sent = json_object_get_int_member_with_default (o, "bytes_sent", 0);

  g_return_if_fail (self->remote);

  g_object_freeze_notify (G_OBJECT (self));
  set_state (self, json_object_get_string_member_with_default (o, "state", "waiting"));
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_free (self->remote_group);
  self->remote_group = g_strdup (json_object_get_string_member_with_default (o, "group", NULL));
  self->remote_port = json_object_get_int_member_with_default (o, "port", 0);
  self->config.layout.total_size = json_object_get_int_member_with_default (o, "size", 0);
  self->config.max_rate = json_object_get_int_member_with_default (o, "max_rate_bps", 0);
  UPDATE (clients_joined, (guint) json_object_get_int_member_with_default (o, "clients_joined", 0),
          PROP_CLIENTS_JOINED);
  UPDATE (rate, (guint64) json_object_get_int_member_with_default (o, "rate_bps", 0), PROP_RATE);
  UPDATE (repair_rate, (guint64) json_object_get_int_member_with_default (o, "repair_rate_bps", 0),
          PROP_REPAIR_RATE);
  UPDATE (started, iso_to_us (o, "started"), PROP_STARTED);
  UPDATE (finished, iso_to_us (o, "finished"), PROP_FINISHED);
  UPDATE (remote_eta, json_object_get_int_member_with_default (o, "eta_seconds", -1), PROP_ETA);
  UPDATE (remote_progress, json_object_get_double_member_with_default (o, "progress", 0),
          PROP_PROGRESS);
  self->stats.repair_bytes = repair;
  self->stats.source_bytes = sent > repair ? sent - repair : 0;
  self->stats.wire_bytes = json_object_get_int_member_with_default (o, "wire_bytes", 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPAIR_BYTES]);

  if (json_object_has_member (o, "clients")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "clients")))
    {
      JsonArray *a = json_object_get_array_member (o, "clients");

      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *c = json_array_get_object_element (a, i);
          const char *hex = c ? json_object_get_string_member_with_default (c, "id", NULL) : NULL;
          guint32 id = hex ? (guint32) g_ascii_strtoull (hex, NULL, 16) : 0;
          ShoalClientRecord *rec;

          if (hex == NULL)
            continue;
          rec = g_hash_table_lookup (self->client_index, GUINT_TO_POINTER (id));
          if (rec == NULL)
            {
              rec = shoal_client_record_new (id);
              g_hash_table_insert (self->client_index, GUINT_TO_POINTER (id), rec);
              g_list_store_append (self->clients, rec);
            }
          shoal_client_record_update (
            rec, json_object_get_string_member_with_default (c, "hostname", ""),
            json_object_get_string_member_with_default (c, "address", ""),
            json_object_get_string_member_with_default (c, "state", ""),
            json_object_get_double_member_with_default (c, "progress", 0),
            json_object_get_int_member_with_default (c, "rate_bps", 0),
            json_object_get_double_member_with_default (c, "loss", 0),
            json_object_get_int_member_with_default (c, "bytes_received", 0),
            json_object_get_int_member_with_default (c, "repair_bytes", 0),
            iso_to_us (c, "joined"), iso_to_us (c, "finished"));
          shoal_client_record_set_last_error (
            rec, json_object_get_string_member_with_default (c, "last_error", NULL));
        }
    }
  if (json_object_has_member (o, "events")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "events")))
    {
      JsonArray *a = json_object_get_array_member (o, "events");

      /* The event log only grows: append what is new. */
      for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->events));
           i < json_array_get_length (a); i++)
        {
          JsonObject *e = json_array_get_object_element (a, i);
          if (e != NULL)
            add_event (self, iso_to_us (e, "time"),
                       json_object_get_string_member_with_default (e, "kind", ""),
                       json_object_get_string_member_with_default (e, "message", ""));
        }
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (self->started != 0 && wall - self->last_sample >= SAMPLE_INTERVAL)
    {
      self->last_sample = wall;
      shoal_rate_history_sample (shoal_rate_history_for_session (self), self, wall);
    }
}
