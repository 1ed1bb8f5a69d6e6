/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Socket plumbing the transports share: checking the group and the interface, and setting
 * the multicast options on a descriptor, with errors that name what failed. */
#pragma once

#include <gio/gio.h>
#include <sys/socket.h>

#include "shoal-transport.h"

G_BEGIN_DECLS

gboolean shoal_transport_check_group        (GInetSocketAddress    *group,
                                             GError               **error);
gboolean shoal_transport_resolve_interface  (const char            *name,
                                             guint                 *ifindex,
                                             GError               **error);
gboolean shoal_transport_check_destination  (ShoalTransport        *self,
                                             const struct sockaddr *dest,
                                             socklen_t              dest_len,
                                             GError               **error);
char    *shoal_transport_describe_address   (const struct sockaddr *addr,
                                             socklen_t              len);
char    *shoal_transport_describe_group     (GInetSocketAddress    *group);

int      shoal_transport_socket_open        (int                    family,
                                             guint                  port,
                                             gboolean               reuse,
                                             GError               **error);
gboolean shoal_transport_socket_set_sender  (int                    fd,
                                             int                    family,
                                             guint                  ifindex,
                                             guint                  ttl,
                                             gboolean               loop,
                                             GError               **error);
gboolean shoal_transport_socket_join        (int                    fd,
                                             GInetSocketAddress    *group,
                                             guint                  ifindex,
                                             const char            *ifname,
                                             GError               **error);
void     shoal_transport_socket_own_groups_only (int                fd,
                                             int                    family);
void     shoal_transport_socket_set_buffer  (int                    fd,
                                             int                    optname,
                                             guint                  size);
gboolean shoal_transport_socket_recverr     (int                    fd,
                                             int                    family,
                                             GError               **error);
void     shoal_transport_socket_drain_errors (int                   fd);

G_END_DECLS
