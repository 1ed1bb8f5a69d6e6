/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a client writes the package stream: one file or block device, or a directory of the
 * package's files. Positioned writes by stream offset; safe from several threads. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *path;     /* relative, '/'-separated, already validated */
  guint64     offset;   /* in the package stream */
  guint64     size;
} ShoalOutputFile;

typedef struct _ShoalOutput ShoalOutput;

ShoalOutput *shoal_output_open_single (const char            *path,
                                       guint64                total_size,
                                       GError               **error);
ShoalOutput *shoal_output_open_dir    (const char            *dir,
                                       const ShoalOutputFile *files,
                                       guint                  n_files,
                                       GError               **error);
gboolean     shoal_output_write       (ShoalOutput           *out,
                                       guint64                offset,
                                       const guint8          *data,
                                       gsize                  len,
                                       GError               **error);
gboolean     shoal_output_read        (ShoalOutput           *out,
                                       guint64                offset,
                                       guint8                *data,
                                       gsize                  len,
                                       GError               **error);
gboolean     shoal_output_sync        (ShoalOutput           *out,
                                       GError               **error);
const char  *shoal_output_describe    (ShoalOutput           *out,
                                       guint64                offset);
void         shoal_output_close       (ShoalOutput           *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalOutput, shoal_output_close)

G_END_DECLS
