/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the content library on real files: import of files and trees, the reader across
 * file boundaries and from several threads, packages dropped in, content changed after
 * import, symlinks out of a package, settings, and manifest build throughput (-m perf). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-library.h"

typedef struct
{
  char         *root;
  char         *lib_dir;
  char         *src;
  ShoalLibrary *lib;
} Fixture;

static void
rm_tree (const char *path)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_cmpint (system (cmd), ==, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("shoal-library-XXXXXX", &error);
  g_assert_no_error (error);
  f->lib_dir = g_build_filename (f->root, "library", NULL);
  f->src = g_build_filename (f->root, "src", NULL);
  g_assert_cmpint (g_mkdir (f->src, 0755), ==, 0);
  f->lib = shoal_library_new (f->lib_dir, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->lib);
  rm_tree (f->root);
  g_free (f->root);
  g_free (f->lib_dir);
  g_free (f->src);
}

static GBytes *
random_bytes (gsize   len,
              guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len ? len : 1);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return g_bytes_new_take (data, len);
}

static char *
write_file (const char *dir,
            const char *rel,
            GBytes     *content)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                       &error);
  g_assert_no_error (error);
  return path;
}

/* The package stream read back in odd pieces equals @expected. */
static void
assert_stream (ShoalPackage *pkg,
               GByteArray   *expected)
{
  g_autofree guint8 *buf = g_malloc (expected->len + 1);
  g_autoptr(GError) error = NULL;
  gsize pos = 0, step = 1;

  g_assert_cmpuint (shoal_package_get_size (pkg), ==, expected->len);
  while (pos < expected->len)
    {
      gsize n = MIN (step, expected->len - pos);

      g_assert_true (shoal_package_read (pkg, pos, buf + pos, n, &error));
      g_assert_no_error (error);
      pos += n;
      step = step * 2 + 7;
    }
  g_assert_cmpmem (buf, expected->len, expected->data, expected->len);
}

