/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The portable transport: GStreamer's appsrc ! udpsink paced on the pipeline clock, and
 * udpsrc ! appsink for what arrives. */
#include "config.h"

#include <errno.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/net/gstnetaddressmeta.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "shoal-gst-transport.h"
#include "shoal-transport-socket.h"

#define SINK_MAX_BUFFERS   4096             /* appsink queue, in datagrams */
#define PACE_LIST_NS       GST_MSECOND      /* a paced buffer list spans about this long */
#define PACE_CREDIT_NS     GST_MSECOND      /* an idle sender may bank this much sending */
#define QUEUE_TIME_NS      (20 * GST_MSECOND) /* appsrc holds this much ahead when paced */
#define QUEUE_MIN_BYTES    (64 * 1024)
#define QUEUE_MAX_BYTES    (8 << 20)
#define QUEUE_UNPACED      (2 << 20)
#define CLOSE_DRAIN_MIN_US (1 * G_USEC_PER_SEC)

struct _ShoalGstTransport
{
  ShoalTransport  parent_instance;

  GstElement     *pipeline;
  GstElement     *appsrc;          /* sender only */
  GstElement     *udpsink;         /* sender only */
  GstElement     *udpsrc;
  GstElement     *appsink;
  /* Sender: the one socket data leaves from and control arrives on. Receiver: udpsrc's own
   * socket, which control to the sender then leaves from. */
  GSocket        *socket;
  gboolean        own_socket;
  gboolean        opened;
  gint            closed;          /* atomic */

  GMutex          lock;
  GCond           cond;
  GError         *bus_error;       /* first error a GStreamer element posted */
  gboolean        sink_eos;        /* udpsink has sent everything before EOS */

  GstClockTime    next_pts;        /* running time the next paced datagram is due */
  guint64         paced_rate;      /* the rate sync and max-bytes are set for */
  GstSample      *pending;         /* pulled, but it did not fit the last batch */
};

G_DEFINE_FINAL_TYPE (ShoalGstTransport, shoal_gst_transport, SHOAL_TYPE_TRANSPORT)

static gboolean
is_closed (ShoalGstTransport *self)
{
  return g_atomic_int_get (&self->closed) != 0;
}

/* Runs in whichever thread posts: keeps the first error for the caller and drops the rest,
 * so the bus never accumulates messages nobody reads. */
static GstBusSyncReply
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ShoalGstTransport *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) err = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &err, &debug);
      g_mutex_lock (&self->lock);
      if (self->bus_error == NULL)
        self->bus_error = g_error_new (SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                                       "GStreamer element %s: %s (%s)",
                                       GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                                       err->message, debug ? debug : "no details");
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
    {
      g_autoptr(GError) err = NULL;

      gst_message_parse_warning (message, &err, NULL);
      g_debug ("GStreamer element %s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
               err->message);
    }
  return GST_BUS_DROP;
}

/* The pipeline's EOS waits for every sink, and the control branch never ends; the udpsink
 * sees EOS only after it has sent every buffer queued before it. */
static GstPadProbeReturn
on_sink_event (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  ShoalGstTransport *self = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    {
      g_mutex_lock (&self->lock);
      self->sink_eos = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  return GST_PAD_PROBE_OK;
}

static gboolean
take_bus_error (ShoalGstTransport  *self,
                GError            **error)
{
  gboolean failed;

  g_mutex_lock (&self->lock);
  failed = self->bus_error != NULL;
  if (failed)
    g_propagate_error (error, g_error_copy (self->bus_error));
  g_mutex_unlock (&self->lock);
  return failed;
}

static gboolean
check_usable (ShoalGstTransport  *self,
              GError            **error)
{
  if (is_closed (self))
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED,
                           "the transport is closed");
      return FALSE;
    }
  if (!self->opened)
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "the transport is not open");
      return FALSE;
    }
  return !take_bus_error (self, error);
}

static GstElement *
make_element (GstElement  *pipeline,
              const char  *factory,
              const char  *package,
              GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_UNSUPPORTED,
                   "GStreamer element “%s” is missing (Debian package %s)", factory, package);
      return NULL;
    }
  gst_bin_add (GST_BIN (pipeline), element);
  return element;
}

