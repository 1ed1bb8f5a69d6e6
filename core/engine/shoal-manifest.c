/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalManifest: the package's files, block layout and SHA-256s, with a strict JSON parser
 * (the manifest comes over the network) and a canonical writer (the manifest gets signed). */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "shoal-crypto.h"
#include "shoal-manifest.h"
#include "shoal-protocol.h"

G_STATIC_ASSERT (SHOAL_DATA_OVERHEAD == SHOAL_DATA_HEADER_LEN + SHOAL_TAG_LEN);
G_STATIC_ASSERT (SHOAL_MANIFEST_HASH_LEN == SHOAL_SHA256_LEN);

/* Bounds that keep every offset computation far from overflow. */
#define MAX_TOTAL_SIZE  (G_GUINT64_CONSTANT (1) << 52)
#define MAX_PATH_LEN    4096
#define MAX_FILES       (1u << 22)

struct _ShoalManifest
{
  gatomicrefcount    ref;
  guint              version;
  char              *name;
  guint              symbol_size;
  guint              k;
  guint64            total_size;
  guint32            n_blocks;
  gint64             created;
  ShoalManifestFile *files;
  guint              n_files;
  guint8            *block_hashes;
  GHashTable        *by_path;      /* path -> index + 1 */
};

G_DEFINE_BOXED_TYPE (ShoalManifest, shoal_manifest, shoal_manifest_ref, shoal_manifest_unref)
G_DEFINE_QUARK (shoal-manifest-error-quark, shoal_manifest_error)

guint
shoal_symbol_size_for_mtu (guint mtu)
{
  guint size;

  if (mtu < 48 + SHOAL_DATA_OVERHEAD + SHOAL_MANIFEST_MIN_SYMBOL)
    return SHOAL_MANIFEST_MIN_SYMBOL;
  size = (mtu - 48 - SHOAL_DATA_OVERHEAD) & ~3u;
  return CLAMP (size, SHOAL_MANIFEST_MIN_SYMBOL, SHOAL_MANIFEST_MAX_SYMBOL);
}

gboolean
shoal_package_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;
  len = strlen (name);
  if (len > SHOAL_MANIFEST_MAX_NAME)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

gboolean
shoal_manifest_path_is_valid (const char  *path,
                              GError     **error)
{
  g_auto(GStrv) parts = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, FALSE);

  len = strlen (path);
  if (len == 0)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "empty file path");
      return FALSE;
    }
  if (len > MAX_PATH_LEN)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file path of %" G_GSIZE_FORMAT " bytes is longer than %d", len, MAX_PATH_LEN);
      return FALSE;
    }
  if (!g_utf8_validate (path, len, NULL))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file path \"%s\" is not valid UTF-8", path);
      return FALSE;
    }
  if (path[0] == '/')
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file path \"%s\" is absolute", path);
      return FALSE;
    }
  for (const char *p = path; *p; p++)
    {
      if (*p == '\\')
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                       "file path \"%s\" contains a backslash", path);
          return FALSE;
        }
      if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                       "file path \"%s\" contains a control character", path);
          return FALSE;
        }
    }
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *what = NULL;

      if (parts[i][0] == '\0')
        what = "an empty component";
      else if (strcmp (parts[i], ".") == 0)
        what = "a \".\" component";
      else if (strcmp (parts[i], "..") == 0)
        what = "a \"..\" component";
      if (what != NULL)
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                       "file path \"%s\" has %s", path, what);
          return FALSE;
        }
    }
  return TRUE;
}

