/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text layout shared by the explanations of core/diag: labelled fields and bullet lists,
 * wrapped at 96 columns so that a terminal shows them whole, or not wrapped at all (width 0)
 * for the console, whose labels wrap by themselves. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_DIAG_TEXT_WIDTH 96

void shoal_diag_text_append_wrapped (GString            *out,
                                     const char         *text,
                                     guint               column,
                                     guint               indent,
                                     guint               width);
void shoal_diag_text_append_field   (GString            *out,
                                     const char         *label,
                                     const char         *text,
                                     guint               width);
void shoal_diag_text_append_list    (GString            *out,
                                     const char         *label,
                                     const char * const *items,
                                     guint               width);

G_END_DECLS
