/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Key files of the distribution point: checked on load, replaced atomically, set aside and
 * regenerated when damaged. See shoal-keystore.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-json-file.h"
#include "shoal-keystore.h"

/* Every key file is a JSON object:
 *   "format":  "shoal-signing-key" or "shoal-session-key"
 *   "version": 1
 *   "key":     the key bytes in lowercase hex (the Ed25519 seed, or the AES-256 key)
 *   "sha256":  lowercase hex SHA-256 of the key bytes, so that damage that still leaves
 *              well-formed JSON and hex is caught
 * plus, for reading by people and checked where derivable: "session" (the id, which must
 * match the file name), "public" and "fingerprint" (which must match the seed), "created". */
#define FORMAT_SIGNING    "shoal-signing-key"
#define FORMAT_SESSION    "shoal-session-key"
#define FORMAT_VERSION    1
#define SIGNING_FILE      "signing.key"
#define MAX_KEY_FILE_LEN  4096
#define MAX_SESSION_ID    128

struct _ShoalKeystore
{
  GObject parent_instance;

  char            *dir;
  ShoalSigningKey *signing;
  GMutex           lock;          /* guards sessions and the session key files */
  GHashTable      *sessions;      /* id -> guint8[SHOAL_AEAD_KEY_LEN] */
  GPtrArray       *retired;       /* signing keys replaced by a rotation */
};

G_DEFINE_TYPE (ShoalKeystore, shoal_keystore, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-keystore-error-quark, shoal_keystore_error)

static void
secret_free (gpointer p)
{
  memset (p, 0, SHOAL_AEAD_KEY_LEN);
  g_free (p);
}

static void
shoal_keystore_finalize (GObject *object)
{
  ShoalKeystore *self = SHOAL_KEYSTORE (object);

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->signing, shoal_signing_key_free);
  g_clear_pointer (&self->retired, g_ptr_array_unref);
  g_clear_pointer (&self->dir, g_free);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (shoal_keystore_parent_class)->finalize (object);
}

static void
shoal_keystore_class_init (ShoalKeystoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_keystore_finalize;
}

static void
shoal_keystore_init (ShoalKeystore *self)
{
  g_mutex_init (&self->lock);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, secret_free);
}

/* ---- key files ------------------------------------------------------------------------- */

static const char *
get_string (JsonObject *obj,
            const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Parses and checks @path. On success fills @key (@key_len bytes) and @obj_out (if not NULL)
 * with the file's object; otherwise returns FALSE with @error saying what is wrong
 * (G_FILE_ERROR_NOENT when the file is simply missing). */
static gboolean
read_key_file (const char  *path,
               const char  *format,
               const char  *session_id,
               guint8      *key,
               gsize        key_len,
               JsonObject **obj_out,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autofree char *digest_hex = NULL;
  JsonObject *obj;
  JsonNode *root, *version;
  const char *s;
  gsize len = 0;

  if (!shoal_json_file_read_secret (path, MAX_KEY_FILE_LEN, &text, &len, error))
    return FALSE;
  if (len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "“%s” is empty", path);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      /* json-glib says "<data>:LINE:COLUMN: ..." when it parses memory. */
      if (g_str_has_prefix (local->message, "<data>:"))
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "“%s” is not valid JSON at %s",
                     path, local->message + strlen ("<data>:"));
      else
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "“%s” is not valid JSON: %s",
                     path, local->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s” does not hold a JSON object", path);
      return FALSE;
    }
  obj = json_node_get_object (root);

  s = get_string (obj, "format");
  if (g_strcmp0 (s, format) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “format” is “%s”, expected “%s”", path, s ? s : "(missing)",
                   format);
      return FALSE;
    }
  version = json_object_get_member (obj, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version)
      || json_node_get_value_type (version) != G_TYPE_INT64
      || json_node_get_int (version) != FORMAT_VERSION)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “version” is not %d, the only version this Shoal reads",
                   path, FORMAT_VERSION);
      return FALSE;
    }
  if (session_id != NULL && g_strcmp0 (get_string (obj, "session"), session_id) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “session” does not name session “%s”", path, session_id);
      return FALSE;
    }
  s = get_string (obj, "key");
  if (s == NULL || !shoal_hex_decode (s, key, key_len))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “key” is not %" G_GSIZE_FORMAT " bytes of hex", path, key_len);
      return FALSE;
    }
  digest_hex = shoal_sha256_hex (key, key_len);
  if (g_strcmp0 (get_string (obj, "sha256"), digest_hex) != 0)
    {
      memset (key, 0, key_len);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: the key does not match its SHA-256 checksum (field “sha256”)", path);
      return FALSE;
    }
  if (obj_out != NULL)
    *obj_out = json_object_ref (obj);
  return TRUE;
}

