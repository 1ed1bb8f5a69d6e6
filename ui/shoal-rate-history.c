/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput history of a session. One history per session, attached to it, so that
 * switching the view between sessions keeps what was already sampled. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-client-record.h"
#include "shoal-rate-history.h"

#define SAMPLE_INTERVAL_MS 1000

struct _ShoalRateHistory
{
  GObject parent_instance;

  guint         capacity;
  GPtrArray    *series;        /* ShoalRateSeries* */
  guint         n_clients;
  gint64        origin;        /* time of the first sample ever; 0: none yet */
  ShoalSession *session;       /* weak; only for histories attached to a session */
  guint         timer;
  gulong        finished_id;
};

G_DEFINE_FINAL_TYPE (ShoalRateHistory, shoal_rate_history, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
series_free (gpointer data)
{
  ShoalRateSeries *s = data;

  g_free (s->label);
  shoal_sample_ring_free (s->ring);
  g_free (s);
}

static void
detach (ShoalRateHistory *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->finished_id, self->session);
      g_object_remove_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
      self->session = NULL;
    }
}

static void
shoal_rate_history_dispose (GObject *object)
{
  detach (SHOAL_RATE_HISTORY (object));
  G_OBJECT_CLASS (shoal_rate_history_parent_class)->dispose (object);
}

static void
shoal_rate_history_finalize (GObject *object)
{
  g_ptr_array_unref (SHOAL_RATE_HISTORY (object)->series);
  G_OBJECT_CLASS (shoal_rate_history_parent_class)->finalize (object);
}

static void
shoal_rate_history_class_init (ShoalRateHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_rate_history_dispose;
  object_class->finalize = shoal_rate_history_finalize;

  /* Emitted after each round of samples. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
shoal_rate_history_init (ShoalRateHistory *self)
{
  self->series = g_ptr_array_new_with_free_func (series_free);
}

ShoalRateHistory *
shoal_rate_history_new (guint capacity)
{
  ShoalRateHistory *self;

  g_return_val_if_fail (capacity > 0, NULL);

  self = g_object_new (SHOAL_TYPE_RATE_HISTORY, NULL);
  self->capacity = capacity;
  return self;
}

static ShoalRateSeries *
find_series (ShoalRateHistory *self, ShoalSeriesKind kind, guint32 client_id)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);

      if (s->kind == kind && (kind != SHOAL_SERIES_CLIENT || s->client_id == client_id))
        return s;
    }
  return NULL;
}

/* Appends one sample to a series, creating the series on first use. Memory grows with
 * the number of series only, never with the number of samples. */
void
shoal_rate_history_push (ShoalRateHistory *self,
                         ShoalSeriesKind   kind,
                         guint32           client_id,
                         const char       *label,
                         gint64            now,
                         double            value)
{
  ShoalRateSeries *s;

  g_return_if_fail (SHOAL_IS_RATE_HISTORY (self));
  g_return_if_fail (label != NULL);

  s = find_series (self, kind, client_id);
  if (s == NULL)
    {
      s = g_new0 (ShoalRateSeries, 1);
      s->kind = kind;
      s->client_id = client_id;
      s->colour = kind == SHOAL_SERIES_CLIENT ? 2 + self->n_clients++ : (guint) kind;
      s->ring = shoal_sample_ring_new (self->capacity);
      g_ptr_array_add (self->series, s);
    }
  if (g_strcmp0 (s->label, label) != 0)
    {
      g_free (s->label);
      s->label = g_strdup (label);
    }
  if (self->origin == 0)
    self->origin = now;
  shoal_sample_ring_push (s->ring, now, value);
}

/* Takes one round of samples from @session's published figures. */
void
shoal_rate_history_sample (ShoalRateHistory *self,
                           ShoalSession     *session,
                           gint64            now)
{
  GListModel *clients;
  guint n;

  g_return_if_fail (SHOAL_IS_RATE_HISTORY (self));
  g_return_if_fail (SHOAL_IS_SESSION (session));

  shoal_rate_history_push (self, SHOAL_SERIES_SENT, 0, _("sent"), now,
                           shoal_session_get_rate (session));
  shoal_rate_history_push (self, SHOAL_SERIES_REPAIR, 0, _("repair"), now,
                           shoal_session_get_repair_rate (session));
  clients = shoal_session_get_clients (session);
  n = g_list_model_get_n_items (clients);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);
      const char *host = shoal_client_record_get_hostname (c);
      g_autofree char *label = host && *host
                               ? g_strdup (host)
                               : g_strdup_printf (_("client %08x"),
                                                  shoal_client_record_get_id (c));

      shoal_rate_history_push (self, SHOAL_SERIES_CLIENT, shoal_client_record_get_id (c),
                               label, now, shoal_client_record_get_rate (c));
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
on_tick (gpointer data)
{
  ShoalRateHistory *self = data;

  if (self->session != NULL && shoal_session_get_started (self->session) != 0)
    shoal_rate_history_sample (self, self->session, g_get_real_time ());
  return G_SOURCE_CONTINUE;
}

static void
on_finished (ShoalSession *session, ShoalRateHistory *self)
{
  /* One last round shows the rates falling to zero, then the history is complete. */
  shoal_rate_history_sample (self, session, g_get_real_time ());
  g_clear_handle_id (&self->timer, g_source_remove);
}

/* The history of @session, created on first use and sampled every second until the
 * session finishes. Borrowed: the session owns it. */
ShoalRateHistory *
shoal_rate_history_for_session (ShoalSession *session)
{
  ShoalRateHistory *self;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_get_data (G_OBJECT (session), "shoal-rate-history");
  if (self != NULL)
    return self;
  self = shoal_rate_history_new (SHOAL_RATE_HISTORY_CAPACITY);
  self->session = session;
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &self->session);
  if (shoal_session_get_finished (session) == 0)
    {
      self->timer = g_timeout_add (SAMPLE_INTERVAL_MS, on_tick, self);
      self->finished_id = g_signal_connect (session, "finished", G_CALLBACK (on_finished), self);
    }
  g_object_set_data_full (G_OBJECT (session), "shoal-rate-history", self, g_object_unref);
  return self;
}

guint
shoal_rate_history_get_n_series (ShoalRateHistory *self)
{
  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), 0);
  return self->series->len;
}

const ShoalRateSeries *
shoal_rate_history_get_series (ShoalRateHistory *self,
                               guint             i)
{
  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), NULL);
  g_return_val_if_fail (i < self->series->len, NULL);
  return g_ptr_array_index (self->series, i);
}

guint
shoal_rate_history_get_capacity (ShoalRateHistory *self)
{
  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), 0);
  return self->capacity;
}

/* When sampling began: the graph's time axis counts from here, even after the rings have
 * forgotten their oldest samples. */
gint64
shoal_rate_history_get_origin (ShoalRateHistory *self)
{
  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), 0);
  return self->origin;
}
