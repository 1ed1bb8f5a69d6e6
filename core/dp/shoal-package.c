/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalPackage: a library package as a GObject for the console, plus the reader the sender
 * and the HTTP server use, from any thread. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "shoal-crypto.h"
#include "shoal-json-file.h"
#include "shoal-package.h"

struct _ShoalPackage
{
  GObject        parent_instance;

  char          *content_dir;
  char          *meta_dir;
  ShoalManifest *manifest;
  GBytes        *manifest_json;
  char          *etag;
  char          *state;
  char          *state_message;
  gboolean       multicast_only;
  char          *description;

  GMutex         open_lock;      /* serialises opening; reads go without it */
  int           *fds;            /* one per manifest file, -1 until first read */
};

G_DEFINE_FINAL_TYPE (ShoalPackage, shoal_package, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-package-error-quark, shoal_package_error)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SIZE,
  PROP_N_FILES,
  PROP_N_BLOCKS,
  PROP_CREATED,
  PROP_STATE,
  PROP_STATE_MESSAGE,
  PROP_MULTICAST_ONLY,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str() arrived in GLib 2.76; Debian 12 has 2.74. */
static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
shoal_package_finalize (GObject *object)
{
  ShoalPackage *self = SHOAL_PACKAGE (object);

  if (self->fds != NULL)
    for (guint i = 0; i < shoal_manifest_get_n_files (self->manifest); i++)
      if (self->fds[i] >= 0)
        close (self->fds[i]);
  g_free (self->fds);
  g_mutex_clear (&self->open_lock);
  g_free (self->content_dir);
  g_free (self->meta_dir);
  g_clear_pointer (&self->manifest, shoal_manifest_unref);
  g_clear_pointer (&self->manifest_json, g_bytes_unref);
  g_free (self->etag);
  g_free (self->state);
  g_free (self->state_message);
  g_free (self->description);
  G_OBJECT_CLASS (shoal_package_parent_class)->finalize (object);
}

static void
shoal_package_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalPackage *self = SHOAL_PACKAGE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, shoal_package_get_name (self));
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, shoal_package_get_size (self));
      break;
    case PROP_N_FILES:
      g_value_set_uint (value, shoal_package_get_n_files (self));
      break;
    case PROP_N_BLOCKS:
      g_value_set_uint (value, shoal_manifest_get_n_blocks (self->manifest));
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, shoal_manifest_get_created (self->manifest));
      break;
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_STATE_MESSAGE:
      g_value_set_string (value, self->state_message);
      break;
    case PROP_MULTICAST_ONLY:
      g_value_set_boolean (value, self->multicast_only);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_package_class_init (ShoalPackageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_package_finalize;
  object_class->get_property = shoal_package_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_N_FILES] = g_param_spec_uint ("n-files", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_BLOCKS] = g_param_spec_uint ("n-blocks", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /* Seconds since the epoch at which the manifest was built. */
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, ro);
  properties[PROP_STATE_MESSAGE] = g_param_spec_string ("state-message", NULL, NULL, NULL, ro);
  properties[PROP_MULTICAST_ONLY] = g_param_spec_boolean ("multicast-only", NULL, NULL, FALSE,
                                                          ro);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_package_init (ShoalPackage *self)
{
  g_mutex_init (&self->open_lock);
  self->state = g_strdup (SHOAL_PACKAGE_STATE_READY);
  self->description = g_strdup ("");
}

ShoalPackage *
shoal_package_new (const char    *content_dir,
                   const char    *meta_dir,
                   ShoalManifest *manifest,
                   GBytes        *manifest_json)
{
  ShoalPackage *self;
  guint n;

  g_return_val_if_fail (content_dir != NULL, NULL);
  g_return_val_if_fail (meta_dir != NULL, NULL);
  g_return_val_if_fail (manifest != NULL, NULL);
  g_return_val_if_fail (manifest_json != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_PACKAGE, NULL);
  self->content_dir = g_strdup (content_dir);
  self->meta_dir = g_strdup (meta_dir);
  self->manifest = shoal_manifest_ref (manifest);
  self->manifest_json = g_bytes_ref (manifest_json);
  {
    g_autofree char *hex = shoal_sha256_hex (g_bytes_get_data (manifest_json, NULL),
                                             g_bytes_get_size (manifest_json));

    self->etag = g_strdup_printf ("\"%.32s\"", hex);
  }
  n = shoal_manifest_get_n_files (manifest);
  self->fds = g_new (int, n);
  for (guint i = 0; i < n; i++)
    self->fds[i] = -1;
  return self;
}

const char *
shoal_package_get_name (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return shoal_manifest_get_name (self->manifest);
}

const char *
shoal_package_get_content_dir (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->content_dir;
}

guint64
shoal_package_get_size (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), 0);
  return shoal_manifest_get_total_size (self->manifest);
}

guint
shoal_package_get_n_files (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), 0);
  return shoal_manifest_get_n_files (self->manifest);
}

