/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalLibrary: import, scan and remove packages; build manifests in one pass over the
 * content with block and file hashes on two threads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "shoal-json-file.h"
#include "shoal-library.h"

#define META_DIR        ".shoal"
#define TMP_DIR         "tmp"
#define INDEX_VERSION   1
#define CHUNK_SIZE      (4u << 20)
#define N_CHUNKS        3
#define COPY_BUFFER     (1u << 20)

struct _ShoalLibrary
{
  GObject     parent_instance;

  char       *path;
  char       *meta_root;      /* LIBRARY/.shoal */
  guint       symbol_size;
  guint       k;
  GListStore *packages;
  GMutex      work_lock;      /* one import, scan, rebuild or remove at a time */
};

G_DEFINE_FINAL_TYPE (ShoalLibrary, shoal_library, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-library-error-quark, shoal_library_error)

/* A file found by walking a package or an import source. */
typedef struct
{
  char    *rel;               /* path inside the package, '/'-separated */
  char    *real;              /* symlinks resolved: what gets read */
  guint64  size;
  gint64   mtime_ns;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->rel);
  g_free (e->real);
  g_free (e);
}

static gint64
stat_mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
}

/* ---- small file helpers ----------------------------------------------------------------- */

static gboolean
rm_rf (const char  *path,
       GError     **error)
{
  struct stat st;

  if (g_lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : (g_set_error (error, SHOAL_LIBRARY_ERROR,
                                                  SHOAL_LIBRARY_ERROR_IO, "cannot remove %s: %s",
                                                  path, g_strerror (errno)), FALSE);
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!rm_rf (child, error))
            return FALSE;
        }
      if (g_rmdir (path) < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot remove %s: %s", path, g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }
  if (g_unlink (path) < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot remove %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_atomic (const char  *path,
              const void  *data,
              gsize        len,
              GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (!shoal_atomic_write (path, data, len, 0644, &local))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
mkdir_p (const char  *path,
         GError     **error)
{
  if (g_mkdir_with_parents (path, 0755) < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot create the directory %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
path_is_inside (const char *real,
                const char *root)
{
  gsize n = strlen (root);

  return strncmp (real, root, n) == 0 && (real[n] == '/' || (n == 1 && root[0] == '/'));
}

/* ---- walking ---------------------------------------------------------------------------- */

/* Collects the regular files under @dir (whose real path is @root_real), following symlinks
 * to files inside @root_real and refusing everything else a package must not contain. */
static gboolean
walk_dir (const char    *root_real,
          const char    *dir,
          const char    *rel_dir,
          GPtrArray     *entries,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  const char *name;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));

  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      g_autofree char *full = g_build_filename (dir, n, NULL);
      g_autofree char *rel = rel_dir ? g_strconcat (rel_dir, "/", n, NULL) : g_strdup (n);
      g_autofree char *real = NULL;
      struct stat st;

      if (!g_utf8_validate (n, -1, NULL))
        {
          g_autofree char *shown = g_filename_display_name (full);

          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                       "%s: file names in a package must be UTF-8", shown);
          return FALSE;
        }
      if (g_lstat (full, &st) < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot stat %s: %s", full, g_strerror (errno));
          return FALSE;
        }
      if (S_ISLNK (st.st_mode))
        {
          real = realpath (full, NULL);
          if (real == NULL)
            {
              g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                           "symlink %s is dangling (%s)", full, g_strerror (errno));
              return FALSE;
            }
          if (!path_is_inside (real, root_real))
            {
              g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                           "symlink %s points outside the package (to %s)", full, real);
              return FALSE;
            }
          if (g_stat (real, &st) < 0)
            {
              g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                           "cannot stat %s: %s", real, g_strerror (errno));
              return FALSE;
            }
          if (!S_ISREG (st.st_mode))
            {
              g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                           "symlink %s points to something other than a regular file; only "
                           "symlinks to files are supported", full);
              return FALSE;
            }
        }
      else if (S_ISDIR (st.st_mode))
        {
          if (!walk_dir (root_real, full, rel, entries, cancellable, error))
            return FALSE;
          continue;
        }
      else if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                       "%s is not a regular file, directory or symlink (a device, FIFO or "
                       "socket cannot be part of a package)", full);
          return FALSE;
        }
      else
        real = g_steal_pointer (&full);

      {
        Entry *e = g_new0 (Entry, 1);

        e->rel = g_steal_pointer (&rel);
        e->real = g_steal_pointer (&real);
        e->size = (guint64) st.st_size;
        e->mtime_ns = stat_mtime_ns (&st);
        g_ptr_array_add (entries, e);
      }
    }
  return TRUE;
}

static int
entry_cmp (gconstpointer a,
           gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;
  const Entry *eb = *(const Entry * const *) b;

  return strcmp (ea->rel, eb->rel);
}

static GPtrArray *
walk_package (const char    *root,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  g_autofree char *root_real = realpath (root, NULL);

  if (root_real == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot resolve %s: %s", root, g_strerror (errno));
      return NULL;
    }
  if (!walk_dir (root_real, root, NULL, entries, cancellable, error))
    return NULL;
  g_ptr_array_sort (entries, entry_cmp);
  return g_steal_pointer (&entries);
}

/* ---- manifest building ------------------------------------------------------------------ */