static ShoalManifest *
manifest_alloc (void)
{
  ShoalManifest *self = g_new0 (ShoalManifest, 1);

  g_atomic_ref_count_init (&self->ref);
  self->version = SHOAL_MANIFEST_VERSION;
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

ShoalManifest *
shoal_manifest_ref (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
shoal_manifest_unref (ShoalManifest *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  for (guint i = 0; i < self->n_files; i++)
    g_free (self->files[i].path);
  g_free (self->files);
  g_free (self->block_hashes);
  g_free (self->name);
  g_hash_table_unref (self->by_path);
  g_free (self);
}

/* Files must not collide: no path twice, and no file where another needs a directory. */
static gboolean
check_path_set (ShoalManifest *self,
                GError       **error)
{
  for (guint i = 0; i < self->n_files; i++)
    if (!g_hash_table_insert (self->by_path, self->files[i].path, GUINT_TO_POINTER (i + 1)))
      {
        g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                     "manifest: files[%u].path \"%s\" appears twice", i, self->files[i].path);
        return FALSE;
      }
  for (guint i = 0; i < self->n_files; i++)
    {
      g_autofree char *dir = g_strdup (self->files[i].path);
      char *slash;

      while ((slash = strrchr (dir, '/')) != NULL)
        {
          *slash = '\0';
          if (g_hash_table_contains (self->by_path, dir))
            {
              g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                           "manifest: files[%u].path \"%s\" is inside \"%s\", which is a file",
                           i, self->files[i].path, dir);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* Blocks are numbered with 32 bits on the wire. */
static gboolean
too_many_blocks (guint64 total,
                 guint   symbol_size,
                 guint   k)
{
  guint64 block = (guint64) symbol_size * k;

  return (total + block - 1) / block > G_MAXUINT32;
}

static guint32
blocks_for (guint64 total,
            guint   symbol_size,
            guint   k)
{
  guint64 block = (guint64) symbol_size * k;

  return (guint32) ((total + block - 1) / block);
}

/* ---- JSON in ---------------------------------------------------------------------------- */

static const char *const manifest_members[] = {
  "version", "name", "created", "symbol_size", "k", "total_size", "n_blocks", "files",
  "block_sha256", NULL
};
static const char *const file_members[] = { "path", "offset", "size", "sha256", NULL };

static gboolean
check_members (JsonObject         *obj,
               const char *const  *allowed,
               const char         *where,
               GError            **error)
{
  g_autoptr(GList) names = json_object_get_members (obj);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                     "manifest: %s has an unknown member \"%s\"", where, (char *) l->data);
        return FALSE;
      }
  for (guint i = 0; allowed[i] != NULL; i++)
    if (!json_object_has_member (obj, allowed[i]))
      {
        g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                     "manifest: %s lacks the member \"%s\"", where, allowed[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
get_uint (JsonObject  *obj,
          const char  *member,
          const char  *where,
          guint64      max,
          guint64     *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  gint64 v;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: %s%s is not an integer", where, member);
      return FALSE;
    }
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > max)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: %s%s = %" G_GINT64_FORMAT " is out of range (0..%" G_GUINT64_FORMAT
                   ")", where, member, v, max);
      return FALSE;
    }
  *out = (guint64) v;
  return TRUE;
}

static const char *
get_string (JsonObject  *obj,
            const char  *member,
            const char  *where,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: %s%s is not a string", where, member);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
decode_hex (const char *hex,
            guint8     *out,
            gsize       out_len)
{
  if (strlen (hex) != out_len * 2)
    return FALSE;
  for (gsize i = 0; i < out_len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0 || g_ascii_isupper (hex[2 * i]) || g_ascii_isupper (hex[2 * i + 1]))
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static void
append_hex (GString      *s,
            const guint8 *data,
            gsize         len)
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < len; i++)
    {
      g_string_append_c (s, digits[data[i] >> 4]);
      g_string_append_c (s, digits[data[i] & 15]);
    }
}

/* g_base64_decode() skips what it does not understand; a signed manifest must not. */
static guint8 *
decode_base64_strict (const char  *text,
                      gsize        expected,
                      GError     **error)
{
  gsize len = strlen (text);
  gsize pad = 0;
  g_autofree guint8 *out = NULL;
  gsize out_len;

  if (len % 4 != 0)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: block_sha256 is not valid base64 (length %" G_GSIZE_FORMAT
                   " is not a multiple of 4)", len);
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=' && i >= len - 2)
        {
          pad++;
          continue;
        }
      if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: block_sha256 is not valid base64 (character %" G_GSIZE_FORMAT
                       " is '%c')", i, g_ascii_isprint (c) ? c : '?');
          return NULL;
        }
    }
  if (len == 0)
    out = NULL, out_len = 0;
  else
    out = g_base64_decode (text, &out_len);
  if (out_len != expected)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: block_sha256 holds %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT
                   " expected (32 per block)", out_len, expected);
      return NULL;
    }
  return g_steal_pointer (&out);
}

