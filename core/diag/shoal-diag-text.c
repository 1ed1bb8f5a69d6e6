/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text layout shared by the explanations of core/diag. */
#include "config.h"

#include "shoal-diag-text.h"

/* Appends @text wrapped at @width columns (not at all for 0), from @column on; continuation
 * lines start at @indent. */
void
shoal_diag_text_append_wrapped (GString    *out,
                                const char *text,
                                guint       column,
                                guint       indent,
                                guint       width)
{
  g_auto(GStrv) words = NULL;
  gboolean first = TRUE;

  if (width == 0)
    {
      g_string_append (out, text);
      g_string_append_c (out, '\n');
      return;
    }
  words = g_strsplit (text, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      guint len = g_utf8_strlen (words[i], -1);

      if (*words[i] == '\0')
        continue;
      if (!first && column + 1 + len > width)
        {
          g_string_append_c (out, '\n');
          for (guint k = 0; k < indent; k++)
            g_string_append_c (out, ' ');
          column = indent;
        }
      else if (!first)
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, words[i]);
      column += len;
      first = FALSE;
    }
  g_string_append_c (out, '\n');
}

void
shoal_diag_text_append_field (GString    *out,
                              const char *label,
                              const char *text,
                              guint       width)
{
  g_string_append_printf (out, "  %-14s", label);
  shoal_diag_text_append_wrapped (out, text, 16, 16, width);
}

void
shoal_diag_text_append_list (GString            *out,
                             const char         *label,
                             const char * const *items,
                             guint               width)
{
  g_string_append_printf (out, "  %s\n", label);
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      g_string_append (out, "    - ");
      shoal_diag_text_append_wrapped (out, items[i], 6, 6, width);
    }
}