typedef struct
{
  guint8 *data;
  gsize   len;
  gboolean end;
} Chunk;

typedef struct
{
  ShoalManifestBuilder *builder;
  GAsyncQueue          *full;
  GAsyncQueue          *free;
  GError               *error;
} Pipeline;

/* The block half of the hashing, on its own thread, in stream order. */
static gpointer
block_hash_thread (gpointer data)
{
  Pipeline *p = data;

  for (;;)
    {
      Chunk *c = g_async_queue_pop (p->full);

      if (c->end)
        break;
      if (p->error == NULL)
        shoal_manifest_builder_update_blocks (p->builder, c->data, c->len, &p->error);
      g_async_queue_push (p->free, c);
    }
  return NULL;
}

static gboolean
read_full (int          fd,
           guint8      *buf,
           gsize        len,
           const char  *path,
           guint64      offset,
           GError     **error)
{
  while (len > 0)
    {
      gssize r = read (fd, buf, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "reading %s at offset %" G_GUINT64_FORMAT ": %s", path, offset,
                       g_strerror (errno));
          return FALSE;
        }
      if (r == 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "%s shrank to %" G_GUINT64_FORMAT " bytes while it was read", path,
                       offset);
          return FALSE;
        }
      buf += r;
      len -= (gsize) r;
      offset += (guint64) r;
    }
  return TRUE;
}

/* Reads every entry once; this thread hashes files while another hashes blocks. */
static gboolean
hash_entries (ShoalManifestBuilder  *builder,
              GPtrArray             *entries,
              GCancellable          *cancellable,
              GError               **error)
{
  Pipeline p = { builder, g_async_queue_new (), g_async_queue_new (), NULL };
  Chunk chunks[N_CHUNKS];
  Chunk end = { NULL, 0, TRUE };
  GThread *thread;
  gboolean ok = TRUE;

  for (guint i = 0; i < N_CHUNKS; i++)
    {
      chunks[i] = (Chunk) { g_malloc (CHUNK_SIZE), 0, FALSE };
      g_async_queue_push (p.free, &chunks[i]);
    }
  thread = g_thread_new ("shoal-hash", block_hash_thread, &p);

  for (guint i = 0; ok && i < entries->len; i++)
    {
      const Entry *e = entries->pdata[i];
      guint64 pos = 0;
      struct stat st;
      int fd = open (e->real, O_RDONLY | O_CLOEXEC | O_NOCTTY);

      if (fd < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot open %s: %s", e->real, g_strerror (errno));
          ok = FALSE;
          break;
        }
      posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      while (ok && pos < e->size)
        {
          Chunk *c = g_async_queue_pop (p.free);

          c->len = (gsize) MIN ((guint64) CHUNK_SIZE, e->size - pos);
          ok = !g_cancellable_set_error_if_cancelled (cancellable, error) &&
               read_full (fd, c->data, c->len, e->real, pos, error) &&
               shoal_manifest_builder_update_files (builder, c->data, c->len, error);
          if (ok)
            g_async_queue_push (p.full, c);
          else
            g_async_queue_push (p.free, c);
          pos += c->len;
        }
      /* A file that changed while it was read would get a manifest that matches nothing. */
      if (ok && (fstat (fd, &st) < 0 || (guint64) st.st_size != e->size ||
                 stat_mtime_ns (&st) != e->mtime_ns))
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "%s changed while it was hashed; try again when it is complete",
                       e->real);
          ok = FALSE;
        }
      close (fd);
    }

  g_async_queue_push (p.full, &end);
  g_thread_join (thread);
  if (ok && p.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&p.error));
      ok = FALSE;
    }
  g_clear_error (&p.error);
  for (guint i = 0; i < N_CHUNKS; i++)
    g_free (chunks[i].data);
  g_async_queue_unref (p.full);
  g_async_queue_unref (p.free);
  return ok;
}

static ShoalManifest *
build_manifest (const char    *name,
                guint          symbol_size,
                guint          k,
                GPtrArray     *entries,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(ShoalManifestBuilder) builder = NULL;

  builder = shoal_manifest_builder_new (name, symbol_size, k, error);
  if (builder == NULL)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = entries->pdata[i];

      if (!shoal_manifest_builder_add_file (builder, e->rel, e->size, error))
        return NULL;
    }
  shoal_manifest_builder_set_created (builder, g_get_real_time () / G_USEC_PER_SEC);
  if (!hash_entries (builder, entries, cancellable, error))
    return NULL;
  return shoal_manifest_builder_end (builder, error);
}

/* ---- the index: sizes and mtimes when the manifest was built ---------------------------- */

static GBytes *
index_to_json (GPtrArray *entries)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, INDEX_VERSION);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = entries->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, e->rel);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) e->size);
      json_builder_set_member_name (b, "mtime_ns");
      json_builder_add_int_value (b, e->mtime_ns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  return g_bytes_new_take (text, strlen (text));
}