/* A package of a remote distribution point, known from its manifest and the REST API's
 * state and flags: no content here, so reads fail. */
ShoalPackage *
shoal_package_new_remote (ShoalManifest *manifest,
                          GBytes        *manifest_json,
                          const char    *state,
                          gboolean       multicast_only)
{
  ShoalPackage *self = shoal_package_new ("", "", manifest, manifest_json);

  g_free (self->state);
  self->state = g_strdup (state ? state : "ready");
  self->multicast_only = multicast_only;
  return self;
}

ShoalManifest *
shoal_package_get_manifest (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->manifest;
}

GBytes *
shoal_package_get_manifest_bytes (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->manifest_json;
}

const char *
shoal_package_get_etag (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->etag;
}

const char *
shoal_package_get_state (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->state;
}

const char *
shoal_package_get_state_message (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->state_message;
}

gboolean
shoal_package_get_multicast_only (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), FALSE);
  return self->multicast_only;
}

const char *
shoal_package_get_description (ShoalPackage *self)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), NULL);
  return self->description;
}

void
shoal_package_set_state (ShoalPackage *self,
                         const char   *state,
                         const char   *message)
{
  g_return_if_fail (SHOAL_IS_PACKAGE (self));
  g_return_if_fail (state != NULL);

  if (set_str (&self->state, state))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (set_str (&self->state_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_MESSAGE]);
}

/* ---- settings --------------------------------------------------------------------------- */

static gboolean
save_settings (ShoalPackage *self,
               gboolean      multicast_only,
               const char   *description,
               GError      **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *path = g_build_filename (self->meta_dir, "package.json", NULL);
  g_autoptr(GError) local = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "multicast_only");
  json_builder_add_boolean_value (b, multicast_only);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, description);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  if (g_mkdir_with_parents (self->meta_dir, 0755) < 0 ||
      !shoal_json_file_save (path, root, &local))
    {
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SETTINGS,
                   "cannot save the settings of package %s in %s: %s",
                   shoal_package_get_name (self), path,
                   local ? local->message : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_package_set_multicast_only (ShoalPackage *self,
                                  gboolean      multicast_only,
                                  GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), FALSE);

  multicast_only = !!multicast_only;
  if (multicast_only == self->multicast_only)
    return TRUE;
  if (!save_settings (self, multicast_only, self->description, error))
    return FALSE;
  self->multicast_only = multicast_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTICAST_ONLY]);
  return TRUE;
}

gboolean
shoal_package_set_description (ShoalPackage *self,
                               const char   *description,
                               GError      **error)
{
  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), FALSE);

  if (description == NULL)
    description = "";
  if (g_strcmp0 (description, self->description) == 0)
    return TRUE;
  if (!save_settings (self, self->multicast_only, description, error))
    return FALSE;
  set_str (&self->description, description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
  return TRUE;
}

gboolean
shoal_package_load_settings (ShoalPackage *self,
                             GError      **error)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *obj;

  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), FALSE);

  path = g_build_filename (self->meta_dir, "package.json", NULL);
  root = shoal_json_file_load (path, &local);
  if (root == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SETTINGS,
                   "cannot read the settings of package %s: %s", shoal_package_get_name (self),
                   local->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SETTINGS,
                   "%s is not a JSON object", path);
      return FALSE;
    }
  obj = json_node_get_object (root);
  if (json_object_has_member (obj, "multicast_only"))
    {
      JsonNode *n = json_object_get_member (obj, "multicast_only");

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SETTINGS,
                       "%s: multicast_only is not true or false", path);
          return FALSE;
        }
      if (self->multicast_only != json_node_get_boolean (n))
        {
          self->multicast_only = json_node_get_boolean (n);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTICAST_ONLY]);
        }
    }
  if (json_object_has_member (obj, "description"))
    {
      JsonNode *n = json_object_get_member (obj, "description");

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        {
          g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SETTINGS,
                       "%s: description is not a string", path);
          return FALSE;
        }
      if (set_str (&self->description, json_node_get_string (n)))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
    }
  return TRUE;
}

/* ---- reader ----------------------------------------------------------------------------- */

/* Opens manifest file @index for reading after checking that, symlinks resolved, it is a
 * regular file inside the package: a symlink planted after import cannot leak other files. */
static int
open_file (ShoalPackage *self,
           guint         index,
           GError      **error)
{
  const ShoalManifestFile *f = shoal_manifest_get_file (self->manifest, index);
  g_autofree char *full = g_build_filename (self->content_dir, f->path, NULL);
  g_autofree char *root = realpath (self->content_dir, NULL);
  g_autofree char *real = realpath (full, NULL);
  struct stat st;
  int fd;

  if (root == NULL || real == NULL)
    {
      int saved = errno;

      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_READ,
                   "package %s: cannot open %s: %s", shoal_package_get_name (self), full,
                   g_strerror (saved));
      return -1;
    }
  if (!g_str_has_prefix (real, root) || real[strlen (root)] != '/')
    {
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_ESCAPE,
                   "package %s: %s resolves to %s, outside the package",
                   shoal_package_get_name (self), f->path, real);
      return -1;
    }
  fd = open (real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_READ,
                   "package %s: cannot open %s: %s", shoal_package_get_name (self), real,
                   g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_READ,
                   "package %s: %s is not a regular file", shoal_package_get_name (self), real);
      close (fd);
      return -1;
    }
  return fd;
}

