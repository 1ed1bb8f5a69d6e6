/* SPDX-License-Identifier: GPL-3.0-or-later */
/* State on disk: JSON documents and raw files written atomically, so that a crash or a full
 * disk leaves either the old file or the new one, never a mix or a truncation. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Replaces @path with @len bytes of @data, permissions @mode (umask not applied): writes a
 * temporary file ".NAME.tmp-XXXXXX" beside it, fsyncs it, renames it over @path and fsyncs
 * the directory. On failure @path is untouched, the temporary file is removed, and @error
 * (G_FILE_ERROR) names @path and the cause. Once the rename is done the call succeeds; a
 * failure to flush the directory after it is only logged. */
gboolean  shoal_atomic_write              (const char    *path,
                                           gconstpointer  data,
                                           gsize          len,
                                           int            mode,
                                           GError       **error);
/* Removes temporary files that shoal_atomic_write left in @dir when its process died
 * mid-write, and returns how many. Call it only from the process that owns @dir. */
guint     shoal_atomic_write_remove_stale (const char    *dir);

/* Writes @node pretty-printed with mode 0600, through shoal_atomic_write. */
gboolean  shoal_json_file_save            (const char    *path,
                                           JsonNode      *node,
                                           GError       **error);
/* Reads a JSON document. A missing file fails with G_FILE_ERROR_NOENT, other I/O errors with
 * G_FILE_ERROR, and bad or empty JSON with JSON_PARSER_ERROR whose message starts with the
 * path, followed by ":LINE:COLUMN:" where the syntax went wrong. */
JsonNode *shoal_json_file_load            (const char    *path,
                                           GError       **error);

/* For files that were found damaged: renames @path to PATH.corrupt-YYYYMMDDTHHMMSSZ (with a
 * numeric suffix if taken), restricts it to mode 0600 since it may hold a secret, and
 * returns the new path. The old content stays for inspection; nothing is deleted. */
char     *shoal_json_file_set_aside       (const char    *path,
                                           GError       **error);
/* Reads a secret state file of at most @max_len bytes. Fails with G_FILE_ERROR_NOENT when
 * it is missing, and with another G_FILE_ERROR naming @path and the cause when it is not a
 * regular file, is readable or writable by group or others, is larger than @max_len or
 * cannot be read. The contents are NUL-terminated. */
gboolean  shoal_json_file_read_secret     (const char    *path,
                                           gsize          max_len,
                                           char         **contents,
                                           gsize         *len,
                                           GError       **error);

G_END_DECLS