/* NULL when the index is missing or unreadable: the caller then falls back on sizes. */
static GPtrArray *
index_load (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  JsonNode *root;
  JsonArray *files;

  if (!json_parser_load_from_mapped_file (parser, path, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  if (json_object_get_int_member_with_default (json_node_get_object (root), "version", 0) !=
      INDEX_VERSION)
    return NULL;
  files = json_object_get_array_member (json_node_get_object (root), "files");
  if (files == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *o = json_array_get_object_element (files, i);
      Entry *e;

      if (o == NULL || json_object_get_string_member_with_default (o, "path", NULL) == NULL)
        return NULL;
      e = g_new0 (Entry, 1);
      e->rel = g_strdup (json_object_get_string_member (o, "path"));
      e->size = (guint64) json_object_get_int_member_with_default (o, "size", -1);
      e->mtime_ns = json_object_get_int_member_with_default (o, "mtime_ns", -1);
      g_ptr_array_add (entries, e);
    }
  return g_steal_pointer (&entries);
}

static char *
format_mtime (gint64 mtime_ns)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (mtime_ns / 1000000000);

  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

/* The first difference between what was recorded at import and what is there now, in words;
 * NULL when they match. @check_mtime is FALSE when only the manifest's sizes are known. */
static char *
describe_change (GPtrArray *then,
                 GPtrArray *now,
                 gboolean   check_mtime)
{
  guint i = 0, j = 0;

  while (i < then->len || j < now->len)
    {
      const Entry *a = i < then->len ? then->pdata[i] : NULL;
      const Entry *b = j < now->len ? now->pdata[j] : NULL;
      int c = a == NULL ? 1 : b == NULL ? -1 : strcmp (a->rel, b->rel);

      if (c < 0)
        return g_strdup_printf ("%s was removed", a->rel);
      if (c > 0)
        return g_strdup_printf ("%s was added", b->rel);
      if (a->size != b->size)
        return g_strdup_printf ("%s changed size from %" G_GUINT64_FORMAT " to %"
                                G_GUINT64_FORMAT " bytes", a->rel, a->size, b->size);
      if (check_mtime && a->mtime_ns != b->mtime_ns)
        {
          g_autofree char *t = format_mtime (b->mtime_ns);

          return g_strdup_printf ("%s was modified (at %s)", a->rel, t);
        }
      i++;
      j++;
    }
  return NULL;
}

static GPtrArray *
entries_from_manifest (ShoalManifest *m)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func (entry_free);

  for (guint i = 0; i < shoal_manifest_get_n_files (m); i++)
    {
      const ShoalManifestFile *f = shoal_manifest_get_file (m, i);
      Entry *e = g_new0 (Entry, 1);

      e->rel = g_strdup (f->path);
      e->size = f->size;
      g_ptr_array_add (entries, e);
    }
  g_ptr_array_sort (entries, entry_cmp);
  return entries;
}

/* ---- per-package work (worker-thread safe: touches no GObject state of the library) ----- */

typedef struct
{
  char  *path;
  char  *meta_root;
  guint  symbol_size;
  guint  k;
} LibraryParams;

static void
params_free (LibraryParams *p)
{
  g_free (p->path);
  g_free (p->meta_root);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LibraryParams, params_free)

static LibraryParams *
params_new (ShoalLibrary *self)
{
  LibraryParams *p = g_new0 (LibraryParams, 1);

  p->path = g_strdup (self->path);
  p->meta_root = g_strdup (self->meta_root);
  p->symbol_size = self->symbol_size;
  p->k = self->k;
  return p;
}

static gboolean
write_metadata (const char     *meta_dir,
                ShoalManifest  *manifest,
                GBytes         *manifest_json,
                GPtrArray      *entries,
                GError        **error)
{
  g_autofree char *mpath = g_build_filename (meta_dir, "manifest.json", NULL);
  g_autofree char *ipath = g_build_filename (meta_dir, "index.json", NULL);
  g_autoptr(GBytes) index = index_to_json (entries);

  /* The index last: a manifest without it is checked by sizes only, never blessed. */
  return mkdir_p (meta_dir, error) &&
         write_atomic (mpath, g_bytes_get_data (manifest_json, NULL),
                       g_bytes_get_size (manifest_json), error) &&
         write_atomic (ipath, g_bytes_get_data (index, NULL), g_bytes_get_size (index), error);
}

/* Builds, records and returns the package in LIBRARY/@name from its current content. */
static ShoalPackage *
index_package (LibraryParams  *p,
               const char     *name,
               GPtrArray      *entries,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autofree char *content_dir = g_build_filename (p->path, name, NULL);
  g_autofree char *meta_dir = g_build_filename (p->meta_root, name, NULL);
  g_autoptr(ShoalManifest) manifest = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(ShoalPackage) pkg = NULL;
  g_autoptr(GError) local = NULL;

  manifest = build_manifest (name, p->symbol_size, p->k, entries, cancellable, error);
  if (manifest == NULL)
    return NULL;
  json = shoal_manifest_to_json (manifest);
  if (!write_metadata (meta_dir, manifest, json, entries, error))
    return NULL;
  pkg = shoal_package_new (content_dir, meta_dir, manifest, json);
  if (!shoal_package_load_settings (pkg, &local))
    g_warning ("%s; using the default settings", local->message);
  return g_steal_pointer (&pkg);
}

/* Loads package @name as a scan finds it. NULL with @error when it cannot be listed. */
static ShoalPackage *
scan_package (LibraryParams  *p,
              const char     *name,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autofree char *content_dir = g_build_filename (p->path, name, NULL);
  g_autofree char *meta_dir = g_build_filename (p->meta_root, name, NULL);
  g_autofree char *mpath = g_build_filename (meta_dir, "manifest.json", NULL);
  g_autofree char *ipath = g_build_filename (meta_dir, "index.json", NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) recorded = NULL;
  g_autoptr(GError) walk_error = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(ShoalManifest) manifest = NULL;
  g_autoptr(ShoalPackage) pkg = NULL;
  g_autofree char *data = NULL;
  g_autofree char *change = NULL;
  GBytes *json;
  gsize len;

  entries = walk_package (content_dir, cancellable, &walk_error);

  if (!g_file_get_contents (mpath, &data, &len, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_MANIFEST,
                       "package %s: %s", name, local->message);
          return NULL;
        }
      /* Dropped into the library: build its manifest now, if it is safe to serve. */
      if (entries == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&walk_error), "package %s: ",
                                      name);
          return NULL;
        }
      g_message ("Building the manifest of package %s (%u file%s)", name, entries->len,
                 entries->len == 1 ? "" : "s");
      pkg = index_package (p, name, entries, cancellable, &local);
      if (pkg == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local), "package %s: ", name);
          return NULL;
        }
      return g_steal_pointer (&pkg);
    }

  manifest = shoal_manifest_new_from_json (data, len, &local);
  if (manifest == NULL || strcmp (shoal_manifest_get_name (manifest), name) != 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_MANIFEST,
                   "package %s: the cached manifest %s is damaged (%s); rebuild the package "
                   "to make a new one from its content", name, mpath,
                   manifest == NULL ? local->message : "it names another package");
      return NULL;
    }
  json = g_bytes_new_take (g_steal_pointer (&data), len);
  pkg = shoal_package_new (content_dir, meta_dir, manifest, json);
  g_bytes_unref (json);
  g_clear_error (&local);
  if (!shoal_package_load_settings (pkg, &local))
    g_warning ("%s; using the default settings", local->message);

  if (g_error_matches (walk_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&walk_error));
      return NULL;
    }
  if (entries == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("unsafe content: %s", walk_error->message);

      shoal_package_set_state (pkg, SHOAL_PACKAGE_STATE_BROKEN, msg);
      return g_steal_pointer (&pkg);
    }
  recorded = index_load (ipath);
  if (recorded != NULL)
    change = describe_change (recorded, entries, TRUE);
  else
    {
      g_autoptr(GPtrArray) from_manifest = entries_from_manifest (manifest);

      change = describe_change (from_manifest, entries, FALSE);
    }
  if (change != NULL)
    {
      g_autofree char *msg = g_strdup_printf ("content changed since import: %s; clients will "
                                              "reject blocks that differ. Re-import or rebuild "
                                              "the package to accept the new content", change);

      shoal_package_set_state (pkg, SHOAL_PACKAGE_STATE_CHANGED, msg);
    }
  return g_steal_pointer (&pkg);
}

