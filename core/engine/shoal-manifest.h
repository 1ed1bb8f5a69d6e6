/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manifest of a package: its files as one byte stream, the block layout, and a SHA-256
 * per block and per file; canonical JSON in and out. Pure data: no files, no clock. */
#pragma once

#include <glib-object.h>

#include "shoal-layout.h"

G_BEGIN_DECLS

/* Bytes a DATA datagram adds to its symbol: the 32-byte data header and the 16-byte AEAD
 * tag (see core/PROTOCOL.md). */
#define SHOAL_DATA_OVERHEAD        48
#define SHOAL_MANIFEST_VERSION     1
#define SHOAL_MANIFEST_DEFAULT_K   128
#define SHOAL_MANIFEST_MIN_K       1
#define SHOAL_MANIFEST_MAX_K       200
#define SHOAL_MANIFEST_MIN_SYMBOL  256
#define SHOAL_MANIFEST_MAX_SYMBOL  9000
#define SHOAL_MANIFEST_MAX_NAME    64
#define SHOAL_MANIFEST_HASH_LEN    32

#define SHOAL_MANIFEST_ERROR (shoal_manifest_error_quark ())

typedef enum
{
  SHOAL_MANIFEST_ERROR_INVALID,        /* JSON that is not a consistent manifest */
  SHOAL_MANIFEST_ERROR_ARGUMENT,       /* a builder argument out of range or a bad path */
  SHOAL_MANIFEST_ERROR_SIZE,           /* more or fewer stream bytes than the files declare */
  SHOAL_MANIFEST_ERROR_HASH_MISMATCH,  /* content that does not match its SHA-256 */
} ShoalManifestError;

typedef struct
{
  char    *path;                       /* relative, '/'-separated, validated */
  guint64  offset;                     /* of its first byte in the package stream */
  guint64  size;
  guint8   sha256[SHOAL_MANIFEST_HASH_LEN];
} ShoalManifestFile;

/* The part of one file that a range of the stream covers. */
typedef struct
{
  guint   file;                        /* index into the manifest's files */
  guint64 file_offset;
  guint64 stream_offset;
  guint64 len;
} ShoalManifestSpan;

typedef struct _ShoalManifest ShoalManifest;

#define SHOAL_TYPE_MANIFEST (shoal_manifest_get_type ())

GType          shoal_manifest_get_type        (void) G_GNUC_CONST;
GQuark         shoal_manifest_error_quark     (void);

/* mtu - 48 (IPv6 + UDP headers) - SHOAL_DATA_OVERHEAD, rounded down to a multiple of 4:
 * 1404 for 1500. Clamped to the range a manifest accepts. */
guint          shoal_symbol_size_for_mtu      (guint mtu);
/* [A-Za-z0-9._-]{1,64}, not starting with '.'. */
gboolean       shoal_package_name_is_valid    (const char *name);
/* Relative, '/'-separated, no empty, "." or ".." components, no backslash, no control
 * characters, valid UTF-8. On failure @error says why, naming @path. */
gboolean       shoal_manifest_path_is_valid   (const char *path,
                                               GError    **error);

ShoalManifest *shoal_manifest_ref             (ShoalManifest *self);
void           shoal_manifest_unref           (ShoalManifest *self);

ShoalManifest *shoal_manifest_new_from_json   (const char    *data,
                                               gsize          len,
                                               GError       **error);
/* Canonical bytes: fixed member order and formatting, so that the same manifest always
 * serialises identically (it is what gets signed). */
GBytes        *shoal_manifest_to_json         (ShoalManifest *self);
gboolean       shoal_manifest_equal           (ShoalManifest *a,
                                               ShoalManifest *b);

guint          shoal_manifest_get_version     (ShoalManifest *self);
const char    *shoal_manifest_get_name        (ShoalManifest *self);
guint          shoal_manifest_get_symbol_size (ShoalManifest *self);
guint          shoal_manifest_get_k           (ShoalManifest *self);
guint64        shoal_manifest_get_total_size  (ShoalManifest *self);
guint32        shoal_manifest_get_n_blocks    (ShoalManifest *self);
guint64        shoal_manifest_get_block_size  (ShoalManifest *self);
void           shoal_manifest_get_layout      (ShoalManifest *self,
                                               ShoalLayout   *layout);