/* The sender's socket: bound to the control port so receivers can answer the source address
 * of the data, with the multicast options set here because udpsink, given a socket, only
 * sets TTL and loop (its multicast-iface would join the group and bind to the device). */
static GSocket *
open_sender_socket (ShoalTransport  *transport,
                    int              family,
                    guint            ifindex,
                    GError         **error)
{
  GInetSocketAddress *group = shoal_transport_get_group (transport);
  guint port = shoal_transport_get_control_port (transport);
  GSocket *socket;
  int fd;

  if (port == 0)
    port = g_inet_socket_address_get_port (group);
  fd = shoal_transport_socket_open (family, port, TRUE, error);
  if (fd < 0)
    return NULL;
  shoal_transport_socket_own_groups_only (fd, family);
  shoal_transport_socket_set_buffer (fd, SO_SNDBUF, shoal_transport_get_sndbuf (transport));
  shoal_transport_socket_set_buffer (fd, SO_RCVBUF, shoal_transport_get_rcvbuf (transport));
  if (!shoal_transport_socket_set_sender (fd, family, ifindex,
                                          shoal_transport_get_ttl (transport),
                                          shoal_transport_get_loop (transport), error))
    {
      close (fd);
      return NULL;
    }
  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    close (fd);
  return socket;
}

static gboolean
shoal_gst_transport_open (ShoalTransport  *transport,
                          GError         **error)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (transport);
  GInetSocketAddress *group = shoal_transport_get_group (transport);
  gboolean sender = shoal_transport_get_role (transport) == SHOAL_TRANSPORT_ROLE_SENDER;
  const char *iface = shoal_transport_get_interface (transport);
  g_autoptr(GError) gst_error = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *ip = NULL;
  GstStateChangeReturn ret;
  guint ifindex;
  int family;

  if (self->opened || self->pipeline != NULL || is_closed (self))
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "the transport was already opened");
      return FALSE;
    }
  if (!gst_init_check (NULL, NULL, &gst_error))
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_UNSUPPORTED,
                   "GStreamer failed to initialise: %s", gst_error->message);
      return FALSE;
    }
  if (!shoal_transport_check_group (group, error)
      || !shoal_transport_resolve_interface (iface, &ifindex, error))
    return FALSE;
  family = g_inet_address_get_family (g_inet_socket_address_get_address (group))
           == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (group));

  self->pipeline = gst_pipeline_new (sender ? "shoal-sender" : "shoal-receiver");
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  gst_bus_set_sync_handler (bus, on_bus_message, self, NULL);

  if ((self->udpsrc = make_element (self->pipeline, "udpsrc", "gstreamer1.0-plugins-good",
                                    error)) == NULL
      || (self->appsink = make_element (self->pipeline, "appsink",
                                        "gstreamer1.0-plugins-base", error)) == NULL)
    return FALSE;
  /* drop=FALSE: when the caller falls behind, udpsrc stops reading and the kernel's socket
   * buffer absorbs the burst, instead of losing datagrams that have already arrived. */
  g_object_set (self->appsink, "sync", FALSE, "async", FALSE, "drop", FALSE,
                "max-buffers", (guint) SINK_MAX_BUFFERS, "emit-signals", FALSE, NULL);

  if (sender)
    {
      g_autoptr(GstPad) pad = NULL;
      g_autoptr(GstCaps) caps = gst_caps_new_empty_simple ("application/x-shoal");

      self->socket = open_sender_socket (transport, family, ifindex, error);
      if (self->socket == NULL)
        return FALSE;
      self->own_socket = TRUE;
      if ((self->appsrc = make_element (self->pipeline, "appsrc", "gstreamer1.0-plugins-base",
                                        error)) == NULL
          || (self->udpsink = make_element (self->pipeline, "udpsink",
                                            "gstreamer1.0-plugins-good", error)) == NULL)
        return FALSE;
      g_object_set (self->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
                    "do-timestamp", FALSE, "block", TRUE, "caps", caps,
                    "max-bytes", (guint64) QUEUE_UNPACED, "min-latency", (gint64) 0,
                    "emit-signals", FALSE, NULL);
      /* buffer-size stays 0: a plain SO_SNDBUF would undo the forced size set above. */
      g_object_set (self->udpsink, "socket", self->socket, "close-socket", FALSE,
                    "host", ip, "port", (gint) g_inet_socket_address_get_port (group),
                    "auto-multicast", FALSE,
                    "ttl-mc", (gint) shoal_transport_get_ttl (transport),
                    "loop", shoal_transport_get_loop (transport),
                    "sync", FALSE, "async", FALSE, "qos", FALSE, NULL);
      g_object_set (self->udpsrc, "socket", self->socket, "close-socket", FALSE,
                    "auto-multicast", FALSE, NULL);
      if (!gst_element_link (self->appsrc, self->udpsink))
        {
          g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                               "cannot link appsrc to udpsink");
          return FALSE;
        }
      pad = gst_element_get_static_pad (self->udpsink, "sink");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, self, NULL);
      self->paced_rate = 0;
    }
  else
    {
      g_object_set (self->udpsrc, "address", ip,
                    "port", (gint) g_inet_socket_address_get_port (group),
                    "multicast-iface", iface, "auto-multicast", TRUE, "reuse", TRUE,
                    "buffer-size", (gint) MIN (shoal_transport_get_rcvbuf (transport),
                                               (guint) G_MAXINT),
                    "loop", shoal_transport_get_loop (transport), NULL);
    }
  if (!gst_element_link (self->udpsrc, self->appsink))
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "cannot link udpsrc to appsink");
      return FALSE;
    }

  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE || take_bus_error (self, error))
    {
      g_autofree char *text = shoal_transport_describe_group (group);

      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      if (error != NULL && *error != NULL)
        g_prefix_error (error, "opening the %s for group %s on %s: ",
                        sender ? "sender" : "receiver", text, iface ? iface : "any interface");
      else
        g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                     "the GStreamer pipeline for group %s did not start", text);
      return FALSE;
    }
  if (!sender)
    g_object_get (self->udpsrc, "used-socket", &self->socket, NULL);
  self->opened = TRUE;
  return TRUE;
}

