/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Atomic writes and JSON state files. See shoal-json-file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-json-file.h"

#define TMP_INFIX ".tmp-"

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *format,
                 ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *format,
                 ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s",
               what, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len,
           int          *saved_errno)
{
  while (len > 0)
    {
      gssize n = write (fd, data, MIN (len, (gsize) G_MAXSSIZE));

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          *saved_errno = errno;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
shoal_atomic_write (const char   *path,
                    gconstpointer data,
                    gsize         len,
                    int           mode,
                    GError      **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  int fd, dirfd, saved_errno = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp = g_strdup_printf ("%s/.%s" TMP_INFIX "XXXXXX", dir, base);

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode & 07777);
  if (fd < 0)
    return set_errno_error (error, errno,
                            "Could not create a temporary file in “%s” to write “%s”", dir, path);

  /* g_mkstemp_full's mode passes through the umask; the caller asked for exactly @mode. */
  if (fchmod (fd, mode & 07777) < 0)
    {
      saved_errno = errno;
      set_errno_error (error, saved_errno, "Could not set the permissions of “%s”", tmp);
      goto fail_open;
    }
  if (!write_all (fd, data, len, &saved_errno))
    {
      set_errno_error (error, saved_errno, "Could not write “%s” (%" G_GSIZE_FORMAT " bytes)",
                       path, len);
      goto fail_open;
    }
  if (fsync (fd) < 0)
    {
      saved_errno = errno;
      set_errno_error (error, saved_errno, "Could not flush “%s” to disk", path);
      goto fail_open;
    }
  if (close (fd) < 0)
    {
      saved_errno = errno;
      set_errno_error (error, saved_errno, "Could not close “%s” after writing it", path);
      goto fail;
    }
  if (rename (tmp, path) < 0)
    {
      saved_errno = errno;
      set_errno_error (error, saved_errno, "Could not replace “%s”", path);
      goto fail;
    }

  /* The rename is durable only once the directory entry is on disk. If that fails the new
   * content is already what every reader sees, so reporting failure would make callers
   * believe the old content is still in place; warn instead. */
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0 || fsync (dirfd) < 0)
    g_warning ("Wrote “%s” but could not flush its directory to disk: %s", path,
               g_strerror (errno));
  if (dirfd >= 0)
    close (dirfd);
  return TRUE;

fail_open:
  close (fd);
fail:
  g_unlink (tmp);
  return FALSE;
}

/* ".NAME.tmp-XXXXXX" with a non-empty NAME and six letters or digits, as g_mkstemp makes. */
static gboolean
is_stale_temp_name (const char *name)
{
  const char *infix, *tail;

  if (name[0] != '.')
    return FALSE;
  infix = g_strrstr (name, TMP_INFIX);
  if (infix == NULL || infix <= name + 1)
    return FALSE;
  tail = infix + strlen (TMP_INFIX);
  if (strlen (tail) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    if (!g_ascii_isalnum (tail[i]))
      return FALSE;
  return TRUE;
}

guint
shoal_atomic_write_remove_stale (const char *dir)
{
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint removed = 0;

  g_return_val_if_fail (dir != NULL, 0);

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!is_stale_temp_name (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_unlink (path) == 0)
        {
          g_message ("Removed “%s”, left by a write that did not finish", path);
          removed++;
        }
    }
  return removed;
}

gboolean
shoal_json_file_save (const char *path,
                      JsonNode   *node,
                      GError    **error)
{
  g_autoptr(JsonGenerator) gen = NULL;
  g_autofree char *text = NULL;
  g_autofree char *with_newline = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  with_newline = g_strconcat (text, "\n", NULL);
  return shoal_atomic_write (path, with_newline, len + 1, 0600, error);
}

JsonNode *
shoal_json_file_load (const char *path,
                      GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, &local))
    {
      /* json-glib names the file for syntax errors but not for encoding errors. */
      if (local->domain == JSON_PARSER_ERROR && !g_str_has_prefix (local->message, path))
        g_prefix_error (&local, "%s: ", path);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                   "%s:1:1: empty file, expected a JSON document", path);
      return NULL;
    }
  return json_node_copy (root);
}

char *
shoal_json_file_set_aside (const char *path,
                           GError    **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *target = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint n = 1; lstat (target, &st) == 0; n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s.corrupt-%s.%u", path, stamp, n);
    }
  if (rename (path, target) < 0)
    {
      set_errno_error (error, errno, "Could not move the damaged file “%s” aside to “%s”",
                       path, target);
      return NULL;
    }
  /* A symlink is moved, not followed; only a regular file gets its mode narrowed. */
  if (lstat (target, &st) == 0 && S_ISREG (st.st_mode))
    g_chmod (target, 0600);
  return g_steal_pointer (&target);
}

gboolean
shoal_json_file_read_secret (const char *path,
                             gsize       max_len,
                             char      **contents,
                             gsize      *len,
                             GError    **error)
{
  g_autofree char *buf = NULL;
  struct stat st;
  gsize n = 0;
  int fd, saved_errno = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* O_NOFOLLOW: a key file replaced by a symlink is damage, not an alias to follow. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    {
      if (errno == ELOOP)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       "“%s” is a symbolic link, not a regular file", path);
          return FALSE;
        }
      return set_errno_error (error, errno, "Could not open “%s”", path);
    }
  if (fstat (fd, &st) < 0)
    {
      set_errno_error (error, errno, "Could not inspect “%s”", path);
      close (fd);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s” is not a regular file", path);
      close (fd);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "“%s” has permissions %04o: group or others may read or change it, "
                   "so it can no longer be trusted as a secret",
                   path, (unsigned) (st.st_mode & 07777));
      close (fd);
      return FALSE;
    }
  if ((guint64) st.st_size > max_len)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s” is %" G_GUINT64_FORMAT " bytes long, more than the %" G_GSIZE_FORMAT
                   " bytes it can hold", path, (guint64) st.st_size, max_len);
      close (fd);
      return FALSE;
    }

  buf = g_malloc (max_len + 1);
  while (n < max_len)
    {
      gssize r = read (fd, buf + n, max_len - n);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          saved_errno = errno;
          close (fd);
          return set_errno_error (error, saved_errno, "Could not read “%s”", path);
        }
      if (r == 0)
        break;
      n += (gsize) r;
    }
  close (fd);
  buf[n] = '\0';
  *contents = g_steal_pointer (&buf);
  if (len != NULL)
    *len = n;
  return TRUE;
}
