/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput history of a session. One history per session, owned by it, so that the
 * console's graph, switching between sessions, and the session's reports all read the same
 * samples.
 *
 * A compacting history (the sessions' own) keeps a whole session within its capacity: once
 * the oldest series is full, every series merges its samples pairwise and later rounds are
 * averaged in twos, then fours... Every series is sampled in every round from its first on,
 * so counting from the newest sample they stay aligned on the same rounds. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-client-record.h"
#include "shoal-rate-history.h"

struct _ShoalRateHistory
{
  GObject parent_instance;

  guint         capacity;
  GPtrArray    *series;        /* ShoalRateSeries* */
  GHashTable   *client_series; /* client id -> ShoalRateSeries*, for sessions of thousands */
  guint         n_clients;
  gint64        origin;        /* time of the first sample ever; 0: none yet */
  gboolean      compacting;
  guint         stride;        /* rounds per sample; doubles at each compaction */
  guint64       rounds;        /* rounds sampled so far */
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
shoal_rate_history_finalize (GObject *object)
{
  g_hash_table_unref (SHOAL_RATE_HISTORY (object)->client_series);
  g_ptr_array_unref (SHOAL_RATE_HISTORY (object)->series);
  G_OBJECT_CLASS (shoal_rate_history_parent_class)->finalize (object);
}

static void
shoal_rate_history_class_init (ShoalRateHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

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
  self->client_series = g_hash_table_new (NULL, NULL);
  self->stride = 1;
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
  if (kind == SHOAL_SERIES_CLIENT)
    return g_hash_table_lookup (self->client_series, GUINT_TO_POINTER (client_id));
  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);

      if (s->kind == kind)
        return s;
    }
  return NULL;
}

static ShoalRateSeries *
ensure_series (ShoalRateHistory *self, ShoalSeriesKind kind, guint32 client_id,
               const char *label, gint64 now)
{
  ShoalRateSeries *s = find_series (self, kind, client_id);

  if (s == NULL)
    {
      s = g_new0 (ShoalRateSeries, 1);
      s->kind = kind;
      s->client_id = client_id;
      s->colour = kind == SHOAL_SERIES_CLIENT ? 2 + self->n_clients++ : (guint) kind;
      s->ring = shoal_sample_ring_new (self->capacity);
      g_ptr_array_add (self->series, s);
      if (kind == SHOAL_SERIES_CLIENT)
        g_hash_table_insert (self->client_series, GUINT_TO_POINTER (client_id), s);
    }
  if (g_strcmp0 (s->label, label) != 0)
    {
      g_free (s->label);
      s->label = g_strdup (label);
    }
  if (self->origin == 0)
    self->origin = now;
  return s;
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

  s = ensure_series (self, kind, client_id, label, now);
  shoal_sample_ring_push (s->ring, now, value);
}

/* One value of a round: a sample of its own, or a share of the next one. */
static void
round_push (ShoalRateHistory *self, ShoalSeriesKind kind, guint32 client_id,
            const char *label, gint64 now, double value)
{
  ShoalRateSeries *s = ensure_series (self, kind, client_id, label, now);

  s->pending += value;
  s->pending_rounds++;
  if ((self->rounds + 1) % self->stride == 0)
    {
      shoal_sample_ring_push (s->ring, now, s->pending / s->pending_rounds);
      s->pending = 0;
      s->pending_rounds = 0;
    }
}

/* Halves the resolution of every series. Called right after a round that completed a
 * sample, so the newest sample of every series covers the same rounds. */
static void
compact (ShoalRateHistory *self)
{
  guint64 last_bucket = (self->rounds / self->stride) - 1;
  g_autofree ShoalSample *tmp = g_new (ShoalSample, self->capacity);

  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);
      guint len = shoal_sample_ring_get_length (s->ring);
      guint out = 0;

      for (guint k = 0; k < len; k++)
        tmp[k] = *shoal_sample_ring_get (s->ring, k);
      shoal_sample_ring_clear (s->ring);
      for (guint k = 0; k < len; )
        {
          guint64 bucket = last_bucket - (len - 1 - k);
          gboolean pair = k + 1 < len && (bucket | 1) == bucket + 1;

          if (pair)
            {
              tmp[out].time = tmp[k + 1].time;
              tmp[out].value = (tmp[k].value + tmp[k + 1].value) / 2;
              k += 2;
            }
          else
            tmp[out] = tmp[k++];
          out++;
        }
      /* A newest sample that is only the first half of its new bucket waits for the
       * second half. */
      if (out > 0 && last_bucket % 2 == 0)
        {
          out--;
          s->pending = tmp[out].value * self->stride;
          s->pending_rounds = self->stride;
        }
      for (guint k = 0; k < out; k++)
        shoal_sample_ring_push (s->ring, tmp[k].time, tmp[k].value);
    }
  self->stride *= 2;
}