typedef struct
{
  GPtrArray *packages;   /* ShoalPackage */
  GPtrArray *skipped;    /* char *: why a package is not listed */
} ScanResult;

static void
scan_result_free (ScanResult *r)
{
  g_ptr_array_unref (r->packages);
  g_ptr_array_unref (r->skipped);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScanResult, scan_result_free)

static ScanResult *
scan_worker (LibraryParams  *p,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(ScanResult) r = g_new0 (ScanResult, 1);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  const char *name;

  r->packages = g_ptr_array_new_with_free_func (g_object_unref);
  r->skipped = g_ptr_array_new_with_free_func (g_free);
  dir = g_dir_open (p->path, 0, &local);
  if (dir == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot list the library: %s", local->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      g_autofree char *full = g_build_filename (p->path, n, NULL);
      g_autoptr(ShoalPackage) pkg = NULL;
      struct stat st;

      if (n[0] == '.')
        continue;
      if (g_lstat (full, &st) < 0 || !S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (r->skipped,
                           g_strdup_printf ("%s is not a directory: a package is a directory "
                                            "LIBRARY/NAME holding its files", full));
          continue;
        }
      if (!shoal_package_name_is_valid (n))
        {
          g_ptr_array_add (r->skipped,
                           g_strdup_printf ("%s: \"%s\" is not a valid package name "
                                            "([A-Za-z0-9._-], 1 to 64 characters)", full, n));
          continue;
        }
      pkg = scan_package (p, n, cancellable, &local);
      if (pkg != NULL)
        g_ptr_array_add (r->packages, g_steal_pointer (&pkg));
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      else
        g_ptr_array_add (r->skipped, g_strdup (local->message));
      g_clear_error (&local);
    }
  return g_steal_pointer (&r);
}

/* ---- import ----------------------------------------------------------------------------- */