static gboolean
write_key_file (const char            *path,
                const char            *format,
                const char            *session_id,
                const guint8          *key,
                gsize                  key_len,
                const ShoalSigningKey *signing,
                GError               **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format_iso8601 (now);
  g_autofree char *key_hex = shoal_hex_encode (key, key_len);
  g_autofree char *sum_hex = shoal_sha256_hex (key, key_len);
  g_autofree char *text = NULL;
  gsize len = 0;
  gboolean ok;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, format);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, FORMAT_VERSION);
  if (session_id != NULL)
    {
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, session_id);
    }
  if (signing != NULL)
    {
      guint8 pub[SHOAL_ED25519_PUBLIC_LEN];
      g_autofree char *pub_hex = NULL;

      shoal_signing_key_get_public (signing, pub);
      pub_hex = shoal_hex_encode (pub, sizeof pub);
      json_builder_set_member_name (b, "algorithm");
      json_builder_add_string_value (b, "ed25519");
      json_builder_set_member_name (b, "public");
      json_builder_add_string_value (b, pub_hex);
      json_builder_set_member_name (b, "fingerprint");
      json_builder_add_string_value (b, shoal_signing_key_get_fingerprint (signing));
    }
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, created);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, key_hex);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sum_hex);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  ok = shoal_atomic_write (path, text, len, 0600, error);

  /* Best effort against secrets in freed memory: json-glib's internal copies are not
   * cleared, ours are. */
  memset (key_hex, 0, strlen (key_hex));
  memset (text, 0, len);
  return ok;
}

/* ---- signing key ----------------------------------------------------------------------- */

/* "public" and "fingerprint" are there for people to read; a mismatch with the seed means
 * the file was edited or damaged. */
static gboolean
check_signing_extras (const char            *path,
                      JsonObject            *obj,
                      const ShoalSigningKey *key,
                      GError               **error)
{
  g_autofree char *pub_hex = NULL;
  guint8 pub[SHOAL_ED25519_PUBLIC_LEN];
  const char *s;

  shoal_signing_key_get_public (key, pub);
  pub_hex = shoal_hex_encode (pub, sizeof pub);
  s = get_string (obj, "public");
  if (s != NULL && g_ascii_strcasecmp (s, pub_hex) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “public” does not match the key", path);
      return FALSE;
    }
  s = get_string (obj, "fingerprint");
  if (s != NULL && g_strcmp0 (s, shoal_signing_key_get_fingerprint (key)) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: field “fingerprint” does not match the key", path);
      return FALSE;
    }
  return TRUE;
}

static ShoalSigningKey *
load_signing_key (const char *path,
                  GError    **error)
{
  g_autoptr(GError) damage = NULL;
  g_autoptr(ShoalSigningKey) key = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autofree char *moved = NULL;
  guint8 seed[SHOAL_ED25519_SEED_LEN];
  gboolean ok;

  if (read_key_file (path, FORMAT_SIGNING, NULL, seed, sizeof seed, &obj, &damage))
    {
      key = shoal_signing_key_new_from_seed (seed, &damage);
      memset (seed, 0, sizeof seed);
      if (key != NULL && check_signing_extras (path, obj, key, &damage))
        return g_steal_pointer (&key);
      g_clear_pointer (&key, shoal_signing_key_free);
    }

  /* Anything but a missing file is damage: keep it for inspection, never write over it. */
  if (!g_error_matches (damage, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      moved = shoal_json_file_set_aside (path, error);
      if (moved == NULL)
        return NULL;
    }

  key = shoal_signing_key_generate (error);
  if (key == NULL)
    return NULL;
  shoal_signing_key_get_seed (key, seed);
  ok = write_key_file (path, FORMAT_SIGNING, NULL, seed, sizeof seed, key, error);
  memset (seed, 0, sizeof seed);
  if (!ok)
    return NULL;

  if (moved != NULL)
    g_warning ("Damaged signing key file: %s. Moved it to “%s” and created a new signing key, "
               "fingerprint %s: clients that pinned the old fingerprint must be given this one",
               damage->message, moved, shoal_signing_key_get_fingerprint (key));
  else
    g_message ("Created the signing key “%s”, fingerprint %s", path,
               shoal_signing_key_get_fingerprint (key));
  return g_steal_pointer (&key);
}

/* ---- public API ------------------------------------------------------------------------ */

ShoalKeystore *
shoal_keystore_new (const char *state_dir,
                    GError    **error)
{
  g_autoptr(ShoalKeystore) self = NULL;
  g_autofree char *signing_path = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SHOAL_TYPE_KEYSTORE, NULL);
  self->dir = g_build_filename (state_dir, "keys", NULL);
  if (g_mkdir_with_parents (self->dir, 0700) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create the key directory “%s”: %s", self->dir,
                   g_strerror (saved_errno));
      return NULL;
    }
  /* An existing directory may have been created with a looser mode by hand. */
  if (g_chmod (self->dir, 0700) < 0)
    g_warning ("Could not restrict “%s” to mode 0700: %s", self->dir, g_strerror (errno));

  shoal_atomic_write_remove_stale (self->dir);

  signing_path = g_build_filename (self->dir, SIGNING_FILE, NULL);
  self->signing = load_signing_key (signing_path, error);
  if (self->signing == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const char *
shoal_keystore_get_dir (ShoalKeystore *self)
{
  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), NULL);

  return self->dir;
}

