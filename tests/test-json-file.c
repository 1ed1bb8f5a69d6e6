/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Atomic writes and JSON state files: round trips, errors that name file, line and column,
 * secret-file checks, leftovers of interrupted writes, and a full disk that loses nothing. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-json-file.h"
#include "state-utils.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->dir = shoal_test_state_dir_new ();
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  shoal_test_state_rm_rf (f->dir);
  g_free (f->dir);
}

static JsonNode *
sample_document (const char *label,
                 gsize       padding)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *pad = g_strnfill (padding, 'x');

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  json_builder_set_member_name (b, "clients");
  json_builder_begin_array (b);
  for (int i = 0; i < 3; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "host");
      json_builder_add_string_value (b, i == 1 ? "pc-ü-2" : "pc");
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, G_GINT64_CONSTANT (1) << (40 + i));
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, i != 2);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "padding");
  json_builder_add_string_value (b, pad);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
assert_no_temp_files (const char *dir)
{
  g_auto(GStrv) names = shoal_test_state_list (dir, ".");

  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

static void
test_round_trip (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) doc = sample_document ("first", 10);
  g_autoptr(JsonNode) doc2 = sample_document ("second", 20);
  g_autoptr(JsonNode) back = NULL;
  g_autofree char *path = g_build_filename (f->dir, "sessions.json", NULL);
  g_autofree char *text = NULL;
  struct stat st;
  gsize len;

  g_assert_true (shoal_json_file_save (path, doc, &error));
  g_assert_no_error (error);
  back = shoal_json_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (doc, back));

  /* Pretty-printed for people, newline-terminated, private. */
  text = shoal_test_state_read (path, &len);
  g_assert_nonnull (strstr (text, "\n  \"label\" : \"first\""));
  g_assert_cmpint (text[len - 1], ==, '\n');
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  /* Replacing keeps the file a whole document of the new content. */
  g_assert_true (shoal_json_file_save (path, doc2, &error));
  g_clear_pointer (&back, json_node_unref);
  back = shoal_json_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (doc2, back));
  assert_no_temp_files (f->dir);
}

static void
test_mode (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "cert.pem", NULL);
  mode_t old_umask = umask (077);
  struct stat st;

  /* The requested mode, not the umask's idea of it. */
  g_assert_true (shoal_atomic_write (path, "abc", 3, 0644, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  g_assert_true (shoal_atomic_write (path, "", 0, 0600, &error));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 0);
  umask (old_umask);
}

static void
test_bad_json (Fixture      *f,
               gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "settings.json", NULL);
  g_autofree char *expected = NULL;
  static const struct
  {
    const char *text;
    const char *where;     /* ":LINE:COLUMN" or NULL when json-glib gives none */
  } cases[] = {
    { "{\n  \"rate\": 100,\n  \"mode\": anonymous\n}\n", ":3:19:" },
    { "{\n  \"rate\": 100,\n", ":2:14:" },
    { "[1, 2,\n 3\n", ":" },
    { "{\"a\": 1} trailing", ":1:" },
    { "", ":1:1:" },
    { "\n\n   \n", ":1:1:" },
    { "{\"name\": \"\xff\xfe\"}", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      g_assert_true (g_file_set_contents (path, cases[i].text, -1, NULL));
      node = shoal_json_file_load (path, &error);
      g_assert_null (node);
      g_assert_error (error, JSON_PARSER_ERROR, error->code);
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error->message);
      /* Every message starts with the file; syntax errors go on to line and column. */
      g_assert_true (g_str_has_prefix (error->message, path));
      if (cases[i].where != NULL)
        g_assert_true (g_str_has_prefix (error->message + strlen (path), cases[i].where));
    }
}

static void
test_missing (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "absent.json", NULL);
  g_autofree char *nested = g_build_filename (f->dir, "no-such-dir", "x.json", NULL);
  g_autoptr(JsonNode) doc = sample_document ("x", 0);
  JsonNode *node;

  node = shoal_json_file_load (path, &error);
  g_assert_null (node);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* Saving into a directory that does not exist names the target, not only the temp file. */
  g_assert_false (shoal_json_file_save (nested, doc, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, nested));
  g_test_message ("%s", error->message);
}

