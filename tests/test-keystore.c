/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's key files: created once, kept across restarts, rotated atomically,
 * and, whatever damage they suffer, set aside and regenerated with a warning instead of
 * leaving sessions broken until someone deletes them by hand. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-json-file.h"
#include "shoal-keystore.h"
#include "state-utils.h"

typedef struct
{
  char *state;
  char *keys;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->state = shoal_test_state_dir_new ();
  f->keys = g_build_filename (f->state, "keys", NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  shoal_test_state_rm_rf (f->state);
  g_free (f->state);
  g_free (f->keys);
}

/* A keystore on a directory that has one already: no log lines expected. */
static ShoalKeystore *
open_keystore (const char *state)
{
  g_autoptr(GError) error = NULL;
  ShoalKeystore *ks = shoal_keystore_new (state, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ks);
  return ks;
}

/* A keystore on a fresh directory, which announces its new signing key. */
static ShoalKeystore *
create_keystore (const char *state)
{
  ShoalKeystore *ks;

  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "*Created the signing key*SHA256:*");
  ks = open_keystore (state);
  g_test_assert_expected_messages ();
  return ks;
}

static void
get_key (ShoalKeystore *ks,
         const char    *id,
         guint8        *out)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_keystore_get_session_key (ks, id, out, &error));
  g_assert_no_error (error);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

static void
assert_no_leftovers (const char *keys)
{
  g_auto(GStrv) temps = shoal_test_state_list (keys, ".");

  g_assert_cmpuint (g_strv_length (temps), ==, 0);
}

static void
test_create_and_reload (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ShoalKeystore) ks = create_keystore (f->state);
  g_autoptr(ShoalKeystore) again = NULL;
  g_autofree char *signing = g_build_filename (f->keys, "signing.key", NULL);
  g_autofree char *session = g_build_filename (f->keys, "session-s1.key", NULL);
  g_autofree char *fingerprint = NULL;
  g_autofree char *text = NULL;
  guint8 k1[32], k2[32], k1_again[32];

  assert_mode (f->keys, 0700);
  assert_mode (signing, 0600);
  fingerprint = g_strdup (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)));

  get_key (ks, "s1", k1);
  get_key (ks, "s2", k2);
  g_assert_true (memcmp (k1, k2, sizeof k1) != 0);
  assert_mode (session, 0600);
  get_key (ks, "s1", k1_again);
  g_assert_cmpmem (k1, sizeof k1, k1_again, sizeof k1_again);

  /* The file says what it is, in a form an admin can read and check. */
  text = shoal_test_state_read (session, NULL);
  g_assert_nonnull (strstr (text, "\"format\" : \"shoal-session-key\""));
  g_assert_nonnull (strstr (text, "\"version\" : 1"));
  g_assert_nonnull (strstr (text, "\"session\" : \"s1\""));
  g_assert_nonnull (strstr (text, "\"sha256\" : \""));

  /* A restart finds the same keys. */
  g_clear_object (&ks);
  again = open_keystore (f->state);
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (again)), ==,
                   fingerprint);
  get_key (again, "s1", k1_again);
  g_assert_cmpmem (k1, sizeof k1, k1_again, sizeof k1_again);
  assert_no_leftovers (f->keys);
}