ShoalSigningKey *
shoal_keystore_get_signing_key (ShoalKeystore *self)
{
  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), NULL);

  return self->signing;
}

static gboolean
check_session_id (const char *id,
                  GError    **error)
{
  gsize len = strlen (id);

  if (len == 0 || len > MAX_SESSION_ID || id[0] == '.')
    goto bad;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
      goto bad;
  return TRUE;

bad:
  g_set_error (error, SHOAL_KEYSTORE_ERROR, SHOAL_KEYSTORE_ERROR_INVALID_ID,
               "Session id “%s” cannot name a key file: use 1 to %d letters, digits, '.', "
               "'_' or '-', not starting with '.'", id, MAX_SESSION_ID);
  return FALSE;
}

static char *
session_path (ShoalKeystore *self,
              const char    *id)
{
  g_autofree char *name = g_strdup_printf ("session-%s.key", id);

  return g_build_filename (self->dir, name, NULL);
}

static gboolean
new_session_key (ShoalKeystore *self,
                 const char    *id,
                 const char    *path,
                 guint8        *out,
                 GError       **error)
{
  guint8 key[SHOAL_AEAD_KEY_LEN];

  if (!shoal_random_key (key, sizeof key, error)
      || !write_key_file (path, FORMAT_SESSION, id, key, sizeof key, NULL, error))
    {
      memset (key, 0, sizeof key);
      return FALSE;
    }
  g_hash_table_insert (self->sessions, g_strdup (id), g_memdup2 (key, sizeof key));
  if (out != NULL)
    memcpy (out, key, sizeof key);
  memset (key, 0, sizeof key);
  return TRUE;
}

gboolean
shoal_keystore_get_session_key (ShoalKeystore *self,
                                const char    *session_id,
                                guint8        *out,
                                GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GError) damage = NULL;
  g_autofree char *path = NULL;
  g_autofree char *moved = NULL;
  guint8 key[SHOAL_AEAD_KEY_LEN];
  const guint8 *cached;

  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_session_id (session_id, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  cached = g_hash_table_lookup (self->sessions, session_id);
  if (cached != NULL)
    {
      memcpy (out, cached, SHOAL_AEAD_KEY_LEN);
      return TRUE;
    }

  path = session_path (self, session_id);
  if (read_key_file (path, FORMAT_SESSION, session_id, key, sizeof key, NULL, &damage))
    {
      g_hash_table_insert (self->sessions, g_strdup (session_id), g_memdup2 (key, sizeof key));
      memcpy (out, key, sizeof key);
      memset (key, 0, sizeof key);
      return TRUE;
    }
  if (g_error_matches (damage, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return new_session_key (self, session_id, path, out, error);

  /* Damaged: keep it for inspection, never write over it, and replace it with a new key. */
  moved = shoal_json_file_set_aside (path, error);
  if (moved == NULL || !new_session_key (self, session_id, path, out, error))
    return FALSE;
  g_warning ("Damaged session key file: %s. Moved it to “%s” and created a new key for "
             "session “%s”", damage->message, moved, session_id);
  return TRUE;
}

gboolean
shoal_keystore_rotate_session_key (ShoalKeystore *self,
                                   const char    *session_id,
                                   guint8        *out,
                                   GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_session_id (session_id, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  path = session_path (self, session_id);
  /* The rename in shoal_atomic_write is the commit point: the old file (and the cached key)
   * stay until the new file is complete on disk. */
  return new_session_key (self, session_id, path, out, error);
}

gboolean
shoal_keystore_rotate_signing_key (ShoalKeystore  *self,
                                   GError        **error)
{
  g_autoptr(ShoalSigningKey) key = NULL;
  g_autofree char *path = NULL;
  guint8 seed[SHOAL_ED25519_SEED_LEN];
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = shoal_signing_key_generate (error);
  if (key == NULL)
    return FALSE;
  path = g_build_filename (self->dir, SIGNING_FILE, NULL);
  shoal_signing_key_get_seed (key, seed);
  ok = write_key_file (path, FORMAT_SIGNING, NULL, seed, sizeof seed, key, error);
  memset (seed, 0, sizeof seed);
  if (!ok)
    return FALSE;
  g_message ("Replaced the signing key “%s”: fingerprint %s, was %s", path,
             shoal_signing_key_get_fingerprint (key),
             shoal_signing_key_get_fingerprint (self->signing));
  if (self->retired == NULL)
    self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_signing_key_free);
  g_ptr_array_add (self->retired, self->signing);
  self->signing = g_steal_pointer (&key);
  return TRUE;
}

gboolean
shoal_keystore_delete_session_key (ShoalKeystore *self,
                                   const char    *session_id,
                                   GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_KEYSTORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_session_id (session_id, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  path = session_path (self, session_id);
  if (g_unlink (path) < 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not delete the session key file “%s”: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  g_hash_table_remove (self->sessions, session_id);
  return TRUE;
}