/* Pacing: with a rate, udpsink waits on the clock for each list's timestamp (sync=TRUE) and
 * appsrc holds about QUEUE_TIME_NS ahead; unpaced, udpsink sends as fast as the socket
 * takes it. Both are re-read on every call since the rate may change while running. */
static void
configure_pacing (ShoalGstTransport *self,
                  guint64            rate)
{
  guint64 max_bytes = QUEUE_UNPACED;

  if (rate == self->paced_rate)
    return;
  if (rate > 0)
    max_bytes = CLAMP (gst_util_uint64_scale (rate / 8, QUEUE_TIME_NS, GST_SECOND),
                       QUEUE_MIN_BYTES, QUEUE_MAX_BYTES);
  g_object_set (self->appsrc, "max-bytes", max_bytes, NULL);
  g_object_set (self->udpsink, "sync", rate > 0, NULL);
  self->paced_rate = rate;
}

static gboolean
push_list (ShoalGstTransport  *self,
           GstBufferList      *list,
           GError            **error)
{
  GstFlowReturn ret;

  if (gst_buffer_list_length (list) == 0)
    {
      gst_buffer_list_unref (list);
      return TRUE;
    }
  ret = gst_app_src_push_buffer_list (GST_APP_SRC (self->appsrc), list);
  if (ret == GST_FLOW_OK)
    return TRUE;
  if (ret == GST_FLOW_FLUSHING || ret == GST_FLOW_EOS || is_closed (self))
    g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED,
                         "the transport is closed");
  else if (!take_bus_error (self, error))
    g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                 "appsrc refused the datagrams: %s", gst_flow_get_name (ret));
  return FALSE;
}