static void
test_rotate_and_delete (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ShoalKeystore) ks = create_keystore (f->state);
  g_autoptr(GError) error = NULL;
  guint8 before[32], rotated[32], now[32], fresh[32];

  get_key (ks, "s1", before);
  g_assert_true (shoal_keystore_rotate_session_key (ks, "s1", rotated, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (before, rotated, sizeof before) != 0);
  get_key (ks, "s1", now);
  g_assert_cmpmem (now, sizeof now, rotated, sizeof rotated);

  /* Rotation is on disk, not only in memory. */
  g_clear_object (&ks);
  ks = open_keystore (f->state);
  get_key (ks, "s1", now);
  g_assert_cmpmem (now, sizeof now, rotated, sizeof rotated);

  /* Rotating a session that had no key yet creates one. */
  g_assert_true (shoal_keystore_rotate_session_key (ks, "s9", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (shoal_keystore_delete_session_key (ks, "s1", &error));
  g_assert_true (shoal_keystore_delete_session_key (ks, "s1", &error));
  g_assert_true (shoal_keystore_delete_session_key (ks, "never-made", &error));
  g_assert_no_error (error);
  get_key (ks, "s1", fresh);
  g_assert_true (memcmp (fresh, rotated, sizeof fresh) != 0);
  assert_no_leftovers (f->keys);
}

static void
test_invalid_id (Fixture      *f,
                 gconstpointer data)
{
  static const char *const bad[] = { "", ".", "..", "../x", "a/b", ".hidden", "s 1", "ß" };
  g_autoptr(ShoalKeystore) ks = create_keystore (f->state);
  g_autofree char *long_id = g_strnfill (129, 'a');
  guint8 key[32];

  for (gsize i = 0; i <= G_N_ELEMENTS (bad); i++)
    {
      const char *id = i < G_N_ELEMENTS (bad) ? bad[i] : long_id;
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_keystore_get_session_key (ks, id, key, &error));
      g_assert_error (error, SHOAL_KEYSTORE_ERROR, SHOAL_KEYSTORE_ERROR_INVALID_ID);
      g_clear_error (&error);
      g_assert_false (shoal_keystore_rotate_session_key (ks, id, key, &error));
      g_assert_error (error, SHOAL_KEYSTORE_ERROR, SHOAL_KEYSTORE_ERROR_INVALID_ID);
    }
  g_free (long_id);
  long_id = g_strnfill (128, 'a');
  get_key (ks, long_id, key);
  get_key (ks, "2024-05-01_lab.B-7", key);
}

/* ---- damage ---------------------------------------------------------------------------- */

typedef void (*DamageFunc) (const char *path,
                            const char *other_valid);

static void
replace_in_file (const char *path,
                 const char *from,
                 const char *to)
{
  g_autofree char *text = shoal_test_state_read (path, NULL);
  char *at = strstr (text, from);
  g_autofree char *changed = NULL;

  g_assert_nonnull (at);
  changed = g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
  shoal_test_state_write (path, changed, strlen (changed));
}

/* Changes one hex digit of @member's value: still well-formed, no longer the same key. */
static void
flip_hex_digit (const char *path,
                const char *member)
{
  g_autofree char *text = shoal_test_state_read (path, NULL);
  g_autofree char *needle = g_strdup_printf ("\"%s\" : \"", member);
  char *at = strstr (text, needle);

  g_assert_nonnull (at);
  at += strlen (needle) + 5;
  *at = *at == '0' ? '1' : '0';
  shoal_test_state_write (path, text, strlen (text));
}

static void
damage_truncate (const char *path, const char *other)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);

  shoal_test_state_write (path, text, len / 2);
}

static void
damage_flip_key (const char *path, const char *other)
{
  flip_hex_digit (path, "key");
}

static void
damage_flip_checksum (const char *path, const char *other)
{
  flip_hex_digit (path, "sha256");
}

static void
damage_flip_first_byte (const char *path, const char *other)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);

  text[0] ^= 0x01;
  shoal_test_state_write (path, text, len);
}

static void
damage_garbage (const char *path, const char *other)
{
  char junk[300];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (char) g_random_int ();
  shoal_test_state_write (path, junk, sizeof junk);
}

static void
damage_zeros (const char *path, const char *other)
{
  gsize len;
  g_autofree char *text = shoal_test_state_read (path, &len);

  /* What a power cut on some file systems leaves: the right size, all zeros. */
  memset (text, 0, len);
  shoal_test_state_write (path, text, len);
}

static void
damage_empty (const char *path, const char *other)
{
  shoal_test_state_write (path, "", 0);
}