/**
 * shoal_rate_history_take_round:
 * @clients: (array length=n_clients): every client the session has had so far, in join
 *   order: a client's series must get a value in every round from its first on
 *
 * One round of samples (a session takes one a second).
 */
void
shoal_rate_history_take_round (ShoalRateHistory            *self,
                               gint64                       now,
                               double                       sent,
                               double                       repair,
                               const ShoalRateClientSample *clients,
                               guint                        n_clients)
{
  g_return_if_fail (SHOAL_IS_RATE_HISTORY (self));
  g_return_if_fail (clients != NULL || n_clients == 0);

  round_push (self, SHOAL_SERIES_SENT, 0, _("sent"), now, sent);
  round_push (self, SHOAL_SERIES_REPAIR, 0, _("repair"), now, repair);
  for (guint i = 0; i < n_clients; i++)
    round_push (self, SHOAL_SERIES_CLIENT, clients[i].id, clients[i].label, now,
                clients[i].rate);
  self->rounds++;
  if (self->compacting && self->rounds % self->stride == 0 && self->series->len > 0
      && shoal_sample_ring_get_length (((ShoalRateSeries *) self->series->pdata[0])->ring)
         == self->capacity)
    compact (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* Takes one round of samples from @session's published figures. */
void
shoal_rate_history_sample (ShoalRateHistory *self,
                           ShoalSession     *session,
                           gint64            now)
{
  GListModel *clients;
  guint n;
  g_autofree ShoalRateClientSample *samples = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (SHOAL_IS_RATE_HISTORY (self));
  g_return_if_fail (SHOAL_IS_SESSION (session));

  clients = shoal_session_get_clients (session);
  n = g_list_model_get_n_items (clients);
  samples = g_new0 (ShoalRateClientSample, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalClientRecord) c = g_list_model_get_item (clients, i);
      const char *host = shoal_client_record_get_hostname (c);
      char *label = host && *host ? g_strdup (host)
                                  : g_strdup_printf (_("client %08x"),
                                                     shoal_client_record_get_id (c));

      g_ptr_array_add (labels, label);
      samples[i].id = shoal_client_record_get_id (c);
      samples[i].label = label;
      samples[i].rate = shoal_client_record_get_rate (c);
    }
  shoal_rate_history_take_round (self, now, shoal_session_get_rate (session),
                                 shoal_session_get_repair_rate (session), samples, n);
}

/* The history of @session: made with the session, which samples it every second while it
 * runs and once more when it finishes. Borrowed: the session owns it. */
ShoalRateHistory *
shoal_rate_history_for_session (ShoalSession *session)
{
  ShoalRateHistory *self;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_get_data (G_OBJECT (session), "shoal-rate-history");
  if (self != NULL)
    return self;
  self = shoal_rate_history_new (SHOAL_RATE_HISTORY_CAPACITY);
  shoal_rate_history_set_compacting (self, TRUE);
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

/* Whether rounds beyond the capacity halve the resolution (the whole session is kept)
 * rather than push the oldest samples out (the last SHOAL_RATE_HISTORY_CAPACITY rounds). */
void
shoal_rate_history_set_compacting (ShoalRateHistory *self,
                                   gboolean          compacting)
{
  g_return_if_fail (SHOAL_IS_RATE_HISTORY (self));
  g_return_if_fail (self->rounds == 0);

  self->compacting = compacting;
}

/* Rounds of sampling (seconds, for a session's history) per sample kept. */
guint
shoal_rate_history_get_stride (ShoalRateHistory *self)
{
  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), 1);
  return self->stride;
}

static const char *
kind_name (ShoalSeriesKind kind)
{
  switch (kind)
    {
    case SHOAL_SERIES_SENT: return "sent";
    case SHOAL_SERIES_REPAIR: return "repair";
    default: return "client";
    }
}