static void
test_import_files (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (100000, 1);
  g_autoptr(GBytes) empty = random_bytes (0, 2);
  g_autoptr(GBytes) c = random_bytes (300001, 3);
  g_autofree char *pa = write_file (f->src, "zeta.img", a);
  g_autofree char *pb = write_file (f->src, "empty", empty);
  g_autofree char *pc = write_file (f->src, "alpha.bin", c);
  const char *paths[] = { pa, pb, pc, NULL };
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mpath = NULL;
  ShoalPackage *pkg;
  ShoalManifest *m;

  pkg = shoal_library_import (f->lib, "pkg", paths, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pkg);
  g_assert_true (shoal_library_lookup (f->lib, "pkg") == pkg);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_library_get_packages (f->lib)), ==, 1);
  g_assert_cmpstr (shoal_package_get_state (pkg), ==, SHOAL_PACKAGE_STATE_READY);

  /* Manifest order is by path, whatever the order given. */
  m = shoal_package_get_manifest (pkg);
  g_assert_cmpuint (shoal_manifest_get_n_files (m), ==, 3);
  g_assert_cmpstr (shoal_manifest_get_file (m, 0)->path, ==, "alpha.bin");
  g_assert_cmpstr (shoal_manifest_get_file (m, 1)->path, ==, "empty");
  g_assert_cmpstr (shoal_manifest_get_file (m, 2)->path, ==, "zeta.img");
  g_assert_cmpuint (shoal_manifest_get_symbol_size (m), ==, 1404);
  g_assert_cmpuint (shoal_manifest_get_k (m), ==, 128);
  g_byte_array_append (expected, g_bytes_get_data (c, NULL), g_bytes_get_size (c));
  g_byte_array_append (expected, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  assert_stream (pkg, expected);

  /* The cached manifest is the bytes the package serves. */
  mpath = g_build_filename (f->lib_dir, ".shoal", "pkg", "manifest.json", NULL);
  {
    g_autofree char *disk = NULL;
    gsize len;

    g_file_get_contents (mpath, &disk, &len, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (disk, len, g_bytes_get_data (shoal_package_get_manifest_bytes (pkg), NULL),
                     g_bytes_get_size (shoal_package_get_manifest_bytes (pkg)));
  }
  /* Same filesystem: hard links, not copies. */
  {
    g_autofree char *in_lib = g_build_filename (f->lib_dir, "pkg", "zeta.img", NULL);
    struct stat s1, s2;

    g_assert_cmpint (g_stat (in_lib, &s1), ==, 0);
    g_assert_cmpint (g_stat (pa, &s2), ==, 0);
    g_assert_cmpuint (s1.st_ino, ==, s2.st_ino);
  }
}

static void
test_import_tree (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) k = random_bytes (5000, 4);
  g_autoptr(GBytes) r = random_bytes (2 * 1404 * 128 + 17, 5);
  g_autoptr(GBytes) cfg = random_bytes (10, 6);
  g_autofree char *tree = g_build_filename (f->src, "tree", NULL);
  g_autofree char *p1 = write_file (tree, "boot/vmlinuz", k);
  g_autofree char *p2 = write_file (tree, "images/root.img", r);
  g_autofree char *p3 = write_file (tree, "etc/shoal.conf", cfg);
  g_autofree char *link = g_build_filename (tree, "boot/kernel", NULL);
  const char *paths[] = { tree, NULL };
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ShoalPackage *pkg;
  ShoalManifest *m;

  /* A symlink to a file inside the tree is fine: it becomes a file of its own. */
  g_assert_cmpint (symlink ("vmlinuz", link), ==, 0);
  pkg = shoal_library_import (f->lib, "tree", paths, NULL, &error);
  g_assert_no_error (error);
  m = shoal_package_get_manifest (pkg);
  g_assert_cmpuint (shoal_manifest_get_n_files (m), ==, 4);
  g_assert_cmpstr (shoal_manifest_get_file (m, 0)->path, ==, "boot/kernel");
  g_assert_cmpstr (shoal_manifest_get_file (m, 1)->path, ==, "boot/vmlinuz");
  g_assert_cmpstr (shoal_manifest_get_file (m, 2)->path, ==, "etc/shoal.conf");
  g_assert_cmpstr (shoal_manifest_get_file (m, 3)->path, ==, "images/root.img");
  g_assert_cmpuint (shoal_manifest_get_n_blocks (m), ==, 3);
  g_byte_array_append (expected, g_bytes_get_data (k, NULL), g_bytes_get_size (k));
  g_byte_array_append (expected, g_bytes_get_data (k, NULL), g_bytes_get_size (k));
  g_byte_array_append (expected, g_bytes_get_data (cfg, NULL), g_bytes_get_size (cfg));
  g_byte_array_append (expected, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  assert_stream (pkg, expected);

  /* Each block checks out against the manifest. */
  for (guint32 b = 0; b < shoal_manifest_get_n_blocks (m); b++)
    {
      guint64 off, len;

      shoal_manifest_block_range (m, b, &off, &len);
      g_assert_true (shoal_manifest_check_block (m, b, expected->data + off, len, &error));
      g_assert_no_error (error);
    }
}

static void
assert_tmp_empty (Fixture *f)
{
  g_autofree char *tmp = g_build_filename (f->lib_dir, ".shoal", "tmp", NULL);
  g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

static void
test_import_rejects (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (1000, 7);
  g_autofree char *tree = g_build_filename (f->src, "evil", NULL);
  g_autofree char *p1 = write_file (tree, "ok.img", a);
  g_autofree char *link = g_build_filename (tree, "passwd", NULL);
  g_autofree char *other = g_build_filename (f->src, "other", NULL);
  g_autofree char *p2 = write_file (other, "ok.img", a);
  g_autofree char *missing = g_build_filename (f->src, "missing.img", NULL);
  g_autofree char *fifo = g_build_filename (f->src, "fifo", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);
  {
    const char *paths[] = { tree, NULL };

    g_assert_null (shoal_library_import (f->lib, "evil", paths, NULL, &error));
    g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "passwd points outside the package"));
    g_clear_error (&error);
  }
  {
    const char *paths[] = { p1, missing, NULL };

    g_assert_null (shoal_library_import (f->lib, "miss", paths, NULL, &error));
    g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, missing));
    g_clear_error (&error);
  }
  {
    const char *paths[] = { p1, p2, NULL };

    g_assert_null (shoal_library_import (f->lib, "dup", paths, NULL, &error));
    g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_EXISTS);
    g_assert_nonnull (strstr (error->message, "\"ok.img\""));
    g_clear_error (&error);
  }
  {
    const char *paths[] = { fifo, NULL };

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    g_assert_null (shoal_library_import (f->lib, "fifo", paths, NULL, &error));
    g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, fifo));
    g_clear_error (&error);
  }
  {
    const char *paths[] = { p1, NULL };
    const char *bad[] = { ".hidden", "a/b", "", "x y", NULL };

    for (guint i = 0; bad[i]; i++)
      {
        g_assert_null (shoal_library_import (f->lib, bad[i], paths, NULL, &error));
        g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_INVALID_NAME);
        g_clear_error (&error);
      }
  }
  g_assert_cmpuint (g_list_model_get_n_items (shoal_library_get_packages (f->lib)), ==, 0);
  assert_tmp_empty (f);
  {
    g_autofree char *evil = g_build_filename (f->lib_dir, "evil", NULL);

    g_assert_false (g_file_test (evil, G_FILE_TEST_EXISTS));
  }
}