static gboolean
parse_files (ShoalManifest  *self,
             JsonNode       *node,
             GError        **error)
{
  JsonArray *array;
  guint64 next = 0;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: files is not an array");
      return FALSE;
    }
  array = json_node_get_array (node);
  self->n_files = json_array_get_length (array);
  if (self->n_files == 0 || self->n_files > MAX_FILES)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: files lists %u files (1..%u allowed)", self->n_files, MAX_FILES);
      self->n_files = 0;
      return FALSE;
    }
  self->files = g_new0 (ShoalManifestFile, self->n_files);

  for (guint i = 0; i < self->n_files; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      ShoalManifestFile *f = &self->files[i];
      g_autofree char *where = g_strdup_printf ("files[%u]", i);
      g_autofree char *prefix = g_strdup_printf ("files[%u].", i);
      g_autoptr(GError) local = NULL;
      const char *path, *sha;
      JsonObject *obj;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: %s is not an object", where);
          return FALSE;
        }
      obj = json_node_get_object (item);
      if (!check_members (obj, file_members, where, error))
        return FALSE;
      if ((path = get_string (obj, "path", prefix, error)) == NULL)
        return FALSE;
      if (!shoal_manifest_path_is_valid (path, &local))
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: %spath: %s", prefix, local->message);
          return FALSE;
        }
      f->path = g_strdup (path);
      if (!get_uint (obj, "offset", prefix, MAX_TOTAL_SIZE, &f->offset, error) ||
          !get_uint (obj, "size", prefix, MAX_TOTAL_SIZE, &f->size, error))
        return FALSE;
      if (f->offset != next)
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: %s \"%s\" starts at offset %" G_GUINT64_FORMAT ", but the "
                       "files before it end at %" G_GUINT64_FORMAT " (%s)", where, path,
                       f->offset, next, f->offset < next ? "overlap" : "gap");
          return FALSE;
        }
      next += f->size;
      if (next > MAX_TOTAL_SIZE)
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: the files up to %s add up to more than %" G_GUINT64_FORMAT
                       " bytes", where, MAX_TOTAL_SIZE);
          return FALSE;
        }
      if ((sha = get_string (obj, "sha256", prefix, error)) == NULL)
        return FALSE;
      if (!decode_hex (sha, f->sha256, sizeof f->sha256))
        {
          g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                       "manifest: %ssha256 of \"%s\" is not 64 lowercase hex digits", prefix,
                       path);
          return FALSE;
        }
    }
  if (next != self->total_size)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: the file sizes add up to %" G_GUINT64_FORMAT " bytes, but "
                   "total_size is %" G_GUINT64_FORMAT, next, self->total_size);
      return FALSE;
    }
  return check_path_set (self, error);
}

