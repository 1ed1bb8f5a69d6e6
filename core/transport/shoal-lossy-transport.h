/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A transport that loses a fraction of what another transport receives, before the engine
 * sees it: the demo's lossy client and shoal-client's hidden --simulate-loss. */
#pragma once

#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_LOSSY_TRANSPORT (shoal_lossy_transport_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLossyTransport, shoal_lossy_transport, SHOAL, LOSSY_TRANSPORT,
                      ShoalTransport)

ShoalTransport *shoal_lossy_transport_new         (ShoalTransport      *inner,
                                                   double               loss,
                                                   guint32              seed);
guint64         shoal_lossy_transport_get_dropped (ShoalLossyTransport *self);

G_END_DECLS
