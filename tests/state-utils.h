/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the tests of state on disk: scratch directories, finding files, damaging them
 * on purpose, and a tiny tmpfs to run out of space in. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new empty directory under the temporary directory; remove it with _rm_rf. */
char  *shoal_test_state_dir_new  (void);
void   shoal_test_state_rm_rf    (const char *path);
/* The sorted names in @dir that start with @prefix. */
GStrv  shoal_test_state_list     (const char *dir,
                                  const char *prefix);
char  *shoal_test_state_read     (const char *path,
                                  gsize      *len);
/* Overwrites @path's content in place, keeping its inode and mode. */
void   shoal_test_state_write    (const char *path,
                                  const char *data,
                                  gsize       len);

/* For tests that must run in a child process (see _small_disk_new): in the parent, runs the
 * current test in a child, asserts that it passed, skips when the child skipped, and returns
 * FALSE; in the child, returns TRUE and the test goes on. */
gboolean shoal_test_state_in_subprocess (void);

/* Call only in a g_test_trap_subprocess child: the mount lives in the child's own mount
 * namespace and vanishes with it. Returns the mount point, or NULL after g_test_skip when
 * not root or the kernel refuses. */
char  *shoal_test_small_disk_new  (gsize       size);
/* Fills the rest of the file system under @dir with a file named "filler". */
void   shoal_test_small_disk_fill (const char *dir);
/* Unmounts and removes the mount point. */
void   shoal_test_small_disk_free (char       *dir);

G_END_DECLS