static void
add_samples (JsonBuilder *b, gint64 origin, const gint64 *times, const double *values,
             guint n)
{
  json_builder_set_member_name (b, "samples");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_array (b);
      /* Milliseconds are plenty for a chart and keep the numbers short. */
      json_builder_add_double_value (b, (double) ((times[i] - origin) / 1000) / 1000.0);
      json_builder_add_int_value (b, (gint64) (values[i] + 0.5));
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static void
add_series (JsonBuilder *b, gint64 origin, const char *kind, const char *client,
            const char *label, const ShoalSampleRing *ring)
{
  guint n = shoal_sample_ring_get_length (ring);
  g_autofree gint64 *times = g_new (gint64, MAX (n, 1));
  g_autofree double *values = g_new (double, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      times[i] = shoal_sample_ring_get (ring, i)->time;
      values[i] = shoal_sample_ring_get (ring, i)->value;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  if (client != NULL)
    {
      json_builder_set_member_name (b, "client");
      json_builder_add_string_value (b, client);
    }
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  add_samples (b, origin, times, values, n);
  json_builder_end_object (b);
}

/* The clients' lowest, mean and highest receive rate per sample. Counted from the newest
 * sample, every client series covers the same rounds (see the top of this file). */
static void
add_client_aggregates (ShoalRateHistory *self, JsonBuilder *b)
{
  static const char *const kinds[] = { "clients-min", "clients-mean", "clients-max" };
  const char *labels[] = { _("slowest client"), _("mean of clients"), _("fastest client") };
  guint longest = 0;
  const ShoalSampleRing *timeline = NULL;
  g_autofree gint64 *times = NULL;
  double *agg[3] = { NULL, NULL, NULL };
  g_autofree guint *count = NULL;

  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);
      guint len = shoal_sample_ring_get_length (s->ring);

      if (s->kind == SHOAL_SERIES_CLIENT && len > longest)
        {
          longest = len;
          timeline = s->ring;
        }
    }
  if (timeline == NULL)
    return;
  times = g_new (gint64, longest);
  count = g_new0 (guint, longest);
  for (guint a = 0; a < 3; a++)
    agg[a] = g_new0 (double, longest);
  for (guint k = 0; k < longest; k++)
    times[k] = shoal_sample_ring_get (timeline, k)->time;
  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);
      guint len = shoal_sample_ring_get_length (s->ring);

      if (s->kind != SHOAL_SERIES_CLIENT)
        continue;
      for (guint k = 0; k < len; k++)
        {
          guint at = longest - len + k;
          double v = shoal_sample_ring_get (s->ring, k)->value;

          agg[0][at] = count[at] ? MIN (agg[0][at], v) : v;
          agg[1][at] += v;
          agg[2][at] = count[at] ? MAX (agg[2][at], v) : v;
          count[at]++;
        }
    }
  for (guint k = 0; k < longest; k++)
    agg[1][k] /= MAX (count[k], 1);
  for (guint a = 0; a < 3; a++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kinds[a]);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, labels[a]);
      add_samples (b, self->origin, times, agg[a], longest);
      json_builder_end_object (b);
      g_free (agg[a]);
    }
}

/**
 * shoal_rate_history_to_json:
 * @max_clients: beyond this many clients, their series are summed up as the slowest, mean
 *   and fastest client rate per sample instead of one series each
 *
 * The history as session records and reports keep it (see core/report/REPORT-SCHEMA.md,
 * "rates"): times in seconds since "origin", rates in bit/s.
 */
JsonNode *
shoal_rate_history_to_json (ShoalRateHistory *self,
                            guint             max_clients)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean each = self->n_clients <= max_clients;

  g_return_val_if_fail (SHOAL_IS_RATE_HISTORY (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "origin");
  if (self->origin == 0)
    json_builder_add_null_value (b);
  else
    {
      g_autoptr(GDateTime) s = g_date_time_new_from_unix_utc (self->origin / G_USEC_PER_SEC);
      g_autoptr(GDateTime) t = g_date_time_add (s, self->origin % G_USEC_PER_SEC);
      g_autofree char *iso = g_date_time_format_iso8601 (t);

      json_builder_add_string_value (b, iso);
    }
  json_builder_set_member_name (b, "seconds_per_sample");
  json_builder_add_int_value (b, self->stride);
  json_builder_set_member_name (b, "clients");
  json_builder_add_int_value (b, self->n_clients);
  json_builder_set_member_name (b, "series");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->series->len; i++)
    {
      ShoalRateSeries *s = g_ptr_array_index (self->series, i);
      g_autofree char *id = NULL;

      if (s->kind == SHOAL_SERIES_CLIENT && !each)
        continue;
      if (s->kind == SHOAL_SERIES_CLIENT)
        id = g_strdup_printf ("%08x", s->client_id);
      add_series (b, self->origin, kind_name (s->kind), id, s->label, s->ring);
    }
  if (!each)
    add_client_aggregates (self, b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
