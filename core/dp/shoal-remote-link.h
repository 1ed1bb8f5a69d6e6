/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keeps a remote ShoalPoint in step with its shoald over the REST API: packages, sessions,
 * clients and events, and starting and stopping sessions. */
#pragma once

#include "shoal-point.h"

G_BEGIN_DECLS

void shoal_remote_link_attach (ShoalPoint *point,
                               guint       interval_seconds);

G_END_DECLS