static gboolean
copy_file (const char    *src,
           const char    *dst,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree guint8 *buf = NULL;
  int in = -1, out = -1;
  gboolean ok = FALSE;
  gboolean use_cfr = TRUE;

  if (link (src, dst) == 0)
    return TRUE;

  in = open (src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (in < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot open %s: %s", src, g_strerror (errno));
      return FALSE;
    }
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot create %s: %s", dst, g_strerror (errno));
      goto out;
    }
  posix_fadvise (in, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      if (use_cfr)
        {
          n = copy_file_range (in, NULL, out, NULL, 64u << 20, 0);
          if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                        errno == EOPNOTSUPP))
            {
              use_cfr = FALSE;
              continue;
            }
        }
      else
        {
          if (buf == NULL)
            buf = g_malloc (COPY_BUFFER);
          n = read (in, buf, COPY_BUFFER);
          if (n > 0)
            {
              gssize done = 0;

              while (done < n)
                {
                  gssize w = write (out, buf + done, (gsize) (n - done));

                  if (w < 0 && errno == EINTR)
                    continue;
                  if (w < 0)
                    {
                      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                                   "cannot copy %s to %s: %s", src, dst, g_strerror (errno));
                      goto out;
                    }
                  done += w;
                }
            }
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot copy %s to %s: %s", src, dst, g_strerror (errno));
          goto out;
        }
      if (n == 0)
        break;
    }
  if (fsync (out) < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot copy %s to %s: %s", src, dst, g_strerror (errno));
      goto out;
    }
  ok = TRUE;

out:
  if (in >= 0)
    close (in);
  if (out >= 0 && close (out) < 0 && ok)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot copy %s to %s: %s", src, dst, g_strerror (errno));
      ok = FALSE;
    }
  return ok;
}

/* Copies (or links) what @src holds to @dst: a file, or a directory tree walked with the
 * package rules (symlinks inside it are followed, the ones leading out refused). */
static gboolean
import_source (const char    *src,
               const char    *dst,
               GCancellable  *cancellable,
               GError       **error)
{
  struct stat st;

  if (g_stat (src, &st) < 0)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR,
                   errno == ENOENT ? SHOAL_LIBRARY_ERROR_NOT_FOUND : SHOAL_LIBRARY_ERROR_IO,
                   "cannot import %s: %s", src, g_strerror (errno));
      return FALSE;
    }
  if (S_ISREG (st.st_mode))
    {
      g_autofree char *real = realpath (src, NULL);
      g_autofree char *parent = g_path_get_dirname (dst);

      return mkdir_p (parent, error) && copy_file (real ? real : src, dst, cancellable, error);
    }
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GPtrArray) entries = walk_package (src, cancellable, error);

      if (entries == NULL)
        return FALSE;
      if (!mkdir_p (dst, error))
        return FALSE;
      for (guint i = 0; i < entries->len; i++)
        {
          const Entry *e = entries->pdata[i];
          g_autofree char *target = g_build_filename (dst, e->rel, NULL);
          g_autofree char *parent = g_path_get_dirname (target);

          if (!mkdir_p (parent, error) || !copy_file (e->real, target, cancellable, error))
            return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
               "cannot import %s: not a regular file or directory", src);
  return FALSE;
}

/* Swaps @staging in as LIBRARY/@name, then records @manifest; the old content, if any, goes
 * only once the new one is in place. */
static gboolean
install_package (LibraryParams  *p,
                 const char     *name,
                 const char     *staging,
                 GError        **error)
{
  g_autofree char *content_dir = g_build_filename (p->path, name, NULL);
  g_autofree char *tmp = g_build_filename (p->meta_root, TMP_DIR, NULL);
  g_autofree char *old = NULL;

  if (g_file_test (content_dir, G_FILE_TEST_EXISTS))
    {
      g_autofree char *tmpl = g_build_filename (tmp, "old-XXXXXX", NULL);

      if (g_mkdtemp (tmpl) == NULL)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot make a temporary directory in %s: %s", tmp, g_strerror (errno));
          return FALSE;
        }
      old = g_steal_pointer (&tmpl);
      g_rmdir (old);
      if (g_rename (content_dir, old) < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot move the old %s aside: %s", content_dir, g_strerror (errno));
          return FALSE;
        }
    }
  if (g_rename (staging, content_dir) < 0)
    {
      int saved = errno;

      if (old != NULL)
        g_rename (old, content_dir);
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot move the imported files to %s: %s", content_dir, g_strerror (saved));
      return FALSE;
    }
  if (old != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!rm_rf (old, &local))
        g_warning ("Could not delete the previous content of package %s: %s", name,
                   local->message);
    }
  return TRUE;
}

