/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput history of a session, sampled once a second from its properties: the
 * sender's rate, its repair rate and every client's receive rate, each in a bounded ring.
 * The session owns one and samples it; the console's graph and the reports draw from it. */
#pragma once

#include <json-glib/json-glib.h>

#include "shoal-sample-ring.h"
#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_RATE_HISTORY_CAPACITY 600   /* ten minutes at one sample a second */

typedef enum
{
  SHOAL_SERIES_SENT,
  SHOAL_SERIES_REPAIR,
  SHOAL_SERIES_CLIENT,
} ShoalSeriesKind;

typedef struct
{
  ShoalSeriesKind  kind;
  guint32          client_id;     /* SHOAL_SERIES_CLIENT only */
  char            *label;
  guint            colour;        /* 0, 1 for the sender; 2.. for clients in join order */
  ShoalSampleRing *ring;          /* bits/s */
  /* Compacting histories: the rounds already taken towards the next sample. */
  double           pending;
  guint            pending_rounds;
} ShoalRateSeries;

/* One client's value in a round of samples. */
typedef struct
{
  guint32     id;
  const char *label;
  double      rate;               /* bits/s */
} ShoalRateClientSample;

#define SHOAL_TYPE_RATE_HISTORY (shoal_rate_history_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRateHistory, shoal_rate_history, SHOAL, RATE_HISTORY, GObject)

ShoalRateHistory      *shoal_rate_history_new          (guint             capacity);
ShoalRateHistory      *shoal_rate_history_for_session  (ShoalSession     *session);
void                   shoal_rate_history_sample       (ShoalRateHistory *self,
                                                        ShoalSession     *session,
                                                        gint64            now);
void                   shoal_rate_history_take_round   (ShoalRateHistory *self,
                                                        gint64            now,
                                                        double            sent,
                                                        double            repair,
                                                        const ShoalRateClientSample *clients,
                                                        guint             n_clients);
void                   shoal_rate_history_push         (ShoalRateHistory *self,
                                                        ShoalSeriesKind   kind,
                                                        guint32           client_id,
                                                        const char       *label,
                                                        gint64            now,
                                                        double            value);
guint                  shoal_rate_history_get_n_series (ShoalRateHistory *self);
const ShoalRateSeries *shoal_rate_history_get_series   (ShoalRateHistory *self,
                                                        guint             i);
guint                  shoal_rate_history_get_capacity (ShoalRateHistory *self);
gint64                 shoal_rate_history_get_origin   (ShoalRateHistory *self);
void                   shoal_rate_history_set_compacting (ShoalRateHistory *self,
                                                        gboolean          compacting);
guint                  shoal_rate_history_get_stride   (ShoalRateHistory *self);
JsonNode              *shoal_rate_history_to_json      (ShoalRateHistory *self,
                                                        guint             max_clients);

G_END_DECLS
