/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The content library: a directory of packages (LIBRARY/NAME/...) with their manifests and
 * settings kept in LIBRARY/.shoal/NAME/, listed as a GListModel of ShoalPackage. */
#pragma once

#include <gio/gio.h>

#include "shoal-package.h"

G_BEGIN_DECLS

#define SHOAL_LIBRARY_ERROR (shoal_library_error_quark ())

typedef enum
{
  SHOAL_LIBRARY_ERROR_FAILED,
  SHOAL_LIBRARY_ERROR_INVALID_NAME,   /* not [A-Za-z0-9._-]{1,64} or starting with '.' */
  SHOAL_LIBRARY_ERROR_NOT_FOUND,      /* no such package, or an import source is missing */
  SHOAL_LIBRARY_ERROR_EXISTS,
  SHOAL_LIBRARY_ERROR_UNSUPPORTED,    /* a symlink out of the package, a device, a FIFO... */
  SHOAL_LIBRARY_ERROR_IO,
  SHOAL_LIBRARY_ERROR_MANIFEST,       /* a cached manifest that cannot be read */
} ShoalLibraryError;

#define SHOAL_TYPE_LIBRARY (shoal_library_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLibrary, shoal_library, SHOAL, LIBRARY, GObject)

GQuark        shoal_library_error_quark    (void);

/* Creates @path and @path/.shoal when missing and removes what an interrupted import left
 * in @path/.shoal/tmp. Does not scan. */
ShoalLibrary *shoal_library_new            (const char    *path,
                                            GError       **error);
const char   *shoal_library_get_path       (ShoalLibrary  *self);
/* The layout of manifests built from now on (default: MTU 1500, k 128). */
void          shoal_library_set_layout     (ShoalLibrary  *self,
                                            guint          symbol_size,
                                            guint          k);

/* The packages, sorted by name: a GListModel of ShoalPackage, updated in the thread that
 * owns the library (the one that created it) by scan, import, rebuild and remove. */
GListModel   *shoal_library_get_packages   (ShoalLibrary  *self);
/* Borrowed; NULL when there is no such package. */
ShoalPackage *shoal_library_lookup         (ShoalLibrary  *self,
                                            const char    *name);

/* Lists LIBRARY/. A package dropped in without a manifest gets one built here, in the
 * calling thread (use _async to keep a main loop responsive). A package whose files no
 * longer match the sizes and mtimes recorded when its manifest was built gets the state
 * "changed", with the first difference in its state message; its manifest is NOT rebuilt,
 * since that would bless corruption: re-import or rebuild to accept new content. A package
 * with a manifest that has grown something unsafe (a symlink out of it, a device) gets the
 * state "broken" and is not served. One that cannot be listed at all (no manifest and
 * unsafe content, a damaged manifest, a bad name) is left out, with a warning naming it and
 * the reason, which also goes to @skipped (may be NULL). */
gboolean      shoal_library_scan           (ShoalLibrary  *self,
                                            GCancellable  *cancellable,
                                            GPtrArray    **skipped,
                                            GError       **error);
/* The same, walking and hashing in a worker thread; the list model is updated in the
 * calling thread's main context when it is done. */
void          shoal_library_scan_async     (ShoalLibrary        *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      shoal_library_scan_finish    (ShoalLibrary        *self,
                                            GAsyncResult        *result,
                                            GPtrArray          **skipped,
                                            GError             **error);

/* Makes package @name from @paths: one directory becomes the package's root; otherwise each
 * file or directory lands at the root under its own name. Files are hard-linked when on the
 * library's filesystem (so editing the source in place later shows up as "changed"), else
 * copied with copy_file_range() or a bounded buffer. The manifest is built in one pass
 * (block and file hashes on two threads) and written atomically. An existing package of
 * that name is replaced only when the new one is complete; its settings are kept. Returns
 * the new package (borrowed). Errors name the file that failed. */
ShoalPackage *shoal_library_import         (ShoalLibrary        *self,
                                            const char          *name,
                                            const char * const  *paths,
                                            GCancellable        *cancellable,
                                            GError             **error);
void          shoal_library_import_async   (ShoalLibrary        *self,
                                            const char          *name,
                                            const char * const  *paths,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
ShoalPackage *shoal_library_import_finish  (ShoalLibrary        *self,
                                            GAsyncResult        *result,
                                            GError             **error);
/* Rebuilds the manifest of package @name from its content as it is now: how an admin
 * accepts a "changed" package or an edit made on purpose. */
ShoalPackage *shoal_library_rebuild        (ShoalLibrary        *self,
                                            const char          *name,
                                            GCancellable        *cancellable,
                                            GError             **error);
/* Deletes the package's content and metadata. */
gboolean      shoal_library_remove         (ShoalLibrary        *self,
                                            const char          *name,
                                            GError             **error);

G_END_DECLS
