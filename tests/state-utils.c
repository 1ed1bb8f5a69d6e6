/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the tests of state on disk. See state-utils.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "state-utils.h"

char *
shoal_test_state_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("shoal-state-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
shoal_test_state_rm_rf (const char *path)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (path == NULL)
    return;
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      d = g_dir_open (path, 0, NULL);
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          shoal_test_state_rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GStrv
shoal_test_state_list (const char *dir,
                       const char *prefix)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

char *
shoal_test_state_read (const char *path,
                       gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

void
shoal_test_state_write (const char *path,
                        const char *data,
                        gsize       len)
{
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  close (fd);
}

/* GTest cannot tell a child's skip from a pass, so a child that skips leaves a note where
 * its parent looks: a file named after the parent's pid. */
static char *
skip_note_path (GPid parent)
{
  g_autofree char *name = g_strdup_printf ("shoal-test-skipped-%d", (int) parent);

  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

gboolean
shoal_test_state_in_subprocess (void)
{
  g_autofree char *note = NULL;
  g_autofree char *reason = NULL;

  if (g_test_subprocess ())
    return TRUE;

  note = skip_note_path (getpid ());
  g_unlink (note);
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, 0);
  /* A child that skipped exits non-zero, so look for its note before asking if it passed. */
  if (g_file_get_contents (note, &reason, NULL, NULL))
    {
      g_unlink (note);
      g_test_skip (reason);
    }
  else
    g_test_trap_assert_passed ();
  return FALSE;
}

static void
skip_child (const char *reason)
{
  g_autofree char *note = skip_note_path (getppid ());

  g_file_set_contents (note, reason, -1, NULL);
  g_test_skip (reason);
}

char *
shoal_test_small_disk_new (gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *options = NULL;

  g_assert_true (g_test_subprocess ());
  if (geteuid () != 0)
    {
      skip_child ("needs root to mount a tmpfs");
      return NULL;
    }
  /* A namespace of our own: a test that dies leaves no mount behind on the host. */
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot make a mount namespace: %s",
                                              g_strerror (errno));
      skip_child (why);
      return NULL;
    }
  dir = g_dir_make_tmp ("shoal-small-disk-XXXXXX", &error);
  g_assert_no_error (error);
  options = g_strdup_printf ("size=%" G_GSIZE_FORMAT ",mode=0700", size);
  if (mount ("shoal-test", dir, "tmpfs", 0, options) < 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs: %s", g_strerror (errno));
      g_rmdir (dir);
      skip_child (why);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

void
shoal_test_small_disk_fill (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  char block[4096] = { 0 };
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  /* Down to single bytes, so that not even a small write fits afterwards. */
  for (gsize chunk = sizeof block; chunk > 0; chunk /= 2)
    while (write (fd, block, chunk) == (gssize) chunk)
      ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

void
shoal_test_small_disk_free (char *dir)
{
  if (dir == NULL)
    return;
  umount2 (dir, MNT_DETACH);
  g_rmdir (dir);
  g_free (dir);
}
