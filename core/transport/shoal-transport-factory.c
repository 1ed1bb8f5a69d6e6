/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Chooses a transport by name: "gst" (portable), "linux" (segmentation offload and batched
 * receive) or "auto" (linux when the kernel supports it, else gst). */
#include "config.h"

#include "shoal-gst-transport.h"
#include "shoal-linux-transport.h"
#include "shoal-transport-factory.h"

/* The concrete name @name stands for ("auto" resolved), or NULL if it names none. */
const char *
shoal_transport_resolve_name (const char *name)
{
  if (name == NULL || g_str_equal (name, "auto"))
    return shoal_linux_transport_supported () ? "linux" : "gst";
  if (g_str_equal (name, "gst") || g_str_equal (name, "linux"))
    return name;
  return NULL;
}

/* Returns an unopened transport with the default socket buffer sizes; "rate" may be set at
 * any time. "linux" on a kernel without UDP_SEGMENT/UDP_GRO still batches with
 * sendmmsg/recvmmsg, one datagram per message. */
ShoalTransport *
shoal_transport_new_by_name (const char          *name,
                             ShoalTransportRole   role,
                             GInetSocketAddress  *group,
                             const char          *iface,
                             guint                ttl,
                             gboolean             loop,
                             guint                control_port,
                             GError             **error)
{
  const char *resolved;

  g_return_val_if_fail (group == NULL || G_IS_INET_SOCKET_ADDRESS (group), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  resolved = shoal_transport_resolve_name (name);
  if (resolved == NULL)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_UNSUPPORTED,
                   "unknown transport “%s”: valid ones are %s", name, SHOAL_TRANSPORT_NAMES);
      return NULL;
    }
  if (g_str_equal (resolved, "linux"))
    return shoal_linux_transport_new (role, group, iface, ttl, loop, control_port);
  return shoal_gst_transport_new (role, group, iface, ttl, loop, control_port);
}
