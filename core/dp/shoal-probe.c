/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's side of a network probe. The burst goes out on a thread of its
 * own through the same transports sessions use, paced at the probe's rate; everything else
 * happens in the main context the probe was started from. */
#include "config.h"

#include "shoal-probe.h"
#include "shoal-probe-packet.h"
#include "shoal-transport-factory.h"

#define START_DELAY_MS   500    /* after the first receiver, for others to join too */
#define CHUNK            64     /* datagrams per send call */
#define END_MARKERS      3
#define END_SPACING_US   (50 * 1000)

struct _ShoalProbe
{
  GObject parent_instance;

  guint32         id;
  char           *group;
  guint           port;
  char           *interface;
  guint           ttl;
  char           *transport_name;
  guint           count;
  guint           size;
  guint64         rate;
  guint           wait;
  guint           linger;

  char           *state;
  char           *error;
  GMainContext   *context;         /* where it was started: state changes happen there */
  ShoalTransport *transport;
  GThread        *thread;
  gint            cancelled;       /* atomic */
  GSource        *timer;
  guint           ready;           /* receivers that said they listen */
  gint64          sent_at;         /* wall clock, us */
  JsonArray      *results;
};

G_DEFINE_FINAL_TYPE (ShoalProbe, shoal_probe, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, PROP_N_RESULTS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
clear_timer (ShoalProbe *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static void
shoal_probe_dispose (GObject *object)
{
  ShoalProbe *self = SHOAL_PROBE (object);

  g_atomic_int_set (&self->cancelled, 1);
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  clear_timer (self);
  if (self->transport != NULL)
    shoal_transport_close (self->transport);
  g_clear_object (&self->transport);
  G_OBJECT_CLASS (shoal_probe_parent_class)->dispose (object);
}

static void
shoal_probe_finalize (GObject *object)
{
  ShoalProbe *self = SHOAL_PROBE (object);

  g_free (self->group);
  g_free (self->interface);
  g_free (self->transport_name);
  g_free (self->state);
  g_free (self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  json_array_unref (self->results);
  G_OBJECT_CLASS (shoal_probe_parent_class)->finalize (object);
}

static void
shoal_probe_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ShoalProbe *self = SHOAL_PROBE (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_N_RESULTS: g_value_set_uint (value, json_array_get_length (self->results)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_probe_class_init (ShoalProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_probe_dispose;
  object_class->finalize = shoal_probe_finalize;
  object_class->get_property = shoal_probe_get_property;

  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "waiting", f);
  properties[PROP_N_RESULTS] = g_param_spec_uint ("n-results", NULL, NULL, 0, G_MAXUINT, 0, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_probe_init (ShoalProbe *self)
{
  self->state = g_strdup ("waiting");
  self->results = json_array_new ();
}

ShoalProbe *
shoal_probe_new (guint32                  id,
                 const ShoalProbeOptions *options)
{
  ShoalProbe *self;

  g_return_val_if_fail (options != NULL && options->group != NULL, NULL);
  g_return_val_if_fail (options->count > 0, NULL);
  g_return_val_if_fail (options->size >= SHOAL_PROBE_HEADER_LEN, NULL);

  self = g_object_new (SHOAL_TYPE_PROBE, NULL);
  self->id = id;
  self->group = g_strdup (options->group);
  self->port = options->port;
  self->interface = g_strdup (options->interface);
  self->ttl = options->ttl;
  self->transport_name = g_strdup (options->transport ? options->transport : "auto");
  self->count = options->count;
  self->size = options->size;
  self->rate = options->rate;
  self->wait = options->wait;
  self->linger = options->linger;
  return self;
}

static void
set_state (ShoalProbe *self, const char *state, const char *error)
{
  if (error != NULL)
    {
      g_free (self->error);
      self->error = g_strdup (error);
    }
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static GSource *
timeout_add (ShoalProbe *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static gboolean
linger_over (gpointer data)
{
  ShoalProbe *self = data;

  clear_timer (self);
  set_state (self, "finished", NULL);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  ShoalProbe *self;
  char       *error;
} Sent;

static gboolean
on_sent (gpointer data)
{
  Sent *s = data;
  ShoalProbe *self = s->self;

  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  if (self->transport != NULL)
    shoal_transport_close (self->transport);
  g_clear_object (&self->transport);
  self->sent_at = g_get_real_time ();
  if (s->error != NULL)
    {
      g_warning ("probe %u: %s", self->id, s->error);
      set_state (self, "failed", s->error);
    }
  else if (g_atomic_int_get (&self->cancelled))
    set_state (self, "cancelled", NULL);
  else
    {
      set_state (self, "done", NULL);
      self->timer = timeout_add (self, MAX (self->linger, 1) * 1000, linger_over);
    }
  g_object_unref (self);
  g_free (s->error);
  g_free (s);
  return G_SOURCE_REMOVE;
}

static gpointer
send_burst (gpointer data)
{
  ShoalProbe *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buf = g_malloc ((gsize) self->size * CHUNK);
  ShoalProbePacket p = { .id = self->id, .count = self->count };
  Sent *s = g_new0 (Sent, 1);
  GSource *source;

  for (guint seq = 0; seq < self->count && !g_atomic_int_get (&self->cancelled) && !error;)
    {
      guint n = MIN (CHUNK, self->count - seq);

      for (guint i = 0; i < n; i++)
        {
          p.seq = seq + i;
          shoal_probe_packet_encode (&p, buf + (gsize) i * self->size, self->size);
        }
      shoal_transport_send_group (self->transport, buf, (gsize) n * self->size, self->size,
                                  &error);
      seq += n;
    }
  p.seq = 0;
  p.flags = SHOAL_PROBE_FLAG_END;
  shoal_probe_packet_encode (&p, buf, SHOAL_PROBE_HEADER_LEN);
  for (guint i = 0; i < END_MARKERS && error == NULL && !g_atomic_int_get (&self->cancelled); i++)
    {
      g_usleep (END_SPACING_US);
      shoal_transport_send_group (self->transport, buf, SHOAL_PROBE_HEADER_LEN,
                                  SHOAL_PROBE_HEADER_LEN, &error);
    }
  s->self = self;   /* the reference taken in begin_send */
  if (error != NULL)
    s->error = g_strdup_printf ("sending the burst to %s:%u failed: %s", self->group,
                                self->port, error->message);
  /* Always through the probe's context, never run here: on_sent joins this thread, and
   * g_main_context_invoke() would call it in place whenever that context is idle. */
  source = g_idle_source_new ();
  g_source_set_callback (source, on_sent, s, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
  return NULL;
}

static gboolean
begin_send (gpointer data)
{
  ShoalProbe *self = data;

  clear_timer (self);
  if (!g_str_equal (self->state, "waiting"))
    return G_SOURCE_REMOVE;
  set_state (self, "sending", NULL);
  self->thread = g_thread_new ("shoal-probe", send_burst, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

gboolean
shoal_probe_start (ShoalProbe  *self,
                   GError     **error)
{
  g_autoptr(GSocketAddress) addr = NULL;

  g_return_val_if_fail (SHOAL_IS_PROBE (self), FALSE);

  self->context = g_main_context_ref_thread_default ();
  addr = g_inet_socket_address_new_from_string (self->group, self->port);
  if (addr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "probe group \"%s\" port %u is not an address", self->group, self->port);
      return FALSE;
    }
  /* Looped back, so a receiver on this host (the console's own check) gets it too. */
  self->transport = shoal_transport_new_by_name (self->transport_name,
                                                 SHOAL_TRANSPORT_ROLE_SENDER,
                                                 G_INET_SOCKET_ADDRESS (addr), self->interface,
                                                 self->ttl, TRUE, 0, error);
  if (self->transport == NULL)
    return FALSE;
  shoal_transport_set_rate (self->transport, self->rate);
  if (!shoal_transport_open (self->transport, error))
    {
      g_clear_object (&self->transport);
      return FALSE;
    }
  self->timer = timeout_add (self, MAX (self->wait, 1) * 1000, begin_send);
  return TRUE;
}

void
shoal_probe_cancel (ShoalProbe *self)
{
  g_return_if_fail (SHOAL_IS_PROBE (self));

  g_atomic_int_set (&self->cancelled, 1);
  if (g_str_equal (self->state, "waiting"))
    {
      clear_timer (self);
      if (self->transport != NULL)
        shoal_transport_close (self->transport);
      g_clear_object (&self->transport);
      set_state (self, "cancelled", NULL);
    }
}

void
shoal_probe_client_ready (ShoalProbe *self,
                          const char *address)
{
  g_return_if_fail (SHOAL_IS_PROBE (self));

  g_message ("probe %u: receiver %s listens on %s:%u", self->id, address ? address : "?",
             self->group, self->port);
  if (self->ready++ == 0 && g_str_equal (self->state, "waiting"))
    {
      clear_timer (self);
      self->timer = timeout_add (self, START_DELAY_MS, begin_send);
    }
}

static gboolean
get_uint (JsonObject *o, const char *key, guint64 *out, gboolean required)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

gboolean
shoal_probe_add_result (ShoalProbe  *self,
                        JsonNode    *result,
                        const char  *address,
                        GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint64 received = 0, rate = 0, duplicates = 0, reordered = 0, first_ms = 0;
  JsonObject *o;
  const char *host;

  g_return_val_if_fail (SHOAL_IS_PROBE (self), FALSE);

  if (result == NULL || !JSON_NODE_HOLDS_OBJECT (result))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "probe %u: the result must be a JSON object", self->id);
      return FALSE;
    }
  o = json_node_get_object (result);
  host = json_object_get_string_member_with_default (o, "host", address);
  if (!get_uint (o, "received", &received, TRUE) || received > self->count
      || !get_uint (o, "rate_bps", &rate, FALSE)
      || !get_uint (o, "duplicates", &duplicates, FALSE)
      || !get_uint (o, "reordered", &reordered, FALSE)
      || !get_uint (o, "first_ms", &first_ms, FALSE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "probe %u: the result needs \"received\" (0..%u) and non-negative "
                   "integers for rate_bps, duplicates, reordered and first_ms", self->id,
                   self->count);
      return FALSE;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, host ? host : "?");
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, address ? address : "?");
  json_builder_set_member_name (b, "received");
  json_builder_add_int_value (b, (gint64) received);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, self->count);
  json_builder_set_member_name (b, "loss");
  json_builder_add_double_value (b, 1.0 - (double) received / self->count);
  json_builder_set_member_name (b, "rate_bps");
  json_builder_add_int_value (b, (gint64) rate);
  json_builder_set_member_name (b, "duplicates");
  json_builder_add_int_value (b, (gint64) duplicates);
  json_builder_set_member_name (b, "reordered");
  json_builder_add_int_value (b, (gint64) reordered);
  json_builder_set_member_name (b, "first_ms");
  json_builder_add_int_value (b, (gint64) first_ms);
  json_builder_end_object (b);
  json_array_add_element (self->results, json_builder_get_root (b));
  g_message ("probe %u: %s (%s) received %" G_GUINT64_FORMAT " of %u datagrams at %.1f Mbit/s",
             self->id, host ? host : "?", address ? address : "?", received, self->count,
             rate / 1e6);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RESULTS]);
  return TRUE;
}

guint32
shoal_probe_get_id (ShoalProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_PROBE (self), 0);
  return self->id;
}

const char *
shoal_probe_get_state (ShoalProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_PROBE (self), NULL);
  return self->state;
}

gboolean
shoal_probe_get_active (ShoalProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_PROBE (self), FALSE);
  return g_str_equal (self->state, "waiting") || g_str_equal (self->state, "sending")
         || g_str_equal (self->state, "done");
}

guint
shoal_probe_get_n_results (ShoalProbe *self)
{
  g_return_val_if_fail (SHOAL_IS_PROBE (self), 0);
  return json_array_get_length (self->results);
}

double
shoal_probe_get_best_loss (ShoalProbe *self)
{
  double best = -1;

  g_return_val_if_fail (SHOAL_IS_PROBE (self), -1);

  for (guint i = 0; i < json_array_get_length (self->results); i++)
    {
      double loss = json_object_get_double_member (json_array_get_object_element (self->results, i),
                                                   "loss");
      if (best < 0 || loss < best)
        best = loss;
    }
  return best;
}

JsonNode *
shoal_probe_to_json (ShoalProbe *self,
                     gboolean    with_results)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_PROBE (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, self->id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, self->state);
  json_builder_set_member_name (b, "group");
  json_builder_add_string_value (b, self->group);
  json_builder_set_member_name (b, "port");
  json_builder_add_int_value (b, self->port);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, self->count);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, self->size);
  json_builder_set_member_name (b, "rate_bps");
  json_builder_add_int_value (b, (gint64) self->rate);
  json_builder_set_member_name (b, "wait");
  json_builder_add_int_value (b, self->wait);
  if (with_results)
    {
      json_builder_set_member_name (b, "interface");
      if (self->interface)
        json_builder_add_string_value (b, self->interface);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "ttl");
      json_builder_add_int_value (b, self->ttl);
      json_builder_set_member_name (b, "receivers_ready");
      json_builder_add_int_value (b, self->ready);
      json_builder_set_member_name (b, "error");
      if (self->error)
        json_builder_add_string_value (b, self->error);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "results");
      json_builder_add_value (b, json_node_init_array (json_node_alloc (), self->results));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