static int
get_fd (ShoalPackage *self,
        guint         index,
        GError      **error)
{
  int fd = g_atomic_int_get (&self->fds[index]);

  if (fd >= 0)
    return fd;
  g_mutex_lock (&self->open_lock);
  fd = self->fds[index];
  if (fd < 0)
    {
      fd = open_file (self, index, error);
      if (fd >= 0)
        g_atomic_int_set (&self->fds[index], fd);
    }
  g_mutex_unlock (&self->open_lock);
  return fd;
}

typedef gboolean (*SpanFunc) (ShoalPackage *self, const ShoalManifestFile *f, int fd,
                              guint64 in_file, guint8 *buf, gsize n, GError **error);

/* Splits [offset, offset+len) of the package stream, which must lie within it, at file
 * boundaries and calls @func on each file's part with the file open; @buf, when not NULL,
 * advances with the stream. Empty files take no stream bytes. */
static gboolean
for_each_span (ShoalPackage *self,
               guint64       offset,
               guint8       *buf,
               gsize         len,
               SpanFunc      func,
               GError      **error)
{
  for (int index = shoal_manifest_find_file (self->manifest, offset); len > 0; index++)
    {
      const ShoalManifestFile *f = shoal_manifest_get_file (self->manifest, (guint) index);
      guint64 in_file = offset - f->offset;
      gsize n = (gsize) MIN ((guint64) len, f->size - in_file);
      int fd;

      if (f->size == 0)
        continue;
      if ((fd = get_fd (self, (guint) index, error)) < 0
          || !func (self, f, fd, in_file, buf, n, error))
        return FALSE;
      if (buf != NULL)
        buf += n;
      len -= n;
      offset += n;
    }
  return TRUE;
}

static gboolean
read_span (ShoalPackage *self, const ShoalManifestFile *f, int fd, guint64 in_file,
           guint8 *buf, gsize n, GError **error)
{
  while (n > 0)
    {
      gssize r = pread (fd, buf, n, (off_t) in_file);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int saved = errno;

          g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_READ,
                       "package %s: reading %s at offset %" G_GUINT64_FORMAT ": %s",
                       shoal_package_get_name (self), f->path, in_file, g_strerror (saved));
          return FALSE;
        }
      if (r == 0)
        {
          g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SHORT,
                       "package %s: %s ends at offset %" G_GUINT64_FORMAT ", but the "
                       "manifest says it has %" G_GUINT64_FORMAT " bytes (changed since "
                       "import?)", shoal_package_get_name (self), f->path, in_file,
                       f->size);
          return FALSE;
        }
      buf += r;
      n -= (gsize) r;
      in_file += (guint64) r;
    }
  return TRUE;
}

gboolean
shoal_package_read (ShoalPackage *self,
                    guint64       offset,
                    guint8       *buf,
                    gsize         len,
                    GError      **error)
{
  guint64 total;

  g_return_val_if_fail (SHOAL_IS_PACKAGE (self), FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  total = shoal_manifest_get_total_size (self->manifest);
  if (offset > total || len > total - offset)
    {
      g_set_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_RANGE,
                   "package %s: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " are past its "
                   "end (%" G_GUINT64_FORMAT " bytes)", shoal_package_get_name (self), offset,
                   offset + len - 1, total);
      return FALSE;
    }
  return for_each_span (self, offset, buf, len, read_span, error);
}

static gboolean
prefetch_span (ShoalPackage *self, const ShoalManifestFile *f, int fd, guint64 in_file,
               guint8 *buf, gsize n, GError **error)
{
  posix_fadvise (fd, (off_t) in_file, (off_t) n, POSIX_FADV_WILLNEED);
  return TRUE;
}

void
shoal_package_prefetch (ShoalPackage *self,
                        guint64       offset,
                        guint64       len)
{
  guint64 total;

  g_return_if_fail (SHOAL_IS_PACKAGE (self));

  total = shoal_manifest_get_total_size (self->manifest);
  if (offset < total)
    for_each_span (self, offset, NULL, (gsize) MIN (len, total - offset), prefetch_span, NULL);
}

void
shoal_package_prefetch_func (guint64  offset,
                             guint64  len,
                             gpointer user_data)
{
  shoal_package_prefetch (SHOAL_PACKAGE (user_data), offset, len);
}

gboolean
shoal_package_read_func (guint64   offset,
                         guint8   *buf,
                         gsize     len,
                         gpointer  user_data,
                         GError  **error)
{
  return shoal_package_read (SHOAL_PACKAGE (user_data), offset, buf, len, error);
}
