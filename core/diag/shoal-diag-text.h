/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text layout shared by the explanations of core/diag: labelled fields and bullet lists,
 * wrapped at 96 columns so that a terminal shows them whole. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_DIAG_TEXT_WIDTH 96

void shoal_diag_text_append_wrapped (GString            *out,
                                     const char         *text,
                                     guint               column,
                                     guint               indent);
void shoal_diag_text_append_field   (GString            *out,
                                     const char         *label,
                                     const char         *text);
void shoal_diag_text_append_list    (GString            *out,
                                     const char         *label,
                                     const char * const *items);

G_END_DECLS