ShoalManifest *
shoal_manifest_new_from_json (const char  *data,
                              gsize        len,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(ShoalManifest) self = manifest_alloc ();
  g_autoptr(GError) local = NULL;
  g_autoptr(GDateTime) created = NULL;
  g_autofree guint8 *hashes = NULL;
  JsonObject *root;
  const char *name, *created_text, *b64;
  guint64 v;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: not JSON: %s", local ? local->message : "too large");
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: the document is not a JSON object");
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  /* The version first, so that a newer manifest is reported as such rather than as a
   * member this version does not know. */
  if (!json_object_has_member (root, "version"))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: lacks the member \"version\"");
      return NULL;
    }
  if (!get_uint (root, "version", "", G_MAXUINT32, &v, error))
    return NULL;
  if (v != SHOAL_MANIFEST_VERSION)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: version %" G_GUINT64_FORMAT " is not supported (this is version "
                   "%d)", v, SHOAL_MANIFEST_VERSION);
      return NULL;
    }
  if (!check_members (root, manifest_members, "the document", error))
    return NULL;

  if ((name = get_string (root, "name", "", error)) == NULL)
    return NULL;
  if (!shoal_package_name_is_valid (name))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: name \"%s\" is not a valid package name "
                   "([A-Za-z0-9._-], 1 to 64 characters, not starting with '.')", name);
      return NULL;
    }
  self->name = g_strdup (name);

  if ((created_text = get_string (root, "created", "", error)) == NULL)
    return NULL;
  created = g_date_time_new_from_iso8601 (created_text, NULL);
  if (created == NULL)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: created \"%s\" is not an ISO 8601 time with a time zone",
                   created_text);
      return NULL;
    }
  self->created = g_date_time_to_unix (created);

  if (!get_uint (root, "symbol_size", "", G_MAXUINT32, &v, error))
    return NULL;
  if (v < SHOAL_MANIFEST_MIN_SYMBOL || v > SHOAL_MANIFEST_MAX_SYMBOL)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: symbol_size %" G_GUINT64_FORMAT " is out of range (%d..%d)", v,
                   SHOAL_MANIFEST_MIN_SYMBOL, SHOAL_MANIFEST_MAX_SYMBOL);
      return NULL;
    }
  self->symbol_size = (guint) v;
  if (!get_uint (root, "k", "", G_MAXUINT32, &v, error))
    return NULL;
  if (v < SHOAL_MANIFEST_MIN_K || v > SHOAL_MANIFEST_MAX_K)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: k %" G_GUINT64_FORMAT " is out of range (%d..%d)", v,
                   SHOAL_MANIFEST_MIN_K, SHOAL_MANIFEST_MAX_K);
      return NULL;
    }
  self->k = (guint) v;

  if (!get_uint (root, "total_size", "", MAX_TOTAL_SIZE, &self->total_size, error))
    return NULL;
  if (self->total_size == 0)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: total_size is 0: a package needs at least one byte");
      return NULL;
    }
  if (too_many_blocks (self->total_size, self->symbol_size, self->k))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: %" G_GUINT64_FORMAT " bytes in blocks of %u x %u bytes make too "
                   "many blocks", self->total_size, self->k, self->symbol_size);
      return NULL;
    }
  if (!get_uint (root, "n_blocks", "", G_MAXUINT32, &v, error))
    return NULL;
  self->n_blocks = blocks_for (self->total_size, self->symbol_size, self->k);
  if (v != self->n_blocks)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID,
                   "manifest: n_blocks is %" G_GUINT64_FORMAT ", but %" G_GUINT64_FORMAT
                   " bytes in blocks of %u x %u bytes make %u", v, self->total_size, self->k,
                   self->symbol_size, self->n_blocks);
      return NULL;
    }

  if (!parse_files (self, json_object_get_member (root, "files"), error))
    return NULL;

  if ((b64 = get_string (root, "block_sha256", "", error)) == NULL)
    return NULL;
  self->block_hashes = decode_base64_strict (b64, (gsize) self->n_blocks *
                                             SHOAL_MANIFEST_HASH_LEN, error);
  if (self->block_hashes == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/* ---- JSON out --------------------------------------------------------------------------- */

static void
append_json_string (GString    *s,
                    const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, (char) c);
        }
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

GBytes *
shoal_manifest_to_json (ShoalManifest *self)
{
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *created_text = NULL;
  g_autofree char *b64 = NULL;
  GString *s;

  g_return_val_if_fail (self != NULL, NULL);

  created = g_date_time_new_from_unix_utc (self->created);
  created_text = g_date_time_format (created, "%Y-%m-%dT%H:%M:%SZ");
  b64 = g_base64_encode (self->block_hashes, (gsize) self->n_blocks * SHOAL_MANIFEST_HASH_LEN);
  s = g_string_sized_new (256 + strlen (b64) + self->n_files * 160);

  g_string_append_printf (s, "{\n  \"version\": %u,\n  \"name\": ", self->version);
  append_json_string (s, self->name);
  g_string_append_printf (s, ",\n  \"created\": \"%s\",\n", created_text);
  g_string_append_printf (s, "  \"symbol_size\": %u,\n  \"k\": %u,\n", self->symbol_size, self->k);
  g_string_append_printf (s, "  \"total_size\": %" G_GUINT64_FORMAT ",\n  \"n_blocks\": %u,\n",
                          self->total_size, self->n_blocks);
  g_string_append (s, "  \"files\": [\n");
  for (guint i = 0; i < self->n_files; i++)
    {
      const ShoalManifestFile *f = &self->files[i];

      g_string_append (s, "    {\"path\": ");
      append_json_string (s, f->path);
      g_string_append_printf (s, ", \"offset\": %" G_GUINT64_FORMAT ", \"size\": %"
                              G_GUINT64_FORMAT ", \"sha256\": \"", f->offset, f->size);
      append_hex (s, f->sha256, sizeof f->sha256);
      g_string_append (s, i + 1 < self->n_files ? "\"},\n" : "\"}\n");
    }
  g_string_append_printf (s, "  ],\n  \"block_sha256\": \"%s\"\n}\n", b64);
  return g_string_free_to_bytes (s);
}