static void
damage_permissions (const char *path, const char *other)
{
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
}

static void
damage_format (const char *path, const char *other)
{
  replace_in_file (path, "\"format\" : \"shoal-", "\"format\" : \"shoaI-");
}

static void
damage_version (const char *path, const char *other)
{
  replace_in_file (path, "\"version\" : 1", "\"version\" : 2");
}

static void
damage_not_object (const char *path, const char *other)
{
  shoal_test_state_write (path, "[1, 2, 3]\n", 10);
}

static void
damage_symlink (const char *path, const char *other)
{
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (symlink (other, path), ==, 0);
}

static void
damage_directory (const char *path, const char *other)
{
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
}

/* Another session's valid file under this session's name. */
static void
damage_other_session (const char *path, const char *other)
{
  g_autofree char *text = shoal_test_state_read (other, NULL);

  shoal_test_state_write (path, text, strlen (text));
}

static void
damage_public (const char *path, const char *other)
{
  flip_hex_digit (path, "public");
}

typedef struct
{
  const char *name;
  DamageFunc  damage;
  gboolean    signing;    /* applies to the signing key file */
  gboolean    session;    /* applies to session key files */
  const char *reason;     /* what the warning must say was wrong */
} Damage;

static const Damage damages[] = {
  { "truncate", damage_truncate, TRUE, TRUE, "is not valid JSON at *:*: " },
  { "flip-key", damage_flip_key, TRUE, TRUE, "the key does not match its SHA-256 checksum" },
  { "flip-checksum", damage_flip_checksum, TRUE, TRUE,
    "the key does not match its SHA-256 checksum" },
  { "flip-first-byte", damage_flip_first_byte, TRUE, TRUE, "is not valid JSON at 1:1: " },
  { "garbage", damage_garbage, TRUE, TRUE, "is not valid JSON" },
  { "zeros", damage_zeros, TRUE, TRUE, "is not valid JSON" },
  { "empty", damage_empty, TRUE, TRUE, "is empty" },
  { "permissions", damage_permissions, TRUE, TRUE, "has permissions 0644" },
  { "format", damage_format, TRUE, TRUE, "field “format” is “shoaI-" },
  { "version", damage_version, TRUE, TRUE, "field “version” is not 1" },
  { "not-object", damage_not_object, TRUE, TRUE, "does not hold a JSON object" },
  { "symlink", damage_symlink, TRUE, TRUE, "is a symbolic link" },
  { "directory", damage_directory, TRUE, TRUE, "is not a regular file" },
  { "other-session", damage_other_session, FALSE, TRUE,
    "field “session” does not name session “s1”" },
  { "public", damage_public, TRUE, FALSE, "field “public” does not match the key" },
};

/* The damaged file is kept, beside the new one, for whoever wants to know what happened. */
static void
assert_set_aside (const char *keys,
                  const char *name)
{
  g_autofree char *prefix = g_strconcat (name, ".corrupt-", NULL);
  g_auto(GStrv) aside = shoal_test_state_list (keys, prefix);

  g_assert_cmpuint (g_strv_length (aside), ==, 1);
}

