/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated network in real time, inside one process: a hub that carries one sender's
 * group datagrams to every attached receiver, each with its own loss, and the receivers'
 * reports back. The demo uses it when no interface can multicast. */
#pragma once

#include "shoal-transport.h"

G_BEGIN_DECLS

typedef struct _ShoalSimHub ShoalSimHub;

ShoalSimHub    *shoal_sim_hub_new                 (guint32      seed);
ShoalSimHub    *shoal_sim_hub_ref                 (ShoalSimHub *hub);
void            shoal_sim_hub_unref               (ShoalSimHub *hub);
guint64         shoal_sim_hub_get_delivered       (ShoalSimHub *hub);
guint64         shoal_sim_hub_get_lost            (ShoalSimHub *hub);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSimHub, shoal_sim_hub_unref)

#define SHOAL_TYPE_SIM_TRANSPORT (shoal_sim_transport_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSimTransport, shoal_sim_transport, SHOAL, SIM_TRANSPORT,
                      ShoalTransport)

/* The hub's one sender: paced at the "rate" property like a real transport. */
ShoalTransport *shoal_sim_transport_new_sender    (ShoalSimHub *hub);
/* A receiver that loses @loss (0..1) of the group datagrams, independently; it hears
 * nothing sent before it is opened, like a late joiner. */
ShoalTransport *shoal_sim_transport_new_receiver  (ShoalSimHub *hub,
                                                   double       loss);
/* The address the hub gives this endpoint, as the other side sees it. */
char           *shoal_sim_transport_dup_address   (ShoalSimTransport *self);

G_END_DECLS
