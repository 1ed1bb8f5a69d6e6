/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Chooses a transport by name: "gst" (portable), "linux" (segmentation offload and batched
 * receive) or "auto" (linux when the kernel supports it, else gst). */
#pragma once

#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_TRANSPORT_NAMES "auto, gst, linux"

ShoalTransport *shoal_transport_new_by_name (const char          *name,
                                             ShoalTransportRole   role,
                                             GInetSocketAddress  *group,
                                             const char          *iface,
                                             guint                ttl,
                                             gboolean             loop,
                                             guint                control_port,
                                             GError             **error);
const char     *shoal_transport_resolve_name (const char         *name);

G_END_DECLS