gboolean
shoal_manifest_equal (ShoalManifest *a,
                      ShoalManifest *b)
{
  g_autoptr(GBytes) ja = NULL;
  g_autoptr(GBytes) jb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a == b)
    return TRUE;
  ja = shoal_manifest_to_json (a);
  jb = shoal_manifest_to_json (b);
  return g_bytes_equal (ja, jb);
}

/* ---- accessors -------------------------------------------------------------------------- */

guint
shoal_manifest_get_version (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->version;
}

const char *
shoal_manifest_get_name (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint
shoal_manifest_get_symbol_size (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->symbol_size;
}

guint
shoal_manifest_get_k (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->k;
}

guint64
shoal_manifest_get_total_size (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_size;
}

guint32
shoal_manifest_get_n_blocks (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_blocks;
}

guint64
shoal_manifest_get_block_size (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint64) self->symbol_size * self->k;
}

void
shoal_manifest_get_layout (ShoalManifest *self,
                           ShoalLayout   *layout)
{
  g_return_if_fail (self != NULL && layout != NULL);

  layout->total_size = self->total_size;
  layout->symbol_size = self->symbol_size;
  layout->k = self->k;
}

gint64
shoal_manifest_get_created (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->created;
}

guint
shoal_manifest_get_n_files (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_files;
}

const ShoalManifestFile *
shoal_manifest_get_file (ShoalManifest *self,
                         guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_files, NULL);
  return &self->files[index];
}

int
shoal_manifest_lookup_path (ShoalManifest *self,
                            const char    *path)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (path != NULL, -1);
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->by_path, path)) - 1;
}

const guint8 *
shoal_manifest_get_block_hashes (ShoalManifest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->block_hashes;
}

const guint8 *
shoal_manifest_get_block_sha256 (ShoalManifest *self,
                                 guint32        block)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (block < self->n_blocks, NULL);
  return self->block_hashes + (gsize) block * SHOAL_MANIFEST_HASH_LEN;
}

gboolean
shoal_manifest_block_range (ShoalManifest *self,
                            guint32        block,
                            guint64       *offset,
                            guint64       *len)
{
  guint64 block_size, start;

  g_return_val_if_fail (self != NULL, FALSE);

  if (block >= self->n_blocks)
    return FALSE;
  block_size = (guint64) self->symbol_size * self->k;
  start = (guint64) block * block_size;
  if (offset)
    *offset = start;
  if (len)
    *len = MIN (block_size, self->total_size - start);
  return TRUE;
}

int
shoal_manifest_find_file (ShoalManifest *self,
                          guint64        stream_offset)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, -1);

  if (stream_offset >= self->total_size)
    return -1;
  /* The last file starting at or before the offset: it cannot be an empty one, because a
   * non-empty file that holds the offset starts there too or later. */
  hi = self->n_files;
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->files[mid].offset <= stream_offset)
        lo = mid;
      else
        hi = mid;
    }
  g_assert (stream_offset - self->files[lo].offset < self->files[lo].size);
  return (int) lo;
}

GArray *
shoal_manifest_range_spans (ShoalManifest *self,
                            guint64        offset,
                            guint64        len)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (ShoalManifestSpan));
  int i;

  g_return_val_if_fail (self != NULL, spans);

  if (offset >= self->total_size)
    return spans;
  len = MIN (len, self->total_size - offset);
  i = shoal_manifest_find_file (self, offset);
  while (len > 0 && i >= 0 && (guint) i < self->n_files)
    {
      const ShoalManifestFile *f = &self->files[i];
      ShoalManifestSpan span;

      if (f->size > 0)
        {
          span.file = (guint) i;
          span.file_offset = offset - f->offset;
          span.stream_offset = offset;
          span.len = MIN (len, f->size - span.file_offset);
          g_array_append_val (spans, span);
          offset += span.len;
          len -= span.len;
        }
      i++;
    }
  return spans;
}