static void
test_remove_stale (Fixture      *f,
                   gconstpointer data)
{
  static const char *const stale[] = { ".sessions.json.tmp-Ab12Cd", ".signing.key.tmp-000000" };
  static const char *const kept[] = {
    "sessions.json", ".hidden", ".x.tmp-AB", ".x.tmp-ABCDEFG", ".tmp-ABCDEF", "y.tmp-ABCDEF",
    ".x.tmp-ABC.EF",
  };
  g_auto(GStrv) left = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *p = g_build_filename (f->dir, stale[i], NULL);

      g_assert_true (g_file_set_contents (p, "half a wri", -1, NULL));
      g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "*Removed*did not finish*");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *p = g_build_filename (f->dir, kept[i], NULL);

      g_assert_true (g_file_set_contents (p, "{}", -1, NULL));
    }
  g_assert_cmpuint (shoal_atomic_write_remove_stale (f->dir), ==, G_N_ELEMENTS (stale));
  g_test_assert_expected_messages ();
  left = shoal_test_state_list (f->dir, "");
  g_assert_cmpuint (g_strv_length (left), ==, G_N_ELEMENTS (kept));
}

static void
test_set_aside (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "signing.key", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *content = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (path, "garbage 1", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  first = shoal_json_file_set_aside (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (first, path));
  g_assert_true (g_str_has_prefix (first + strlen (path), ".corrupt-"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  content = shoal_test_state_read (first, NULL);
  g_assert_cmpstr (content, ==, "garbage 1");
  g_assert_cmpint (g_stat (first, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  /* A second damaged file within the same second does not overwrite the first. */
  g_assert_true (g_file_set_contents (path, "garbage 2", -1, NULL));
  second = shoal_json_file_set_aside (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);
  g_clear_pointer (&content, g_free);
  content = shoal_test_state_read (first, NULL);
  g_assert_cmpstr (content, ==, "garbage 1");

  g_assert_null (shoal_json_file_set_aside (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_read_secret (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "secret", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *sub = g_build_filename (f->dir, "sub", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  char *none = NULL;
  gsize len = 0;

  g_assert_true (shoal_atomic_write (path, "0123456789", 10, 0600, &error));
  g_assert_true (shoal_json_file_read_secret (path, 10, &text, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "0123456789");
  g_assert_cmpuint (len, ==, 10);

  g_assert_false (shoal_json_file_read_secret (path, 9, &none, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  g_assert_false (shoal_json_file_read_secret (path, 100, &none, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM);
  g_assert_nonnull (strstr (error->message, "0640"));
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  g_assert_cmpint (symlink (path, link), ==, 0);
  g_assert_false (shoal_json_file_read_secret (link, 100, &none, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_false (shoal_json_file_read_secret (sub, 100, &none, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_false (shoal_json_file_read_secret (f->dir, 100, &none, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (none);
}

/* ENOSPC on a 64 KiB tmpfs: the old file survives whole, no temporary file remains, and the
 * error says what could not be written and why. */
static void
test_disk_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) old_doc = sample_document ("old", 100);
  g_autoptr(JsonNode) new_doc = sample_document ("new", 16 * 1024);
  g_autoptr(JsonNode) back = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *path = NULL;
  char *disk;

  if (!shoal_test_state_in_subprocess ())
    return;

  disk = shoal_test_small_disk_new (64 * 1024);
  if (disk == NULL)
    return;
  path = g_build_filename (disk, "sessions.json", NULL);
  g_assert_true (shoal_json_file_save (path, old_doc, &error));
  g_assert_no_error (error);
  shoal_test_small_disk_fill (disk);

  g_assert_false (shoal_json_file_save (path, new_doc, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);

  back = shoal_json_file_load (path, NULL);
  g_assert_nonnull (back);
  g_assert_true (json_node_equal (old_doc, back));
  names = shoal_test_state_list (disk, "");
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[0], ==, "filler");
  g_assert_cmpstr (names[1], ==, "sessions.json");
  shoal_test_small_disk_free (disk);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/json-file/round-trip", test_round_trip);
  ADD ("/json-file/mode", test_mode);
  ADD ("/json-file/bad-json", test_bad_json);
  ADD ("/json-file/missing", test_missing);
  ADD ("/json-file/remove-stale", test_remove_stale);
  ADD ("/json-file/set-aside", test_set_aside);
  ADD ("/json-file/read-secret", test_read_secret);
#undef ADD
  g_test_add_func ("/json-file/disk-full", test_disk_full);

  return g_test_run ();
}