static ShoalPackage *
import_worker (LibraryParams       *p,
               const char          *name,
               const char * const  *paths,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autofree char *tmp = g_build_filename (p->meta_root, TMP_DIR, NULL);
  g_autofree char *tmpl = g_build_filename (tmp, "import-XXXXXX", NULL);
  g_autofree char *staging = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(ShoalPackage) pkg = NULL;
  g_autoptr(GError) local = NULL;
  guint n_paths = g_strv_length ((char **) paths);
  gboolean one_dir = n_paths == 1 && g_file_test (paths[0], G_FILE_TEST_IS_DIR);

  if (!mkdir_p (tmp, error))
    return NULL;
  if (g_mkdtemp (tmpl) == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot make a temporary directory in %s: %s", tmp, g_strerror (errno));
      return NULL;
    }
  staging = g_steal_pointer (&tmpl);
  g_chmod (staging, 0755);

  for (guint i = 0; i < n_paths; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);
      g_autofree char *dst = one_dir ? g_strdup (staging)
                                     : g_build_filename (staging, base, NULL);

      if (!one_dir && (strcmp (base, "/") == 0 || strcmp (base, ".") == 0 ||
                       strcmp (base, "..") == 0))
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED,
                       "cannot import %s: give it alone, or a path that has a name", paths[i]);
          goto fail;
        }
      if (!one_dir && !g_hash_table_add (seen, g_strdup (base)))
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_EXISTS,
                       "cannot import %s: another path given has the name \"%s\" too",
                       paths[i], base);
          goto fail;
        }
      if (!import_source (paths[i], dst, cancellable, error))
        goto fail;
    }
  entries = walk_package (staging, cancellable, error);
  if (entries == NULL)
    goto fail;
  {
    g_autofree char *meta_dir = g_build_filename (p->meta_root, name, NULL);
    g_autofree char *content_dir = g_build_filename (p->path, name, NULL);
    g_autoptr(ShoalManifest) manifest = NULL;
    g_autoptr(GBytes) json = NULL;
    gint64 then = g_get_monotonic_time ();

    manifest = build_manifest (name, p->symbol_size, p->k, entries, cancellable, error);
    if (manifest == NULL)
      goto fail;
    g_debug ("Hashed %" G_GUINT64_FORMAT " bytes of package %s in %.2f s",
             shoal_manifest_get_total_size (manifest), name,
             (g_get_monotonic_time () - then) / 1e6);
    json = shoal_manifest_to_json (manifest);
    if (!install_package (p, name, staging, error))
      goto fail;
    /* Recorded only now, so that a crash before leaves the old package intact. The entries
     * walked the staging directory: same files, same inodes, other path. */
    if (!write_metadata (meta_dir, manifest, json, entries, error))
      return NULL;
    pkg = shoal_package_new (content_dir, meta_dir, manifest, json);
    if (!shoal_package_load_settings (pkg, &local))
      g_warning ("%s; using the default settings", local->message);
  }
  return g_steal_pointer (&pkg);

fail:
  if (!rm_rf (staging, &local))
    g_warning ("Could not clean up %s: %s", staging, local->message);
  return NULL;
}

/* ---- the GObject ------------------------------------------------------------------------ */

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_library_finalize (GObject *object)
{
  ShoalLibrary *self = SHOAL_LIBRARY (object);

  g_free (self->path);
  g_free (self->meta_root);
  g_clear_object (&self->packages);
  g_mutex_clear (&self->work_lock);
  G_OBJECT_CLASS (shoal_library_parent_class)->finalize (object);
}

static void
shoal_library_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalLibrary *self = SHOAL_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_library_class_init (ShoalLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_library_finalize;
  object_class->get_property = shoal_library_get_property;
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_library_init (ShoalLibrary *self)
{
  g_mutex_init (&self->work_lock);
  self->packages = g_list_store_new (SHOAL_TYPE_PACKAGE);
  self->symbol_size = shoal_symbol_size_for_mtu (1500);
  self->k = SHOAL_MANIFEST_DEFAULT_K;
}

/* Temporary files of metadata writes that a crash interrupted. */
static void
remove_stale_metadata (const char *meta_root)
{
  g_autoptr(GDir) dir = g_dir_open (meta_root, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (meta_root, name, NULL);

      if (strcmp (name, TMP_DIR) != 0 && g_file_test (sub, G_FILE_TEST_IS_DIR))
        shoal_atomic_write_remove_stale (sub);
    }
}

ShoalLibrary *
shoal_library_new (const char  *path,
                   GError     **error)
{
  g_autoptr(ShoalLibrary) self = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!mkdir_p (path, error))
    return NULL;
  self = g_object_new (SHOAL_TYPE_LIBRARY, NULL);
  self->path = realpath (path, NULL);
  if (self->path == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot resolve the library path %s: %s", path, g_strerror (errno));
      return NULL;
    }
  self->meta_root = g_build_filename (self->path, META_DIR, NULL);
  tmp = g_build_filename (self->meta_root, TMP_DIR, NULL);
  if (!rm_rf (tmp, &local))
    g_warning ("Could not remove what an interrupted import left: %s", local->message);
  if (!mkdir_p (tmp, error))
    return NULL;
  remove_stale_metadata (self->meta_root);
  return g_steal_pointer (&self);
}

const char *
shoal_library_get_path (ShoalLibrary *self)
{
  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), NULL);
  return self->path;
}

void
shoal_library_set_layout (ShoalLibrary *self,
                          guint         symbol_size,
                          guint         k)
{
  g_return_if_fail (SHOAL_IS_LIBRARY (self));
  g_return_if_fail (symbol_size >= SHOAL_MANIFEST_MIN_SYMBOL &&
                    symbol_size <= SHOAL_MANIFEST_MAX_SYMBOL);
  g_return_if_fail (k >= SHOAL_MANIFEST_MIN_K && k <= SHOAL_MANIFEST_MAX_K);

  self->symbol_size = symbol_size;
  self->k = k;
}

GListModel *
shoal_library_get_packages (ShoalLibrary *self)
{
  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), NULL);
  return G_LIST_MODEL (self->packages);
}

static gboolean
find_position (ShoalLibrary *self,
               const char   *name,
               guint        *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->packages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalPackage) pkg = g_list_model_get_item (G_LIST_MODEL (self->packages), i);
      int c = strcmp (shoal_package_get_name (pkg), name);

      if (c >= 0)
        {
          *position = i;
          return c == 0;
        }
    }
  *position = n;
  return FALSE;
}