GArray *
shoal_manifest_block_spans (ShoalManifest *self,
                            guint32        block)
{
  guint64 offset, len;

  g_return_val_if_fail (self != NULL, NULL);

  if (!shoal_manifest_block_range (self, block, &offset, &len))
    return g_array_new (FALSE, FALSE, sizeof (ShoalManifestSpan));
  return shoal_manifest_range_spans (self, offset, len);
}

char *
shoal_manifest_describe_range (ShoalManifest *self,
                               guint64        offset,
                               guint64        len)
{
  g_autoptr(GArray) spans = NULL;
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  spans = shoal_manifest_range_spans (self, offset, len);
  for (guint i = 0; i < spans->len; i++)
    {
      const ShoalManifestSpan *span = &g_array_index (spans, ShoalManifestSpan, i);

      g_string_append_printf (s, "%s%s bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                              i > 0 ? ", " : "", self->files[span->file].path,
                              span->file_offset, span->file_offset + span->len - 1);
    }
  if (spans->len == 0)
    g_string_append (s, "nothing (past the end of the package)");
  return g_string_free (s, FALSE);
}

char *
shoal_manifest_describe_block (ShoalManifest *self,
                               guint32        block)
{
  g_autofree char *files = NULL;
  guint64 offset, len;

  g_return_val_if_fail (self != NULL, NULL);

  if (!shoal_manifest_block_range (self, block, &offset, &len))
    return g_strdup_printf ("block %u (past the last block, %u)", block, self->n_blocks - 1);
  files = shoal_manifest_describe_range (self, offset, len);
  return g_strdup_printf ("block %u (bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                          " of the stream: %s)", block, offset, offset + len - 1, files);
}

gboolean
shoal_manifest_check_block (ShoalManifest *self,
                            guint32        block,
                            const guint8  *data,
                            gsize          len,
                            GError       **error)
{
  guint8 digest[SHOAL_MANIFEST_HASH_LEN];
  g_autofree char *where = NULL;
  guint64 expected_len;
  const guint8 *expected;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!shoal_manifest_block_range (self, block, NULL, &expected_len))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "package %s has no block %u (it has %u)", self->name, block, self->n_blocks);
      return FALSE;
    }
  if (len != expected_len)
    {
      where = shoal_manifest_describe_block (self, block);
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE,
                   "package %s, %s: %" G_GSIZE_FORMAT " bytes given, %" G_GUINT64_FORMAT
                   " expected", self->name, where, len, expected_len);
      return FALSE;
    }
  shoal_sha256 (data, len, digest);
  expected = shoal_manifest_get_block_sha256 (self, block);
  if (memcmp (digest, expected, sizeof digest) != 0)
    {
      g_autofree char *e = shoal_hex_encode (expected, SHOAL_MANIFEST_HASH_LEN);
      g_autofree char *g = shoal_hex_encode (digest, sizeof digest);

      where = shoal_manifest_describe_block (self, block);
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_HASH_MISMATCH,
                   "package %s: SHA-256 mismatch in %s: expected %s, got %s", self->name, where,
                   e, g);
      return FALSE;
    }
  return TRUE;
}

/* ---- builder ---------------------------------------------------------------------------- */

struct _ShoalManifestBuilder
{
  ShoalManifest   *m;              /* being filled in */
  GArray          *files;          /* ShoalManifestFile */
  GHashTable      *paths;
  guint64          total;
  gboolean         started;

  ShoalSha256     *block_hash;
  guint64          block_pos;      /* stream bytes through update_blocks() */
  GByteArray      *block_hashes;

  ShoalSha256     *file_hash;
  guint64          file_pos;       /* stream bytes through update_files() */
  guint            file_index;     /* the file update_files() is in */
};