static void
test_damaged_session (gconstpointer data)
{
  const Damage *d = data;
  g_autofree char *state = shoal_test_state_dir_new ();
  g_autofree char *keys = g_build_filename (state, "keys", NULL);
  g_autofree char *path = g_build_filename (keys, "session-s1.key", NULL);
  g_autofree char *other = g_build_filename (keys, "session-s2.key", NULL);
  g_autoptr(ShoalKeystore) ks = create_keystore (state);
  g_autofree char *pattern = NULL;
  guint8 before[32], after[32], again[32], other_key[32];

  get_key (ks, "s1", before);
  get_key (ks, "s2", other_key);
  g_clear_object (&ks);

  d->damage (path, other);

  ks = open_keystore (state);
  pattern = g_strdup_printf ("Damaged session key file: “%s”*%s*. Moved it to “%s.corrupt-*” "
                             "and created a new key for session “s1”", path, d->reason, path);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, pattern);
  get_key (ks, "s1", after);
  g_test_assert_expected_messages ();
  g_assert_true (memcmp (before, after, sizeof before) != 0);
  g_assert_true (memcmp (other_key, after, sizeof other_key) != 0);
  assert_set_aside (keys, "session-s1.key");
  assert_mode (path, 0600);

  /* The replacement is sound: a restart reads it back without complaint. */
  g_clear_object (&ks);
  ks = open_keystore (state);
  get_key (ks, "s1", again);
  g_assert_cmpmem (after, sizeof after, again, sizeof again);
  /* The neighbour was never touched. */
  get_key (ks, "s2", again);
  g_assert_cmpmem (other_key, sizeof other_key, again, sizeof again);
  assert_no_leftovers (keys);

  g_clear_object (&ks);
  shoal_test_state_rm_rf (state);
}

static void
test_damaged_signing (gconstpointer data)
{
  const Damage *d = data;
  g_autofree char *state = shoal_test_state_dir_new ();
  g_autofree char *keys = g_build_filename (state, "keys", NULL);
  g_autofree char *path = g_build_filename (keys, "signing.key", NULL);
  g_autofree char *other = g_build_filename (keys, "session-s1.key", NULL);
  g_autofree char *before = NULL;
  g_autoptr(ShoalKeystore) ks = create_keystore (state);
  g_autofree char *pattern = NULL;
  guint8 session_before[32], session_after[32];

  before = g_strdup (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)));
  get_key (ks, "s1", session_before);
  g_clear_object (&ks);

  d->damage (path, other);

  pattern = g_strdup_printf ("Damaged signing key file: “%s”*%s*. Moved it to “%s.corrupt-*” "
                             "and created a new signing key, fingerprint SHA256:*: clients "
                             "that pinned the old fingerprint must be given this one",
                             path, d->reason, path);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, pattern);
  ks = open_keystore (state);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)), !=,
                   before);
  assert_set_aside (keys, "signing.key");
  assert_mode (path, 0600);

  /* Session keys are independent of the signing key and survive its replacement. */
  get_key (ks, "s1", session_after);
  g_assert_cmpmem (session_before, sizeof session_before, session_after, sizeof session_after);

  g_clear_pointer (&before, g_free);
  before = g_strdup (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)));
  g_clear_object (&ks);
  ks = open_keystore (state);
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)), ==,
                   before);
  assert_no_leftovers (keys);

  g_clear_object (&ks);
  shoal_test_state_rm_rf (state);
}

/* A process killed in the middle of writing a key leaves only a temporary file: the live key
 * is whole, and the next start cleans up. */
static void
test_crash_mid_write (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ShoalKeystore) ks = create_keystore (f->state);
  g_autofree char *fingerprint = NULL;
  g_autofree char *session = g_build_filename (f->keys, "session-s1.key", NULL);
  g_autofree char *stale_session = g_build_filename (f->keys, ".session-s1.key.tmp-Q1w2E3",
                                                     NULL);
  g_autofree char *stale_signing = g_build_filename (f->keys, ".signing.key.tmp-Z9y8X7", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) aside = NULL;
  guint8 before[32], after[32];
  gsize len;

  fingerprint = g_strdup (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)));
  get_key (ks, "s1", before);
  g_clear_object (&ks);

  /* What a rotation cut short leaves: the start of a new key file, never renamed. */
  text = shoal_test_state_read (session, &len);
  g_assert_true (g_file_set_contents (stale_session, text, (gssize) len / 3, NULL));
  g_assert_true (g_file_set_contents (stale_signing, "{\n  \"format\" : \"shoal-sig", -1, NULL));

  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "*Removed*.tmp-*did not finish*");
  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "*Removed*.tmp-*did not finish*");
  ks = open_keystore (f->state);
  g_test_assert_expected_messages ();

  g_assert_cmpstr (shoal_signing_key_get_fingerprint (shoal_keystore_get_signing_key (ks)), ==,
                   fingerprint);
  get_key (ks, "s1", after);
  g_assert_cmpmem (before, sizeof before, after, sizeof after);
  assert_no_leftovers (f->keys);
  aside = shoal_test_state_list (f->keys, "");
  for (guint i = 0; aside[i] != NULL; i++)
    g_assert_null (strstr (aside[i], "corrupt"));
}