ShoalPackage *
shoal_library_lookup (ShoalLibrary *self,
                      const char   *name)
{
  guint pos;
  ShoalPackage *pkg;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!find_position (self, name, &pos))
    return NULL;
  pkg = g_list_model_get_item (G_LIST_MODEL (self->packages), pos);
  g_object_unref (pkg);   /* the store keeps it alive */
  return pkg;
}

/* Puts @pkg in the list, replacing the package of that name. A rescan that finds the same
 * manifest keeps the existing object, so that its open files and bindings stay. */
static ShoalPackage *
store_package (ShoalLibrary *self,
               ShoalPackage *pkg)
{
  guint pos;

  if (find_position (self, shoal_package_get_name (pkg), &pos))
    {
      g_autoptr(ShoalPackage) old = g_list_model_get_item (G_LIST_MODEL (self->packages), pos);

      if (shoal_manifest_equal (shoal_package_get_manifest (old),
                                shoal_package_get_manifest (pkg)))
        {
          shoal_package_set_state (old, shoal_package_get_state (pkg),
                                   shoal_package_get_state_message (pkg));
          shoal_package_load_settings (old, NULL);
          return old;
        }
      g_list_store_splice (self->packages, pos, 1, (gpointer *) &pkg, 1);
    }
  else
    g_list_store_insert (self->packages, pos, pkg);
  return pkg;
}

static void
apply_scan (ShoalLibrary *self,
            ScanResult   *r)
{
  g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < r->packages->len; i++)
    {
      ShoalPackage *pkg = r->packages->pdata[i];

      store_package (self, pkg);
      g_hash_table_add (found, (gpointer) shoal_package_get_name (pkg));
    }
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->packages)); i > 0; i--)
    {
      g_autoptr(ShoalPackage) pkg = g_list_model_get_item (G_LIST_MODEL (self->packages), i - 1);

      if (!g_hash_table_contains (found, shoal_package_get_name (pkg)))
        g_list_store_remove (self->packages, i - 1);
    }
  for (guint i = 0; i < r->skipped->len; i++)
    g_warning ("Library %s: %s", self->path, (char *) r->skipped->pdata[i]);
}

gboolean
shoal_library_scan (ShoalLibrary  *self,
                    GCancellable  *cancellable,
                    GPtrArray    **skipped,
                    GError       **error)
{
  g_autoptr(LibraryParams) p = NULL;
  g_autoptr(ScanResult) r = NULL;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), FALSE);

  p = params_new (self);
  g_mutex_lock (&self->work_lock);
  r = scan_worker (p, cancellable, error);
  g_mutex_unlock (&self->work_lock);
  if (r == NULL)
    return FALSE;
  apply_scan (self, r);
  if (skipped)
    *skipped = g_ptr_array_ref (r->skipped);
  return TRUE;
}

static void
scan_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ShoalLibrary *self = source;
  GError *error = NULL;
  ScanResult *r;

  g_mutex_lock (&self->work_lock);
  r = scan_worker (task_data, cancellable, &error);
  g_mutex_unlock (&self->work_lock);
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) scan_result_free);
}

/* Runs in the owner's context: the list model changes there, before the caller hears. */
static void
scan_thread_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  GError *error = NULL;
  ScanResult *r = g_task_propagate_pointer (G_TASK (result), &error);

  if (r == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  apply_scan (SHOAL_LIBRARY (source), r);
  g_task_return_pointer (outer, g_ptr_array_ref (r->skipped), (GDestroyNotify) g_ptr_array_unref);
  scan_result_free (r);
}

void
shoal_library_scan_async (ShoalLibrary        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;

  g_return_if_fail (SHOAL_IS_LIBRARY (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, shoal_library_scan_async);
  inner = g_task_new (self, cancellable, scan_thread_done, g_object_ref (outer));
  g_task_set_task_data (inner, params_new (self), (GDestroyNotify) params_free);
  g_task_run_in_thread (inner, scan_thread);
}

gboolean
shoal_library_scan_finish (ShoalLibrary  *self,
                           GAsyncResult  *result,
                           GPtrArray    **skipped,
                           GError       **error)
{
  GPtrArray *s;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  if (skipped)
    *skipped = s;
  else
    g_ptr_array_unref (s);
  return TRUE;
}

typedef struct
{
  LibraryParams *params;
  char          *name;
  GStrv          paths;
} ImportData;

static void
import_data_free (ImportData *d)
{
  params_free (d->params);
  g_free (d->name);
  g_strfreev (d->paths);
  g_free (d);
}

static gboolean
check_import_args (const char          *name,
                   const char * const  *paths,
                   GError             **error)
{
  if (!shoal_package_name_is_valid (name))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_INVALID_NAME,
                   "\"%s\" is not a valid package name ([A-Za-z0-9._-], 1 to 64 characters, "
                   "not starting with '.')", name);
      return FALSE;
    }
  if (paths == NULL || paths[0] == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_NOT_FOUND,
                   "package %s: no files or directories to import", name);
      return FALSE;
    }
  return TRUE;
}

