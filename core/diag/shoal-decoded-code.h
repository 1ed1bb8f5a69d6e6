/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One error code, decoded: its parts, its names and, when Shoal knows it, what it means in a
 * deployment, its likely causes and what to try. Read-only properties for the console. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-hresult.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DECODED_CODE (shoal_decoded_code_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDecodedCode, shoal_decoded_code, SHOAL, DECODED_CODE, GObject)

ShoalDecodedCode   *shoal_decoded_code_new            (guint32           value);
ShoalDecodedCode   *shoal_decoded_code_new_from_text  (const char       *text,
                                                       GError          **error);

const char         *shoal_decoded_code_get_input      (ShoalDecodedCode *self);
guint32             shoal_decoded_code_get_value      (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_hex        (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_label      (ShoalDecodedCode *self);
ShoalCodeForm       shoal_decoded_code_get_form       (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_note       (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_name       (ShoalDecodedCode *self);
const char * const *shoal_decoded_code_get_names      (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_severity   (ShoalDecodedCode *self);
guint               shoal_decoded_code_get_facility   (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_facility_name (ShoalDecodedCode *self);
guint               shoal_decoded_code_get_code       (ShoalDecodedCode *self);
int                 shoal_decoded_code_get_win32      (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_title      (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_meaning    (ShoalDecodedCode *self);
const char         *shoal_decoded_code_get_context    (ShoalDecodedCode *self);
const char * const *shoal_decoded_code_get_causes     (ShoalDecodedCode *self);
const char * const *shoal_decoded_code_get_remedies   (ShoalDecodedCode *self);
const char * const *shoal_decoded_code_get_alternatives (ShoalDecodedCode *self);
gboolean            shoal_decoded_code_get_wrapper    (ShoalDecodedCode *self);
gboolean            shoal_decoded_code_get_known      (ShoalDecodedCode *self);
gboolean            shoal_decoded_code_get_documented (ShoalDecodedCode *self);
gboolean            shoal_decoded_code_get_failed     (ShoalDecodedCode *self);

char               *shoal_decoded_code_dup_text       (ShoalDecodedCode *self);
char               *shoal_decoded_code_dup_text_width (ShoalDecodedCode *self,
                                                       guint             width);
JsonNode           *shoal_decoded_code_to_json        (ShoalDecodedCode *self);

G_END_DECLS