static gboolean
shoal_gst_transport_send_group (ShoalTransport  *transport,
                                const guint8    *data,
                                gsize            len,
                                gsize            seg_size,
                                GError         **error)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (transport);
  guint64 rate = shoal_transport_get_rate (transport);
  g_autoptr(GstMemory) mem = NULL;
  GstBufferList *list;
  GstClockTime list_start = 0;
  GstMapInfo map;
  gsize off;

  if (!check_usable (self, error))
    return FALSE;
  if (self->appsrc == NULL)
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "send_group on a receiver transport");
      return FALSE;
    }
  if (len == 0)
    return TRUE;
  configure_pacing (self, rate);

  /* One copy of the run (the caller reuses its buffer), shared by the datagrams' buffers. */
  mem = gst_allocator_alloc (NULL, len, NULL);
  gst_memory_map (mem, &map, GST_MAP_WRITE);
  memcpy (map.data, data, len);
  gst_memory_unmap (mem, &map);

  if (rate > 0)
    {
      g_autoptr(GstClock) clock = gst_element_get_clock (self->pipeline);
      GstClockTime base = gst_element_get_base_time (self->pipeline);
      GstClockTime now = clock ? gst_clock_get_time (clock) : base;
      GstClockTime running = now > base ? now - base : 0;

      if (self->next_pts == GST_CLOCK_TIME_NONE || self->next_pts + PACE_CREDIT_NS < running)
        self->next_pts = running > PACE_CREDIT_NS ? running - PACE_CREDIT_NS : 0;
      list_start = self->next_pts;
    }
  else
    self->next_pts = GST_CLOCK_TIME_NONE;

  list = gst_buffer_list_new_sized (MIN ((len + seg_size - 1) / seg_size, 256));
  for (off = 0; off < len; off += seg_size)
    {
      gsize l = MIN (seg_size, len - off);
      GstBuffer *buf = gst_buffer_new ();

      gst_buffer_append_memory (buf, gst_memory_share (mem, off, l));
      if (rate > 0)
        {
          GstClockTime airtime = gst_util_uint64_scale (l * 8, GST_SECOND, rate);

          GST_BUFFER_PTS (buf) = self->next_pts;
          GST_BUFFER_DURATION (buf) = airtime;
          self->next_pts += airtime;
        }
      gst_buffer_list_add (list, buf);
      /* udpsink waits once per list, for its first buffer: keep paced lists short. */
      if (rate > 0 && self->next_pts - list_start >= PACE_LIST_NS && off + l < len)
        {
          if (!push_list (self, list, error))
            return FALSE;
          list = gst_buffer_list_new ();
          list_start = self->next_pts;
        }
    }
  return push_list (self, list, error);
}

static gboolean
shoal_gst_transport_send_to (ShoalTransport         *transport,
                             const struct sockaddr  *dest,
                             socklen_t               dest_len,
                             const guint8           *data,
                             gsize                   len,
                             GError                **error)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (transport);
  int fd;

  if (!shoal_transport_check_destination (transport, dest, dest_len, error)
      || !check_usable (self, error))
    return FALSE;
  /* A plain sendto() on the descriptor: udpsrc's thread is inside GSocket calls on the same
   * object, and the kernel, unlike GSocket, promises that this is safe. */
  fd = g_socket_get_fd (self->socket);
  for (guint attempt = 0;; attempt++)
    {
      int err;

      if (sendto (fd, data, len, 0, dest, dest_len) >= 0)
        return TRUE;
      err = errno;
      if ((err == EAGAIN || err == EINTR || err == ENOBUFS) && attempt < 100
          && !is_closed (self))
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };

          poll (&pfd, 1, 10);
          continue;
        }
      {
        g_autofree char *to = shoal_transport_describe_address (dest, dest_len);

        g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                     "sendto %s (%" G_GSIZE_FORMAT " bytes) failed: %s", to, len,
                     g_strerror (err));
        return FALSE;
      }
    }
}

/* Copies one sample into @batch; FALSE when it does not fit. */
static gboolean
add_sample (ShoalDatagramBatch *batch,
            GstSample          *sample,
            gsize              *used)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  gsize size = gst_buffer_get_size (buf);
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buf);
  ShoalDatagram *d;

  if (batch->n_dgrams == batch->max_dgrams || *used + size > batch->buf_size)
    return FALSE;
  d = &batch->dgrams[batch->n_dgrams];
  d->data = batch->buf + *used;
  d->len = gst_buffer_extract (buf, 0, d->data, size);
  d->from_len = 0;
  memset (&d->from, 0, sizeof d->from);
  if (meta != NULL && meta->addr != NULL
      && g_socket_address_to_native (meta->addr, &d->from, sizeof d->from, NULL))
    d->from_len = g_socket_address_get_native_size (meta->addr);
  *used += d->len;
  batch->n_dgrams++;
  return TRUE;
}

