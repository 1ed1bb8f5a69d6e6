/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A network interface of the distribution point as the multicast wizard shows it: name,
 * addresses, MTU and whether it can multicast. Built from the running system or from the
 * REST API's JSON, so the console shows a remote point's interfaces the same way. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_NET_INTERFACE (shoal_net_interface_get_type ())
G_DECLARE_FINAL_TYPE (ShoalNetInterface, shoal_net_interface, SHOAL, NET_INTERFACE, GObject)

/* Every interface of this host (getifaddrs, SIOCGIFMTU), in kernel order; loopback last. */
GListStore         *shoal_net_interface_list          (GError            **error);
/* Looks one interface up on this host; NULL with G_IO_ERROR_NOT_FOUND naming it. */
ShoalNetInterface  *shoal_net_interface_lookup        (const char         *name,
                                                       GError            **error);
/* From one element of GET /api/v1/interfaces; NULL with G_IO_ERROR_INVALID_DATA. */
ShoalNetInterface  *shoal_net_interface_new_from_json (JsonNode           *node,
                                                       GError            **error);
JsonNode           *shoal_net_interface_to_json       (ShoalNetInterface  *self);
JsonNode           *shoal_net_interface_list_to_json  (GListModel         *interfaces);

const char         *shoal_net_interface_get_name      (ShoalNetInterface  *self);
const char * const *shoal_net_interface_get_addresses (ShoalNetInterface  *self);
/* The addresses joined with ", " (for a table cell). */
const char         *shoal_net_interface_get_address_text (ShoalNetInterface *self);
guint               shoal_net_interface_get_mtu       (ShoalNetInterface  *self);
gboolean            shoal_net_interface_get_up        (ShoalNetInterface  *self);
gboolean            shoal_net_interface_get_multicast (ShoalNetInterface  *self);
gboolean            shoal_net_interface_get_loopback  (ShoalNetInterface  *self);
/* Whether the interface has an address of @family (G_SOCKET_FAMILY_IPV4 or _IPV6). */
gboolean            shoal_net_interface_has_family    (ShoalNetInterface  *self,
                                                       GSocketFamily       family);
/* Up, MULTICAST and with an address: what a session could use. */
gboolean            shoal_net_interface_get_usable    (ShoalNetInterface  *self);

G_END_DECLS
