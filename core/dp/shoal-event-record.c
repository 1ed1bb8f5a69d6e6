/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One line of a session's event log. Immutable; time is wall-clock microseconds. */
#include "config.h"

#include "shoal-event-record.h"

struct _ShoalEventRecord
{
  GObject parent_instance;
  gint64  time;
  char   *kind;
  char   *message;
};

G_DEFINE_FINAL_TYPE (ShoalEventRecord, shoal_event_record, G_TYPE_OBJECT)

enum { PROP_0, PROP_TIME, PROP_KIND, PROP_MESSAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
shoal_event_record_finalize (GObject *object)
{
  ShoalEventRecord *self = SHOAL_EVENT_RECORD (object);

  g_free (self->kind);
  g_free (self->message);
  G_OBJECT_CLASS (shoal_event_record_parent_class)->finalize (object);
}

static void
shoal_event_record_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  ShoalEventRecord *self = SHOAL_EVENT_RECORD (object);

  switch (prop_id)
    {
    case PROP_TIME: g_value_set_int64 (value, self->time); break;
    case PROP_KIND: g_value_set_string (value, self->kind); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_event_record_class_init (ShoalEventRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_event_record_finalize;
  object_class->get_property = shoal_event_record_get_property;
  properties[PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, 0, G_MAXINT64, 0, f);
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, f);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_event_record_init (ShoalEventRecord *self)
{
}

ShoalEventRecord *
shoal_event_record_new (gint64      time,
                        const char *kind,
                        const char *message)
{
  ShoalEventRecord *self = g_object_new (SHOAL_TYPE_EVENT_RECORD, NULL);

  self->time = time;
  self->kind = g_strdup (kind);
  self->message = g_strdup (message);
  return self;
}

gint64 shoal_event_record_get_time (ShoalEventRecord *self) { return self->time; }
const char *shoal_event_record_get_kind (ShoalEventRecord *self) { return self->kind; }
const char *shoal_event_record_get_message (ShoalEventRecord *self) { return self->message; }
