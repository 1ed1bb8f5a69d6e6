/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One package of the content library: its manifest, its settings, whether its content still
 * matches what was imported, and a thread-safe positioned reader over its byte stream. */
#pragma once

#include <gio/gio.h>

#include "shoal-manifest.h"

G_BEGIN_DECLS

#define SHOAL_PACKAGE_ERROR (shoal_package_error_quark ())

typedef enum
{
  SHOAL_PACKAGE_ERROR_READ,        /* an I/O error reading content */
  SHOAL_PACKAGE_ERROR_SHORT,       /* a file is shorter than its manifest says */
  SHOAL_PACKAGE_ERROR_ESCAPE,      /* a path resolves outside the package (symlink) */
  SHOAL_PACKAGE_ERROR_RANGE,       /* a read past the end of the stream */
  SHOAL_PACKAGE_ERROR_SETTINGS,    /* package.json could not be written */
} ShoalPackageError;

/* Values of the "state" property. */
#define SHOAL_PACKAGE_STATE_READY    "ready"
#define SHOAL_PACKAGE_STATE_CHANGED  "changed"  /* content differs from what was imported */
#define SHOAL_PACKAGE_STATE_BROKEN   "broken"   /* unsafe to serve: a symlink out of it... */

#define SHOAL_TYPE_PACKAGE (shoal_package_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPackage, shoal_package, SHOAL, PACKAGE, GObject)

GQuark         shoal_package_error_quark        (void);

/* For the library: @content_dir is LIBRARY/NAME, @meta_dir LIBRARY/.shoal/NAME, and
 * @manifest_json the bytes @manifest was parsed from. */
ShoalPackage  *shoal_package_new                (const char    *content_dir,
                                                 const char    *meta_dir,
                                                 ShoalManifest *manifest,
                                                 GBytes        *manifest_json);

ShoalPackage  *shoal_package_new_remote         (ShoalManifest *manifest,
                                                 GBytes        *manifest_json,
                                                 const char    *state,
                                                 gboolean       multicast_only);
const char    *shoal_package_get_name           (ShoalPackage  *self);
const char    *shoal_package_get_content_dir    (ShoalPackage  *self);
guint64        shoal_package_get_size           (ShoalPackage  *self);
guint          shoal_package_get_n_files        (ShoalPackage  *self);
ShoalManifest *shoal_package_get_manifest       (ShoalPackage  *self);
/* The cached manifest.json, byte for byte (what the HTTP server serves and what gets
 * signed). */
GBytes        *shoal_package_get_manifest_bytes (ShoalPackage  *self);
/* A strong HTTP entity tag for the package's content: a digest of its manifest. */
const char    *shoal_package_get_etag           (ShoalPackage  *self);
const char    *shoal_package_get_state          (ShoalPackage  *self);
/* Why the state is not "ready", in words for an admin; NULL when ready. */
const char    *shoal_package_get_state_message  (ShoalPackage  *self);
gboolean       shoal_package_get_multicast_only (ShoalPackage  *self);
const char    *shoal_package_get_description    (ShoalPackage  *self);

/* Settings live in LIBRARY/.shoal/NAME/package.json, written atomically. */
gboolean       shoal_package_set_multicast_only (ShoalPackage  *self,
                                                 gboolean       multicast_only,
                                                 GError       **error);
gboolean       shoal_package_set_description    (ShoalPackage  *self,
                                                 const char    *description,
                                                 GError       **error);
/* For the library's scan: loads package.json (missing: defaults). */
gboolean       shoal_package_load_settings      (ShoalPackage  *self,
                                                 GError       **error);
void           shoal_package_set_state          (ShoalPackage  *self,
                                                 const char    *state,
                                                 const char    *message);

/* Reads @len bytes of the package stream at @offset into @buf, across file boundaries, with
 * positioned reads on files opened once and kept open. Safe to call from several threads at
 * once. Fails, naming the file and offset, if a file is shorter than the manifest says or
 * resolves outside the package. */
gboolean       shoal_package_read               (ShoalPackage  *self,
                                                 guint64        offset,
                                                 guint8        *buf,
                                                 gsize          len,
                                                 GError       **error);
/* The same with the argument order of ShoalReadFunc (shoal-sender.h); @user_data is the
 * package. */
gboolean       shoal_package_read_func          (guint64        offset,
                                                 guint8        *buf,
                                                 gsize          len,
                                                 gpointer       user_data,
                                                 GError       **error);
/* Asks the kernel to start reading @len bytes of the package stream at @offset into the page
 * cache, so a later shoal_package_read() of them need not wait for the disk. May block while
 * the reads are queued; errors are ignored here (the read itself reports them). The second
 * form has the argument order of ShoalPrefetchFunc (shoal-session.h). */
void           shoal_package_prefetch           (ShoalPackage  *self,
                                                 guint64        offset,
                                                 guint64        len);
void           shoal_package_prefetch_func      (guint64        offset,
                                                 guint64        len,
                                                 gpointer       user_data);

G_END_DECLS