ShoalManifestBuilder *
shoal_manifest_builder_new (const char  *name,
                            guint        symbol_size,
                            guint        k,
                            GError     **error)
{
  ShoalManifestBuilder *b;

  g_return_val_if_fail (name != NULL, NULL);

  if (!shoal_package_name_is_valid (name))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "\"%s\" is not a valid package name ([A-Za-z0-9._-], 1 to 64 characters, "
                   "not starting with '.')", name);
      return NULL;
    }
  if (symbol_size < SHOAL_MANIFEST_MIN_SYMBOL || symbol_size > SHOAL_MANIFEST_MAX_SYMBOL)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "symbol size %u is out of range (%d..%d)", symbol_size,
                   SHOAL_MANIFEST_MIN_SYMBOL, SHOAL_MANIFEST_MAX_SYMBOL);
      return NULL;
    }
  if (k < SHOAL_MANIFEST_MIN_K || k > SHOAL_MANIFEST_MAX_K)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "k %u is out of range (%d..%d)", k, SHOAL_MANIFEST_MIN_K,
                   SHOAL_MANIFEST_MAX_K);
      return NULL;
    }

  b = g_new0 (ShoalManifestBuilder, 1);
  b->m = manifest_alloc ();
  b->m->name = g_strdup (name);
  b->m->symbol_size = symbol_size;
  b->m->k = k;
  b->files = g_array_new (FALSE, TRUE, sizeof (ShoalManifestFile));
  b->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b->block_hashes = g_byte_array_new ();
  b->block_hash = shoal_sha256_new ();
  b->file_hash = shoal_sha256_new ();
  return b;
}

void
shoal_manifest_builder_free (ShoalManifestBuilder *b)
{
  if (b == NULL)
    return;
  for (guint i = 0; i < b->files->len; i++)
    g_free (g_array_index (b->files, ShoalManifestFile, i).path);
  g_array_unref (b->files);
  g_hash_table_unref (b->paths);
  g_byte_array_unref (b->block_hashes);
  shoal_sha256_free (b->block_hash);
  shoal_sha256_free (b->file_hash);
  g_clear_pointer (&b->m, shoal_manifest_unref);
  g_free (b);
}

gboolean
shoal_manifest_builder_add_file (ShoalManifestBuilder *b,
                                 const char           *path,
                                 guint64               size,
                                 GError              **error)
{
  ShoalManifestFile f = { 0 };

  g_return_val_if_fail (b != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!b->started, FALSE);

  if (!shoal_manifest_path_is_valid (path, error))
    return FALSE;
  if (g_hash_table_contains (b->paths, path))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file path \"%s\" is listed twice", path);
      return FALSE;
    }
  if (size > MAX_TOTAL_SIZE - b->total)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file \"%s\" (%" G_GUINT64_FORMAT " bytes) makes the package larger than "
                   "%" G_GUINT64_FORMAT " bytes", path, size, MAX_TOTAL_SIZE);
      return FALSE;
    }
  if (b->files->len >= MAX_FILES)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file \"%s\": a package holds at most %u files", path, MAX_FILES);
      return FALSE;
    }
  if (too_many_blocks (b->total + size, b->m->symbol_size, b->m->k))
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT,
                   "file \"%s\" makes the package more than 2^32 blocks of %u x %u bytes",
                   path, b->m->k, b->m->symbol_size);
      return FALSE;
    }
  f.path = g_strdup (path);
  f.offset = b->total;
  f.size = size;
  g_array_append_val (b->files, f);
  g_hash_table_add (b->paths, g_strdup (path));
  b->total += size;
  return TRUE;
}

void
shoal_manifest_builder_set_created (ShoalManifestBuilder *b,
                                    gint64                unix_time)
{
  g_return_if_fail (b != NULL);
  b->m->created = unix_time;
}

guint64
shoal_manifest_builder_get_total_size (ShoalManifestBuilder *b)
{
  g_return_val_if_fail (b != NULL, 0);
  return b->total;
}