/* A full disk during rotation: rotation fails with a clear error and the old key stays, in
 * memory and on disk. */
static void
test_disk_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalKeystore) ks = NULL;
  g_autofree char *path = NULL;
  g_autofree char *s2 = NULL;
  guint8 before[32], now[32];
  char *disk;

  if (!shoal_test_state_in_subprocess ())
    return;
  disk = shoal_test_small_disk_new (64 * 1024);
  if (disk == NULL)
    return;

  ks = create_keystore (disk);
  get_key (ks, "s1", before);
  shoal_test_small_disk_fill (disk);

  g_assert_false (shoal_keystore_rotate_session_key (ks, "s1", now, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  path = g_build_filename (disk, "keys", "session-s1.key", NULL);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  get_key (ks, "s1", now);
  g_assert_cmpmem (before, sizeof before, now, sizeof now);

  g_assert_false (shoal_keystore_get_session_key (ks, "s2", now, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  s2 = g_build_filename (disk, "keys", "session-s2.key", NULL);
  g_assert_false (g_file_test (s2, G_FILE_TEST_EXISTS));

  g_clear_object (&ks);
  ks = open_keystore (disk);
  get_key (ks, "s1", now);
  g_assert_cmpmem (before, sizeof before, now, sizeof now);
  assert_no_leftovers (shoal_keystore_get_dir (ks));
  g_clear_object (&ks);
  shoal_test_small_disk_free (disk);
}

typedef struct
{
  ShoalKeystore *ks;
  guint8         keys[8][32];
} ThreadData;

static gpointer
thread_get_keys (gpointer data)
{
  ThreadData *td = data;

  for (guint round = 0; round < 50; round++)
    for (guint i = 0; i < 8; i++)
      {
        g_autofree char *id = g_strdup_printf ("t%u", i);

        get_key (td->ks, id, td->keys[i]);
      }
  return NULL;
}

/* Many threads asking for the same new sessions at once agree on one key per session. */
static void
test_threads (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(ShoalKeystore) ks = create_keystore (f->state);
  ThreadData td[4];
  GThread *threads[4];

  for (guint t = 0; t < 4; t++)
    {
      td[t].ks = ks;
      threads[t] = g_thread_new ("keystore", thread_get_keys, &td[t]);
    }
  for (guint t = 0; t < 4; t++)
    g_thread_join (threads[t]);
  for (guint t = 1; t < 4; t++)
    g_assert_cmpmem (td[t].keys, sizeof td[t].keys, td[0].keys, sizeof td[0].keys);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/keystore/create-and-reload", test_create_and_reload);
  ADD ("/keystore/rotate-and-delete", test_rotate_and_delete);
  ADD ("/keystore/invalid-id", test_invalid_id);
  ADD ("/keystore/crash-mid-write", test_crash_mid_write);
  ADD ("/keystore/threads", test_threads);
#undef ADD
  for (gsize i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      g_autofree char *session = g_strdup_printf ("/keystore/damaged/session/%s",
                                                  damages[i].name);
      g_autofree char *signing = g_strdup_printf ("/keystore/damaged/signing/%s",
                                                  damages[i].name);

      if (damages[i].session)
        g_test_add_data_func (session, &damages[i], test_damaged_session);
      if (damages[i].signing)
        g_test_add_data_func (signing, &damages[i], test_damaged_signing);
    }
  g_test_add_func ("/keystore/disk-full", test_disk_full);

  return g_test_run ();
}
