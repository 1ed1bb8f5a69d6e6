/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The report routes of a distribution point's REST API (see core/dp/API.md):
 * GET /api/v1/sessions/ID/report and GET /api/v1/report/history. */
#pragma once

#include <libsoup/soup.h>

#include "shoal-dp.h"

G_BEGIN_DECLS

/* Answers @msg and returns TRUE when @parts (the path after /api/v1/, split at '/') names a
 * report route; returns FALSE, leaving @msg alone, otherwise. */
gboolean shoal_report_handle_api (ShoalDp            *dp,
                                  SoupServerMessage  *msg,
                                  const char         *method,
                                  char              **parts);

G_END_DECLS