static gboolean
check_overflow (ShoalManifestBuilder *b,
                guint64               pos,
                gsize                 len,
                GError              **error)
{
  b->started = TRUE;
  if (len > b->total - pos)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE,
                   "package %s: stream data goes past the %" G_GUINT64_FORMAT " bytes its "
                   "files declare (a file grew while it was read?)", b->m->name, b->total);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_manifest_builder_update_blocks (ShoalManifestBuilder *b,
                                      const guint8         *data,
                                      gsize                 len,
                                      GError              **error)
{
  guint64 block_size;

  g_return_val_if_fail (b != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!check_overflow (b, b->block_pos, len, error))
    return FALSE;
  block_size = (guint64) b->m->symbol_size * b->m->k;
  while (len > 0)
    {
      gsize n = (gsize) MIN ((guint64) len, block_size - b->block_pos % block_size);

      shoal_sha256_update (b->block_hash, data, n);
      data += n;
      len -= n;
      b->block_pos += n;
      if (b->block_pos % block_size == 0 || b->block_pos == b->total)
        {
          guint8 digest[SHOAL_MANIFEST_HASH_LEN];

          shoal_sha256_finish (b->block_hash, digest);
          g_byte_array_append (b->block_hashes, digest, sizeof digest);
        }
    }
  return TRUE;
}

/* Closes the files that end at the current position, empty ones included. */
static void
finish_files (ShoalManifestBuilder *b)
{
  while (b->file_index < b->files->len)
    {
      ShoalManifestFile *f = &g_array_index (b->files, ShoalManifestFile, b->file_index);

      if (b->file_pos < f->offset + f->size)
        break;
      shoal_sha256_finish (b->file_hash, f->sha256);
      b->file_index++;
    }
}

gboolean
shoal_manifest_builder_update_files (ShoalManifestBuilder *b,
                                     const guint8         *data,
                                     gsize                 len,
                                     GError              **error)
{
  g_return_val_if_fail (b != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!check_overflow (b, b->file_pos, len, error))
    return FALSE;
  while (len > 0)
    {
      ShoalManifestFile *f;
      gsize n;

      finish_files (b);
      g_assert (b->file_index < b->files->len);
      f = &g_array_index (b->files, ShoalManifestFile, b->file_index);
      n = (gsize) MIN ((guint64) len, f->offset + f->size - b->file_pos);
      shoal_sha256_update (b->file_hash, data, n);
      data += n;
      len -= n;
      b->file_pos += n;
    }
  finish_files (b);
  return TRUE;
}

gboolean
shoal_manifest_builder_update (ShoalManifestBuilder *b,
                               const guint8         *data,
                               gsize                 len,
                               GError              **error)
{
  return shoal_manifest_builder_update_blocks (b, data, len, error) &&
         shoal_manifest_builder_update_files (b, data, len, error);
}

ShoalManifest *
shoal_manifest_builder_end (ShoalManifestBuilder *b,
                            GError              **error)
{
  ShoalManifest *m;
  guint64 done;

  g_return_val_if_fail (b != NULL, NULL);
  g_return_val_if_fail (b->m != NULL, NULL);

  if (b->files->len == 0 || b->total == 0)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE,
                   "package %s has no content (%u files, 0 bytes)", b->m->name, b->files->len);
      return NULL;
    }
  finish_files (b);
  done = MIN (b->block_pos, b->file_pos);
  if (done != b->total || b->block_pos != b->file_pos)
    {
      g_set_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE,
                   "package %s: the stream ended after %" G_GUINT64_FORMAT " bytes, but its "
                   "files declare %" G_GUINT64_FORMAT " (a file shrank while it was read?)",
                   b->m->name, done, b->total);
      return NULL;
    }

  m = g_steal_pointer (&b->m);
  m->total_size = b->total;
  m->n_blocks = blocks_for (b->total, m->symbol_size, m->k);
  g_assert (b->block_hashes->len == (gsize) m->n_blocks * SHOAL_MANIFEST_HASH_LEN);
  m->block_hashes = g_byte_array_free (g_steal_pointer (&b->block_hashes), FALSE);
  b->block_hashes = g_byte_array_new ();
  m->n_files = b->files->len;
  m->files = (ShoalManifestFile *) (gpointer) g_array_free (g_steal_pointer (&b->files), FALSE);
  b->files = g_array_new (FALSE, TRUE, sizeof (ShoalManifestFile));
  if (!check_path_set (m, error))
    {
      shoal_manifest_unref (m);
      return NULL;
    }
  return m;
}
