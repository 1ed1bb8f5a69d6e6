/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One check of the network preflight: what it tests, how it came out, what was seen and what
 * to do about it. The console binds to these properties; the REST API sends them as JSON. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SHOAL_CHECK_PENDING,
  SHOAL_CHECK_RUNNING,
  SHOAL_CHECK_PASS,
  SHOAL_CHECK_WARN,
  SHOAL_CHECK_FAIL,
  SHOAL_CHECK_SKIP,
} ShoalCheckState;

#define SHOAL_TYPE_PREFLIGHT_CHECK (shoal_preflight_check_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPreflightCheck, shoal_preflight_check, SHOAL, PREFLIGHT_CHECK,
                      GObject)

ShoalPreflightCheck *shoal_preflight_check_new         (const char          *name,
                                                        const char          *title);
/* From one element of "checks" in the preflight's JSON; NULL with G_IO_ERROR_INVALID_DATA. */
ShoalPreflightCheck *shoal_preflight_check_new_from_json (JsonNode          *node,
                                                        GError             **error);
JsonNode            *shoal_preflight_check_to_json     (ShoalPreflightCheck *self);
/* Copies state, detail and remedy from @node (same name), notifying what changed. */
gboolean             shoal_preflight_check_update_from_json (ShoalPreflightCheck *self,
                                                        JsonNode            *node);

const char          *shoal_preflight_check_get_name    (ShoalPreflightCheck *self);
const char          *shoal_preflight_check_get_title   (ShoalPreflightCheck *self);
ShoalCheckState      shoal_preflight_check_get_state   (ShoalPreflightCheck *self);
/* "pending", "running", "pass", "warn", "fail" or "skip". */
const char          *shoal_preflight_check_get_state_name (ShoalPreflightCheck *self);
const char          *shoal_preflight_check_get_detail  (ShoalPreflightCheck *self);
const char          *shoal_preflight_check_get_remedy  (ShoalPreflightCheck *self);
/* Sets the outcome; @remedy may be NULL. Call from the main context the UI runs in. */
void                 shoal_preflight_check_set         (ShoalPreflightCheck *self,
                                                        ShoalCheckState      state,
                                                        const char          *detail,
                                                        const char          *remedy);

const char          *shoal_check_state_to_string       (ShoalCheckState      state);
gboolean             shoal_check_state_from_string     (const char          *text,
                                                        ShoalCheckState     *state);

G_END_DECLS