/* Seconds since the Unix epoch, UTC. */
gint64         shoal_manifest_get_created     (ShoalManifest *self);
guint          shoal_manifest_get_n_files     (ShoalManifest *self);
const ShoalManifestFile *shoal_manifest_get_file (ShoalManifest *self,
                                               guint          index);
/* -1 when no file has that path. */
int            shoal_manifest_lookup_path     (ShoalManifest *self,
                                               const char    *path);
/* n_blocks * 32 bytes, block after block. */
const guint8  *shoal_manifest_get_block_hashes (ShoalManifest *self);
const guint8  *shoal_manifest_get_block_sha256 (ShoalManifest *self,
                                               guint32        block);

gboolean       shoal_manifest_block_range     (ShoalManifest *self,
                                               guint32        block,
                                               guint64       *offset,
                                               guint64       *len);
/* The file holding the byte at @stream_offset (empty files hold none), or -1 past the end. */
int            shoal_manifest_find_file       (ShoalManifest *self,
                                               guint64        stream_offset);
/* The files, and ranges within them, that bytes [@offset, @offset + @len) cover, in order:
 * a GArray of ShoalManifestSpan. */
GArray        *shoal_manifest_range_spans     (ShoalManifest *self,
                                               guint64        offset,
                                               guint64        len);
GArray        *shoal_manifest_block_spans     (ShoalManifest *self,
                                               guint32        block);
/* "boot/vmlinuz bytes 0-4095, images/root.img bytes 0-175615" */
char          *shoal_manifest_describe_range  (ShoalManifest *self,
                                               guint64        offset,
                                               guint64        len);
/* "block 12 (bytes 2156544-2336255 of the stream: images/root.img bytes 2156544-2336255)" */
char          *shoal_manifest_describe_block  (ShoalManifest *self,
                                               guint32        block);
/* Checks @data, the whole of block @block, against its SHA-256; the error names the block,
 * the files and byte ranges it covers, and both digests. */
gboolean       shoal_manifest_check_block     (ShoalManifest *self,
                                               guint32        block,
                                               const guint8  *data,
                                               gsize          len,
                                               GError       **error);

/* Builds a manifest from the stream in one pass and bounded memory. Declare every file
 * first, then feed the stream. update_blocks() and update_files() each take the whole
 * stream in order; they touch disjoint state, so a caller may run them on two threads at
 * once to hash twice as fast. update() is both on the calling thread. */
typedef struct _ShoalManifestBuilder ShoalManifestBuilder;

ShoalManifestBuilder *shoal_manifest_builder_new      (const char   *name,
                                                       guint         symbol_size,
                                                       guint         k,
                                                       GError      **error);
void           shoal_manifest_builder_free            (ShoalManifestBuilder *builder);
gboolean       shoal_manifest_builder_add_file        (ShoalManifestBuilder *builder,
                                                       const char   *path,
                                                       guint64       size,
                                                       GError      **error);
void           shoal_manifest_builder_set_created     (ShoalManifestBuilder *builder,
                                                       gint64        unix_time);
guint64        shoal_manifest_builder_get_total_size  (ShoalManifestBuilder *builder);
gboolean       shoal_manifest_builder_update          (ShoalManifestBuilder *builder,
                                                       const guint8 *data,
                                                       gsize         len,
                                                       GError      **error);
gboolean       shoal_manifest_builder_update_blocks   (ShoalManifestBuilder *builder,
                                                       const guint8 *data,
                                                       gsize         len,
                                                       GError      **error);
gboolean       shoal_manifest_builder_update_files    (ShoalManifestBuilder *builder,
                                                       const guint8 *data,
                                                       gsize         len,
                                                       GError      **error);
/* Fails unless exactly the declared number of bytes went through both updates. */
ShoalManifest *shoal_manifest_builder_end             (ShoalManifestBuilder *builder,
                                                       GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalManifest, shoal_manifest_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalManifestBuilder, shoal_manifest_builder_free)

G_END_DECLS
