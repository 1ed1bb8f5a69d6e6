/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One client of a session as the distribution point sees it. Times are wall-clock
 * microseconds since the epoch (0: not yet). */
#include "config.h"

#include "shoal-client-record.h"

struct _ShoalClientRecord
{
  GObject parent_instance;

  guint32 id;
  char   *hostname;
  char   *address;
  char   *state;
  double  progress;
  guint64 rate;
  double  loss;
  guint64 bytes;
  guint64 repair_bytes;
  char   *last_error;
  gint64  joined;
  gint64  finished;
};

G_DEFINE_FINAL_TYPE (ShoalClientRecord, shoal_client_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_HOSTNAME,
  PROP_ADDRESS,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_RATE,
  PROP_LOSS,
  PROP_BYTES,
  PROP_REPAIR_BYTES,
  PROP_LAST_ERROR,
  PROP_JOINED,
  PROP_FINISHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_client_record_finalize (GObject *object)
{
  ShoalClientRecord *self = SHOAL_CLIENT_RECORD (object);

  g_free (self->hostname);
  g_free (self->address);
  g_free (self->state);
  g_free (self->last_error);
  G_OBJECT_CLASS (shoal_client_record_parent_class)->finalize (object);
}

static void
shoal_client_record_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ShoalClientRecord *self = SHOAL_CLIENT_RECORD (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_HOSTNAME: g_value_set_string (value, self->hostname); break;
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_LOSS: g_value_set_double (value, self->loss); break;
    case PROP_BYTES: g_value_set_uint64 (value, self->bytes); break;
    case PROP_REPAIR_BYTES: g_value_set_uint64 (value, self->repair_bytes); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_JOINED: g_value_set_int64 (value, self->joined); break;
    case PROP_FINISHED: g_value_set_int64 (value, self->finished); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_client_record_class_init (ShoalClientRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_client_record_finalize;
  object_class->get_property = shoal_client_record_get_property;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT32, 0, f);
  properties[PROP_HOSTNAME] = g_param_spec_string ("hostname", NULL, NULL, NULL, f);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, f);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, f);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, f);
  properties[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_LOSS] = g_param_spec_double ("loss", NULL, NULL, 0, 1, 0, f);
  properties[PROP_BYTES] = g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_REPAIR_BYTES] =
    g_param_spec_uint64 ("repair-bytes", NULL, NULL, 0, G_MAXUINT64, 0, f);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, f);
  properties[PROP_JOINED] = g_param_spec_int64 ("joined", NULL, NULL, 0, G_MAXINT64, 0, f);
  properties[PROP_FINISHED] = g_param_spec_int64 ("finished", NULL, NULL, 0, G_MAXINT64, 0, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_client_record_init (ShoalClientRecord *self)
{
}

ShoalClientRecord *
shoal_client_record_new (guint32 id)
{
  ShoalClientRecord *self = g_object_new (SHOAL_TYPE_CLIENT_RECORD, NULL);

  self->id = id;
  return self;
}

guint32 shoal_client_record_get_id (ShoalClientRecord *self) { return self->id; }
const char *shoal_client_record_get_hostname (ShoalClientRecord *self) { return self->hostname; }
const char *shoal_client_record_get_address (ShoalClientRecord *self) { return self->address; }
const char *shoal_client_record_get_state (ShoalClientRecord *self) { return self->state; }
double shoal_client_record_get_progress (ShoalClientRecord *self) { return self->progress; }
guint64 shoal_client_record_get_rate (ShoalClientRecord *self) { return self->rate; }
double shoal_client_record_get_loss (ShoalClientRecord *self) { return self->loss; }
guint64 shoal_client_record_get_bytes (ShoalClientRecord *self) { return self->bytes; }
guint64 shoal_client_record_get_repair_bytes (ShoalClientRecord *self) { return self->repair_bytes; }
const char *shoal_client_record_get_last_error (ShoalClientRecord *self) { return self->last_error; }
gint64 shoal_client_record_get_joined (ShoalClientRecord *self) { return self->joined; }
gint64 shoal_client_record_get_finished (ShoalClientRecord *self) { return self->finished; }

static void
set_str (ShoalClientRecord *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define SET_NUM(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

void
shoal_client_record_update (ShoalClientRecord *self,
                            const char        *hostname,
                            const char        *address,
                            const char        *state,
                            double             progress,
                            guint64            rate,
                            double             loss,
                            guint64            bytes,
                            guint64            repair_bytes,
                            gint64             joined,
                            gint64             finished)
{
  g_return_if_fail (SHOAL_IS_CLIENT_RECORD (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_str (self, &self->hostname, hostname, PROP_HOSTNAME);
  set_str (self, &self->address, address, PROP_ADDRESS);
  set_str (self, &self->state, state, PROP_STATE);
  SET_NUM (progress, progress, PROP_PROGRESS);
  SET_NUM (rate, rate, PROP_RATE);
  SET_NUM (loss, loss, PROP_LOSS);
  SET_NUM (bytes, bytes, PROP_BYTES);
  SET_NUM (repair_bytes, repair_bytes, PROP_REPAIR_BYTES);
  SET_NUM (joined, joined, PROP_JOINED);
  SET_NUM (finished, finished, PROP_FINISHED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
shoal_client_record_set_last_error (ShoalClientRecord *self,
                                    const char        *error)
{
  g_return_if_fail (SHOAL_IS_CLIENT_RECORD (self));
  set_str (self, &self->last_error, error, PROP_LAST_ERROR);
}