static gboolean
shoal_gst_transport_receive (ShoalTransport      *transport,
                             ShoalDatagramBatch  *batch,
                             gint64               timeout_us,
                             GError             **error)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (transport);
  GstAppSink *appsink;
  GstSample *sample;
  gsize used = 0;

  if (!check_usable (self, error))
    return FALSE;
  appsink = GST_APP_SINK (self->appsink);
  sample = g_steal_pointer (&self->pending);
  if (sample == NULL)
    sample = gst_app_sink_try_pull_sample (appsink, timeout_us < 0 ? GST_CLOCK_TIME_NONE
                                                    : (GstClockTime) timeout_us * GST_USECOND);
  if (sample == NULL)
    {
      if (is_closed (self))
        return check_usable (self, error);
      return !take_bus_error (self, error);
    }
  /* Take whatever else is already queued, without waiting. */
  while (sample != NULL)
    {
      if (!add_sample (batch, sample, &used))
        {
          if (batch->n_dgrams == 0)
            {
              g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "a %" G_GSIZE_FORMAT "-byte datagram does not fit a batch of "
                           "%" G_GSIZE_FORMAT " bytes",
                           gst_buffer_get_size (gst_sample_get_buffer (sample)),
                           batch->buf_size);
              gst_sample_unref (sample);
              return FALSE;
            }
          self->pending = sample;
          break;
        }
      gst_sample_unref (sample);
      sample = gst_app_sink_try_pull_sample (appsink, 0);
    }
  return TRUE;
}

static void
shoal_gst_transport_close (ShoalTransport *transport)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (transport);

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  if (self->pipeline == NULL)
    return;
  if (self->opened && self->appsrc != NULL)
    {
      /* Let the queued, possibly paced, datagrams leave before tearing down. */
      guint64 rate = shoal_transport_get_rate (transport);
      gint64 drain_us = CLOSE_DRAIN_MIN_US;
      gint64 deadline;

      if (rate > 0)
        drain_us += gst_util_uint64_scale (QUEUE_MAX_BYTES * 8, G_USEC_PER_SEC, rate);
      deadline = g_get_monotonic_time () + MIN (drain_us, 30 * G_USEC_PER_SEC);
      gst_app_src_end_of_stream (GST_APP_SRC (self->appsrc));
      g_mutex_lock (&self->lock);
      while (!self->sink_eos && self->bus_error == NULL)
        if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
          break;
      g_mutex_unlock (&self->lock);
    }
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->pending, gst_sample_unref);
  if (self->own_socket && self->socket != NULL)
    g_socket_close (self->socket, NULL);
}

static void
shoal_gst_transport_finalize (GObject *object)
{
  ShoalGstTransport *self = SHOAL_GST_TRANSPORT (object);

  shoal_gst_transport_close (SHOAL_TRANSPORT (self));
  if (self->pipeline != NULL)
    {
      g_autoptr(GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));

      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
      gst_clear_object (&self->pipeline);
    }
  g_clear_object (&self->socket);
  g_clear_error (&self->bus_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (shoal_gst_transport_parent_class)->finalize (object);
}

static void
shoal_gst_transport_class_init (ShoalGstTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShoalTransportClass *transport_class = SHOAL_TRANSPORT_CLASS (klass);

  object_class->finalize = shoal_gst_transport_finalize;
  transport_class->open = shoal_gst_transport_open;
  transport_class->send_group = shoal_gst_transport_send_group;
  transport_class->send_to = shoal_gst_transport_send_to;
  transport_class->receive = shoal_gst_transport_receive;
  transport_class->close = shoal_gst_transport_close;
}

static void
shoal_gst_transport_init (ShoalGstTransport *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->next_pts = GST_CLOCK_TIME_NONE;
}

ShoalTransport *
shoal_gst_transport_new (ShoalTransportRole  role,
                         GInetSocketAddress *group,
                         const char         *iface,
                         guint               ttl,
                         gboolean            loop,
                         guint               control_port)
{
  g_return_val_if_fail (group == NULL || G_IS_INET_SOCKET_ADDRESS (group), NULL);

  return g_object_new (SHOAL_TYPE_GST_TRANSPORT,
                       "role", role,
                       "group", group,
                       "interface", iface,
                       "ttl", ttl,
                       "loop", loop,
                       "control-port", control_port,
                       NULL);
}
