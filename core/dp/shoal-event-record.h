/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One line of a session's event log: a join, a drop, a fallback, an error. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_EVENT_RECORD (shoal_event_record_get_type ())
G_DECLARE_FINAL_TYPE (ShoalEventRecord, shoal_event_record, SHOAL, EVENT_RECORD, GObject)

ShoalEventRecord *shoal_event_record_new         (gint64            time,
                                                  const char       *kind,
                                                  const char       *message);
gint64            shoal_event_record_get_time    (ShoalEventRecord *self);
const char       *shoal_event_record_get_kind    (ShoalEventRecord *self);
const char       *shoal_event_record_get_message (ShoalEventRecord *self);

G_END_DECLS