typedef struct
{
  ShoalPackage *pkg;
  GByteArray   *expected;
  guint32       seed;
} ReadJob;

static gpointer
read_thread (gpointer data)
{
  ReadJob *job = data;
  GRand *rand = g_rand_new_with_seed (job->seed);
  g_autofree guint8 *buf = g_malloc (70000);

  for (guint i = 0; i < 2000; i++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 1, 70000);
      guint64 off = (guint64) g_rand_int_range (rand, 0, (gint32) (job->expected->len - len));
      GError *error = NULL;

      if (!shoal_package_read (job->pkg, off, buf, len, &error))
        g_error ("read %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT ": %s", off, len, error->message);
      g_assert_cmpmem (buf, len, job->expected->data + off, len);
    }
  g_rand_free (rand);
  return NULL;
}

/* Many small files, so that most reads cross boundaries, read from four threads at once. */
static void
test_read_threads (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *tree = g_build_filename (f->src, "many", NULL);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const char *paths[] = { tree, NULL };
  GThread *threads[4];
  ReadJob jobs[4];
  ShoalPackage *pkg;
  guint8 byte;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *rel = g_strdup_printf ("d%u/f%02u", i % 3, i);
      g_autoptr(GBytes) b = random_bytes (i * 977 % 20000, 100 + i);
      g_autofree char *p = write_file (tree, rel, b);
    }
  pkg = shoal_library_import (f->lib, "many", paths, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < shoal_manifest_get_n_files (shoal_package_get_manifest (pkg)); i++)
    {
      const ShoalManifestFile *mf = shoal_manifest_get_file (shoal_package_get_manifest (pkg), i);
      g_autofree char *p = g_build_filename (tree, mf->path, NULL);
      g_autofree char *content = NULL;
      gsize len;

      g_file_get_contents (p, &content, &len, &error);
      g_assert_no_error (error);
      g_byte_array_append (expected, (guint8 *) content, len);
    }
  for (guint i = 0; i < 4; i++)
    {
      jobs[i] = (ReadJob) { pkg, expected, 1000 + i };
      threads[i] = g_thread_new ("reader", read_thread, &jobs[i]);
    }
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);

  g_assert_false (shoal_package_read (pkg, expected->len, &byte, 1, &error));
  g_assert_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_true (shoal_package_read (pkg, expected->len - 1, &byte, 1, &error));
  g_assert_cmpuint (byte, ==, expected->data[expected->len - 1]);
}

