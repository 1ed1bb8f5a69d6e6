/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The portable transport: GStreamer's appsrc ! udpsink paced on the pipeline clock, and
 * udpsrc ! appsink for what arrives. */
#pragma once

#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_GST_TRANSPORT (shoal_gst_transport_get_type ())
G_DECLARE_FINAL_TYPE (ShoalGstTransport, shoal_gst_transport, SHOAL, GST_TRANSPORT,
                      ShoalTransport)

ShoalTransport *shoal_gst_transport_new (ShoalTransportRole  role,
                                         GInetSocketAddress *group,
                                         const char         *iface,
                                         guint               ttl,
                                         gboolean            loop,
                                         guint               control_port);

G_END_DECLS