ShoalPackage *
shoal_library_import (ShoalLibrary        *self,
                      const char          *name,
                      const char * const  *paths,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autoptr(LibraryParams) p = NULL;
  g_autoptr(ShoalPackage) pkg = NULL;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!check_import_args (name, paths, error))
    return NULL;
  p = params_new (self);
  g_mutex_lock (&self->work_lock);
  pkg = import_worker (p, name, paths, cancellable, error);
  g_mutex_unlock (&self->work_lock);
  if (pkg == NULL)
    return NULL;
  return store_package (self, pkg);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ShoalLibrary *self = source;
  ImportData *d = task_data;
  GError *error = NULL;
  ShoalPackage *pkg;

  g_mutex_lock (&self->work_lock);
  pkg = import_worker (d->params, d->name, (const char * const *) d->paths, cancellable, &error);
  g_mutex_unlock (&self->work_lock);
  if (pkg == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pkg, g_object_unref);
}

static void
import_thread_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  g_autoptr(ShoalPackage) pkg = NULL;
  GError *error = NULL;

  pkg = g_task_propagate_pointer (G_TASK (result), &error);
  if (pkg == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  g_task_return_pointer (outer, g_object_ref (store_package (SHOAL_LIBRARY (source), pkg)),
                         g_object_unref);
}

void
shoal_library_import_async (ShoalLibrary        *self,
                            const char          *name,
                            const char * const  *paths,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  GError *error = NULL;
  ImportData *d;

  g_return_if_fail (SHOAL_IS_LIBRARY (self));
  g_return_if_fail (name != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, shoal_library_import_async);
  if (!check_import_args (name, paths, &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  d = g_new0 (ImportData, 1);
  d->params = params_new (self);
  d->name = g_strdup (name);
  d->paths = g_strdupv ((char **) paths);
  inner = g_task_new (self, cancellable, import_thread_done, g_object_ref (outer));
  g_task_set_task_data (inner, d, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (inner, import_thread);
}

ShoalPackage *
shoal_library_import_finish (ShoalLibrary  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  ShoalPackage *pkg;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  /* The store holds the package; hand out a borrowed pointer like the sync call. */
  pkg = g_task_propagate_pointer (G_TASK (result), error);
  if (pkg != NULL)
    g_object_unref (pkg);
  return pkg;
}

ShoalPackage *
shoal_library_rebuild (ShoalLibrary  *self,
                       const char    *name,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(LibraryParams) p = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(ShoalPackage) pkg = NULL;
  g_autofree char *content_dir = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!shoal_package_name_is_valid (name))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_INVALID_NAME,
                   "\"%s\" is not a valid package name", name);
      return NULL;
    }
  p = params_new (self);
  content_dir = g_build_filename (p->path, name, NULL);
  if (!g_file_test (content_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_NOT_FOUND,
                   "no package %s in the library %s", name, p->path);
      return NULL;
    }
  g_mutex_lock (&self->work_lock);
  entries = walk_package (content_dir, cancellable, &local);
  if (entries != NULL)
    pkg = index_package (p, name, entries, cancellable, &local);
  g_mutex_unlock (&self->work_lock);
  if (pkg == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "cannot rebuild package %s: ",
                                  name);
      return NULL;
    }
  return store_package (self, pkg);
}

gboolean
shoal_library_remove (ShoalLibrary  *self,
                      const char    *name,
                      GError       **error)
{
  g_autofree char *content_dir = NULL;
  g_autofree char *meta_dir = NULL;
  g_autofree char *tmpl = NULL;
  g_autofree char *trash = NULL;
  gboolean ok = TRUE;
  guint pos;

  g_return_val_if_fail (SHOAL_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!shoal_package_name_is_valid (name))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_INVALID_NAME,
                   "\"%s\" is not a valid package name", name);
      return FALSE;
    }
  content_dir = g_build_filename (self->path, name, NULL);
  meta_dir = g_build_filename (self->meta_root, name, NULL);
  if (!g_file_test (content_dir, G_FILE_TEST_EXISTS) &&
      !g_file_test (meta_dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_NOT_FOUND,
                   "no package %s in the library %s", name, self->path);
      return FALSE;
    }
  g_mutex_lock (&self->work_lock);
  /* Out of the way in one rename, so that a scan never sees half a package. */
  tmpl = g_build_filename (self->meta_root, TMP_DIR, "remove-XXXXXX", NULL);
  if (g_mkdtemp (tmpl) != NULL)
    trash = g_steal_pointer (&tmpl);
  if (trash != NULL && g_file_test (content_dir, G_FILE_TEST_EXISTS))
    {
      g_autofree char *dst = g_build_filename (trash, "content", NULL);

      if (g_rename (content_dir, dst) < 0)
        {
          g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                       "cannot remove %s: %s", content_dir, g_strerror (errno));
          ok = FALSE;
        }
    }
  if (ok && trash != NULL)
    ok = rm_rf (meta_dir, error) && rm_rf (trash, error);
  else if (trash == NULL)
    {
      g_set_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_IO,
                   "cannot remove package %s: %s", name, g_strerror (errno));
      ok = FALSE;
    }
  g_mutex_unlock (&self->work_lock);
  if (find_position (self, name, &pos))
    g_list_store_remove (self->packages, pos);
  return ok;
}