static void
test_scan_dropped_in (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (200000, 8);
  g_autoptr(GBytes) b = random_bytes (3000, 9);
  g_autofree char *dropped = g_build_filename (f->lib_dir, "dropped", NULL);
  g_autofree char *p1 = write_file (dropped, "dropped.img", a);
  g_autofree char *p2 = write_file (dropped, "extra/readme", b);
  g_autofree char *bad_name = g_build_filename (f->lib_dir, "bad name", NULL);
  g_autofree char *p3 = write_file (bad_name, "x", b);
  g_autofree char *mpath = g_build_filename (f->lib_dir, ".shoal", "dropped", "manifest.json",
                                             NULL);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(GError) error = NULL;
  ShoalPackage *pkg;

  g_test_expect_message ("Shoal", G_LOG_LEVEL_MESSAGE, "Building the manifest of package "
                         "dropped (2 files)");
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, "*\"bad name\" is not a valid*");
  g_assert_true (shoal_library_scan (f->lib, NULL, &skipped, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  pkg = shoal_library_lookup (f->lib, "dropped");
  g_assert_nonnull (pkg);
  g_assert_cmpstr (shoal_package_get_state (pkg), ==, SHOAL_PACKAGE_STATE_READY);
  g_assert_true (g_file_test (mpath, G_FILE_TEST_IS_REGULAR));
  g_byte_array_append (expected, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (expected, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  assert_stream (pkg, expected);
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_nonnull (strstr (skipped->pdata[0], "\"bad name\" is not a valid package name"));

  /* A second scan finds the manifest and keeps the same object. */
  g_clear_pointer (&skipped, g_ptr_array_unref);
  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, "*\"bad name\" is not a valid*");
  g_assert_true (shoal_library_scan (f->lib, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_true (shoal_library_lookup (f->lib, "dropped") == pkg);
}

static void
scan_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_scan_async (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (50000, 10);
  g_autofree char *dir = g_build_filename (f->lib_dir, "later", NULL);
  g_autofree char *p1 = write_file (dir, "later.img", a);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint added = 0;

  shoal_library_scan_async (f->lib, NULL, scan_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (shoal_library_scan_finish (f->lib, result, NULL, &error));
  g_assert_no_error (error);
  added = g_list_model_get_n_items (shoal_library_get_packages (f->lib));
  g_assert_cmpuint (added, ==, 1);
  g_assert_nonnull (shoal_library_lookup (f->lib, "later"));
}

static void
test_scan_changed (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (3 * 1404 * 128, 11);
  g_autofree char *p1 = write_file (f->src, "disk.img", a);
  g_autofree char *in_lib = g_build_filename (f->lib_dir, "img", "disk.img", NULL);
  g_autofree char *mpath = g_build_filename (f->lib_dir, ".shoal", "img", "manifest.json",
                                             NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree guint8 *block = NULL;
  const char *paths[] = { p1, NULL };
  g_autoptr(GError) error = NULL;
  ShoalPackage *pkg;
  ShoalManifest *m;
  guint64 off, len;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
  int fd;

  pkg = shoal_library_import (f->lib, "img", paths, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (mpath, &before, NULL, &error);
  g_assert_no_error (error);

  /* Corrupt one byte in block 1 in place: same size, and an mtime that surely differs. */
  fd = open (in_lib, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "X", 1, 1404 * 128 + 5), ==, 1);
  times[1].tv_sec = time (NULL) + 3600;
  g_assert_cmpint (futimens (fd, times), ==, 0);
  close (fd);

  g_assert_true (shoal_library_scan (f->lib, NULL, NULL, &error));
  pkg = shoal_library_lookup (f->lib, "img");
  g_assert_cmpstr (shoal_package_get_state (pkg), ==, SHOAL_PACKAGE_STATE_CHANGED);
  g_test_message ("%s", shoal_package_get_state_message (pkg));
  g_assert_nonnull (strstr (shoal_package_get_state_message (pkg), "disk.img was modified"));

  /* Not re-hashed: the manifest on disk and in memory is the one made at import, so the
   * corrupt block is caught, by file and block. */
  g_file_get_contents (mpath, &after, NULL, &error);
  g_assert_cmpstr (before, ==, after);
  m = shoal_package_get_manifest (pkg);
  shoal_manifest_block_range (m, 1, &off, &len);
  block = g_malloc (len);
  g_assert_true (shoal_package_read (pkg, off, block, len, &error));
  g_assert_false (shoal_manifest_check_block (m, 1, block, len, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_HASH_MISMATCH);
  g_assert_nonnull (strstr (error->message, "block 1 (bytes 179712-359423 of the stream: "
                                            "disk.img bytes 179712-359423)"));
  g_clear_error (&error);

  /* Rebuilding accepts the new content. */
  pkg = shoal_library_rebuild (f->lib, "img", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_package_get_state (pkg), ==, SHOAL_PACKAGE_STATE_READY);
  m = shoal_package_get_manifest (pkg);
  g_assert_true (shoal_package_read (pkg, off, block, len, &error));
  g_assert_true (shoal_manifest_check_block (m, 1, block, len, &error));

  /* A size change is reported as such. */
  g_assert_cmpint (truncate (in_lib, 1000), ==, 0);
  g_assert_true (shoal_library_scan (f->lib, NULL, NULL, &error));
  g_assert_nonnull (strstr (shoal_package_get_state_message (pkg),
                            "disk.img changed size from 539136 to 1000 bytes"));
  g_assert_false (shoal_package_read (pkg, 0, block, len, &error));
  g_assert_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_SHORT);
  g_test_message ("%s", error->message);
}

static void
test_scan_planted_symlink (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (1000, 12);
  g_autofree char *p1 = write_file (f->src, "a.img", a);
  g_autofree char *planted = g_build_filename (f->lib_dir, "pkg", "passwd", NULL);
  g_autofree char *dropped = g_build_filename (f->lib_dir, "evil", NULL);
  g_autofree char *p2 = write_file (dropped, "a.img", a);
  g_autofree char *dropped_link = g_build_filename (dropped, "shadow", NULL);
  const char *paths[] = { p1, NULL };
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(GError) error = NULL;
  ShoalPackage *pkg;

  pkg = shoal_library_import (f->lib, "pkg", paths, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink ("/etc/passwd", planted), ==, 0);
  g_assert_cmpint (symlink ("/etc/shadow", dropped_link), ==, 0);

  g_test_expect_message ("Shoal", G_LOG_LEVEL_WARNING, "*package evil: symlink*");
  g_assert_true (shoal_library_scan (f->lib, NULL, &skipped, &error));
  g_test_assert_expected_messages ();
  pkg = shoal_library_lookup (f->lib, "pkg");
  g_assert_cmpstr (shoal_package_get_state (pkg), ==, SHOAL_PACKAGE_STATE_BROKEN);
  g_test_message ("%s", shoal_package_get_state_message (pkg));
  g_assert_nonnull (strstr (shoal_package_get_state_message (pkg),
                            "passwd points outside the package (to /etc/passwd)"));
  g_assert_null (shoal_library_lookup (f->lib, "evil"));
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_nonnull (strstr (skipped->pdata[0], "package evil: symlink"));
}

/* A file of the manifest replaced by a symlink out of the package is never read. */
static void
test_read_refuses_escape (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (100, 13);
  g_autofree char *p1 = write_file (f->src, "a.img", a);
  g_autofree char *in_lib = g_build_filename (f->lib_dir, "pkg", "a.img", NULL);
  const char *paths[] = { p1, NULL };
  g_autoptr(GError) error = NULL;
  ShoalPackage *pkg;
  guint8 buf[100];

  pkg = shoal_library_import (f->lib, "pkg", paths, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (in_lib), ==, 0);
  g_assert_cmpint (symlink ("/etc/passwd", in_lib), ==, 0);
  g_assert_false (shoal_package_read (pkg, 0, buf, 10, &error));
  g_assert_error (error, SHOAL_PACKAGE_ERROR, SHOAL_PACKAGE_ERROR_ESCAPE);
  g_test_message ("%s", error->message);
}

static void
test_settings_and_reimport (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) a = random_bytes (1000, 14);
  g_autoptr(GBytes) b = random_bytes (2000, 15);
  g_autofree char *p1 = write_file (f->src, "v1/a.img", a);
  g_autofree char *p2 = write_file (f->src, "v2/b.img", b);
  g_autofree char *v2 = g_build_filename (f->src, "v2", NULL);
  const char *paths1[] = { p1, NULL };
  const char *paths2[] = { v2, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalLibrary) again = NULL;
  ShoalPackage *pkg;

  pkg = shoal_library_import (f->lib, "pkg", paths1, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_package_get_multicast_only (pkg));
  g_assert_true (shoal_package_set_multicast_only (pkg, TRUE, &error));
  g_assert_true (shoal_package_set_description (pkg, "Windows 11 23H2", &error));
  g_assert_no_error (error);

  again = shoal_library_new (f->lib_dir, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_library_scan (again, NULL, NULL, &error));
  pkg = shoal_library_lookup (again, "pkg");
  g_assert_true (shoal_package_get_multicast_only (pkg));
  g_assert_cmpstr (shoal_package_get_description (pkg), ==, "Windows 11 23H2");

  /* Re-import replaces the content and keeps the settings. */
  pkg = shoal_library_import (again, "pkg", paths2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_package_get_size (pkg), ==, 2000);
  g_assert_cmpstr (shoal_manifest_get_file (shoal_package_get_manifest (pkg), 0)->path, ==,
                   "b.img");
  g_assert_true (shoal_package_get_multicast_only (pkg));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_library_get_packages (again)), ==, 1);
  assert_tmp_empty (f);

  g_assert_true (shoal_library_remove (again, "pkg", &error));
  g_assert_no_error (error);
  g_assert_null (shoal_library_lookup (again, "pkg"));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_library_get_packages (again)), ==, 0);
  g_assert_false (shoal_library_remove (again, "pkg", &error));
  g_assert_error (error, SHOAL_LIBRARY_ERROR, SHOAL_LIBRARY_ERROR_NOT_FOUND);
}

/* Manifest build throughput for a 1 GiB file: the import (a hard link) is all hashing. */
static void
test_throughput (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->src, "big.img", NULL);
  const char *paths[] = { path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buf = g_malloc (1 << 20);
  gint64 start;
  double secs;
  int fd;

  for (gsize i = 0; i < (1 << 20); i++)
    buf[i] = (guint8) (i * 2654435761u >> 13);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < 1024; i++)
    {
      buf[0] = (guint8) i;
      g_assert_cmpint (write (fd, buf, 1 << 20), ==, 1 << 20);
    }
  close (fd);

  start = g_get_monotonic_time ();
  g_assert_nonnull (shoal_library_import (f->lib, "big", paths, NULL, &error));
  g_assert_no_error (error);
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_test_minimized_result (secs, "1 GiB manifest build in %.2f s: %.0f MiB/s", secs,
                           1024 / secs);
  g_test_message ("manifest build for 1 GiB (page cache warm): %.2f s, %.0f MiB/s", secs,
                  1024 / secs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/library/import/files", test_import_files);
  ADD ("/library/import/tree", test_import_tree);
  ADD ("/library/import/rejects", test_import_rejects);
  ADD ("/library/read/threads-and-boundaries", test_read_threads);
  ADD ("/library/read/refuses-escape", test_read_refuses_escape);
  ADD ("/library/scan/dropped-in", test_scan_dropped_in);
  ADD ("/library/scan/async", test_scan_async);
  ADD ("/library/scan/changed-not-rehashed", test_scan_changed);
  ADD ("/library/scan/planted-symlink", test_scan_planted_symlink);
  ADD ("/library/settings-and-reimport", test_settings_and_reimport);
  if (g_test_perf ())
    ADD ("/library/perf/manifest-1GiB", test_throughput);
#undef ADD
  return g_test_run ();
}
