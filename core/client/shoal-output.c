/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Positioned writes of the package stream into a file, a block device or a directory tree.
 * Space is reserved up front where the filesystem allows, so a full disk is reported before
 * the transfer rather than as a truncated file after it.
 *
 * The page-aligned middle of each write goes through a second descriptor opened with
 * O_DIRECT: filling fresh page-cache pages costs ~1.4 s of kernel CPU per GiB here, against
 * ~0.15 s for direct I/O, and an imaged machine never reads its image back through the cache.
 * The unaligned ends of a write, and filesystems that refuse O_DIRECT (tmpfs), use the
 * ordinary descriptor; the kernel keeps the two coherent. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "shoal-client-error.h"
#include "shoal-output.h"

G_DEFINE_QUARK (shoal-client-error-quark, shoal_client_error)

typedef struct
{
  char   *path;         /* full path on disk */
  guint64 offset;
  guint64 size;
  int     fd;
  int     dfd;          /* O_DIRECT, or -1 */
  gint    direct_off;   /* atomic: the kernel refused direct I/O on dfd; left open until close */
} OutFile;

/* File offsets and memory of direct writes are aligned to this: the page size, which is a
 * multiple of every logical block size Linux supports. */
#define DIRECT_ALIGN 4096
#define BOUNCE_SIZE (1024 * 1024)

struct _ShoalOutput
{
  GArray *files;        /* OutFile, ordered by offset */
  GMutex  bounce_lock;
  GSList *bounces;      /* idle BOUNCE_SIZE buffers aligned to DIRECT_ALIGN, one a writer */
};

static gboolean
set_io_error (GError **error, int err, const char *what, const char *path, guint64 offset)
{
  g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_WRITE_FAILED,
               "%s %s at byte %" G_GUINT64_FORMAT ": %s%s", what, path, offset,
               g_strerror (err), err == ENOSPC ? " (the disk is full)" : "");
  return FALSE;
}

static gboolean
open_one (OutFile *f, gboolean create, GError **error)
{
  struct stat st;

  f->fd = open (f->path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (f->fd < 0)
    return set_io_error (error, errno, "cannot open", f->path, 0);
  if (fstat (f->fd, &st) != 0)
    return set_io_error (error, errno, "cannot stat", f->path, 0);
  if (S_ISBLK (st.st_mode))
    {
      guint64 dev_size = 0;

      f->dfd = open (f->path, O_WRONLY | O_CLOEXEC | O_DIRECT);

      if (ioctl (f->fd, BLKGETSIZE64, &dev_size) != 0)
        return set_io_error (error, errno, "cannot read the size of", f->path, 0);
      if (dev_size < f->size)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_WRITE_FAILED,
                       "block device %s holds %" G_GUINT64_FORMAT " bytes; the package needs %"
                       G_GUINT64_FORMAT, f->path, dev_size, f->size);
          return FALSE;
        }
      return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_WRITE_FAILED,
                   "%s is neither a regular file nor a block device", f->path);
      return FALSE;
    }
  if ((guint64) st.st_size != f->size && ftruncate (f->fd, f->size) != 0)
    return set_io_error (error, errno, "cannot size", f->path, f->size);
  if (f->size > 0)
    {
      int rc = posix_fallocate (f->fd, 0, f->size);
      if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL)
        return set_io_error (error, rc, "cannot reserve space for", f->path, f->size);
    }
  /* Fails with EINVAL where the filesystem has no direct I/O; writes are buffered then. */
  f->dfd = open (f->path, O_WRONLY | O_CLOEXEC | O_DIRECT);
  return TRUE;
}

static ShoalOutput *
output_new (void)
{
  ShoalOutput *out = g_new0 (ShoalOutput, 1);

  out->files = g_array_new (FALSE, TRUE, sizeof (OutFile));
  g_mutex_init (&out->bounce_lock);
  return out;
}

ShoalOutput *
shoal_output_open_single (const char  *path,
                          guint64      total_size,
                          GError     **error)
{
  g_autoptr(ShoalOutput) out = output_new ();
  OutFile f = { g_strdup (path), 0, total_size, -1, -1 };

  g_array_append_val (out->files, f);
  if (!open_one (&g_array_index (out->files, OutFile, 0), TRUE, error))
    return NULL;
  return g_steal_pointer (&out);
}

ShoalOutput *
shoal_output_open_dir (const char            *dir,
                       const ShoalOutputFile *files,
                       guint                  n_files,
                       GError               **error)
{
  g_autoptr(ShoalOutput) out = output_new ();

  for (guint i = 0; i < n_files; i++)
    {
      OutFile f = { NULL, files[i].offset, files[i].size, -1, -1 };
      g_autofree char *parent = NULL;

      if (g_path_is_absolute (files[i].path) || strstr (files[i].path, "..") != NULL)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_PROTOCOL,
                       "refusing the unsafe path \"%s\" in the manifest", files[i].path);
          return NULL;
        }
      f.path = g_build_filename (dir, files[i].path, NULL);
      parent = g_path_get_dirname (f.path);
      g_array_append_val (out->files, f);
      if (g_mkdir_with_parents (parent, 0755) != 0)
        return (set_io_error (error, errno, "cannot create the directory", parent, 0), NULL);
      if (!open_one (&g_array_index (out->files, OutFile, i), TRUE, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

typedef gboolean (*SpanFunc) (ShoalOutput *out, OutFile *f, guint64 file_off, guint8 *data,
                              gsize len, GError **error);

/* Splits [offset, offset+len) of the stream at file boundaries. */
static gboolean
for_each_span (ShoalOutput *out, guint64 offset, guint8 *data, gsize len, SpanFunc func,
               GError **error)
{
  for (guint i = 0; i < out->files->len && len > 0; i++)
    {
      OutFile *f = &g_array_index (out->files, OutFile, i);
      guint64 start, n;

      if (offset >= f->offset + f->size || offset < f->offset)
        continue;
      start = offset - f->offset;
      n = MIN (len, f->size - start);
      if (!func (out, f, start, data, n, error))
        return FALSE;
      offset += n;
      data += n;
      len -= n;
    }
  if (len > 0)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_PROTOCOL,
                   "byte %" G_GUINT64_FORMAT " lies outside the package's files", offset);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_all (OutFile *f, int fd, guint64 off, const guint8 *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pwrite (fd, data, len, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return set_io_error (error, n < 0 ? errno : ENOSPC, "cannot write", f->path, off);
      data += n;
      off += n;
      len -= n;
    }
  return TRUE;
}

static guint8 *
take_bounce (ShoalOutput *out)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&out->bounce_lock);
  guint8 *bounce;

  if (out->bounces == NULL)
    return g_aligned_alloc (1, BOUNCE_SIZE, DIRECT_ALIGN);
  bounce = out->bounces->data;
  out->bounces = g_slist_delete_link (out->bounces, out->bounces);
  return bounce;
}

static void
give_bounce (ShoalOutput *out, guint8 *bounce)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&out->bounce_lock);

  out->bounces = g_slist_prepend (out->bounces, bounce);
}

/* Writes the aligned [off, off+len) through the O_DIRECT descriptor, by way of an aligned
 * bounce buffer (one per concurrent writer). Returns 1 when written, 0 on an error, -1 when
 * the kernel refuses direct I/O on this file before anything was written; the file is then
 * written through the page cache for good. */
static int
write_direct_with (OutFile *f, guint8 *bounce, guint64 off, const guint8 *data, gsize len,
                   GError **error)
{
  gboolean first = TRUE;

  while (len > 0)
    {
      gsize chunk = MIN (len, BOUNCE_SIZE);
      gsize done = 0;

      memcpy (bounce, data, chunk);
      while (done < chunk)
        {
          ssize_t n = pwrite (f->dfd, bounce + done, chunk - done, off + done);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EINVAL && first)
            {
              g_debug ("%s refuses direct I/O; writing through the page cache", f->path);
              g_atomic_int_set (&f->direct_off, TRUE);
              return -1;
            }
          if (n <= 0)
            return set_io_error (error, n < 0 ? errno : ENOSPC, "cannot write", f->path,
                                 off + done);
          first = FALSE;
          done += n;
          /* A short write that leaves an unaligned rest: finish the chunk buffered. */
          if (done < chunk && done % DIRECT_ALIGN != 0)
            {
              if (!write_all (f, f->fd, off + done, bounce + done, chunk - done, error))
                return 0;
              done = chunk;
            }
        }
      data += chunk;
      off += chunk;
      len -= chunk;
    }
  return 1;
}

static int
write_direct (ShoalOutput *out, OutFile *f, guint64 off, const guint8 *data, gsize len,
              GError **error)
{
  guint8 *bounce = take_bounce (out);
  int rc = write_direct_with (f, bounce, off, data, len, error);

  give_bounce (out, bounce);
  return rc;
}

static gboolean
write_span (ShoalOutput *out, OutFile *f, guint64 off, guint8 *data, gsize len,
            GError **error)
{
  gsize head = (DIRECT_ALIGN - off % DIRECT_ALIGN) % DIRECT_ALIGN;
  gsize mid;
  int rc;

  if (f->dfd < 0 || g_atomic_int_get (&f->direct_off) || len < head + DIRECT_ALIGN)
    return write_all (f, f->fd, off, data, len, error);
  mid = (len - head) / DIRECT_ALIGN * DIRECT_ALIGN;
  if (!write_all (f, f->fd, off, data, head, error))
    return FALSE;
  rc = write_direct (out, f, off + head, data + head, mid, error);
  if (rc == 0)
    return FALSE;
  if (rc < 0)
    {
      if (!write_all (f, f->fd, off + head, data + head, mid, error))
        return FALSE;
    }
  return write_all (f, f->fd, off + head + mid, data + head + mid, len - head - mid, error);
}

static gboolean
read_span (ShoalOutput *out G_GNUC_UNUSED, OutFile *f, guint64 off, guint8 *data, gsize len,
           GError **error)
{
  while (len > 0)
    {
      ssize_t n = pread (f->fd, data, len, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return set_io_error (error, n < 0 ? errno : EIO, "cannot read back", f->path, off);
      data += n;
      off += n;
      len -= n;
    }
  return TRUE;
}

gboolean
shoal_output_write (ShoalOutput   *out,
                    guint64        offset,
                    const guint8  *data,
                    gsize          len,
                    GError       **error)
{
  return for_each_span (out, offset, (guint8 *) data, len, write_span, error);
}

gboolean
shoal_output_read (ShoalOutput  *out,
                   guint64       offset,
                   guint8       *data,
                   gsize         len,
                   GError      **error)
{
  return for_each_span (out, offset, data, len, read_span, error);
}

gboolean
shoal_output_sync (ShoalOutput  *out,
                   GError      **error)
{
  for (guint i = 0; i < out->files->len; i++)
    {
      OutFile *f = &g_array_index (out->files, OutFile, i);
      if (fdatasync (f->fd) != 0 && errno != EINVAL)
        return set_io_error (error, errno, "cannot flush", f->path, 0);
    }
  return TRUE;
}

/* The file that holds stream byte @offset, for messages. */
const char *
shoal_output_describe (ShoalOutput *out,
                       guint64      offset)
{
  for (guint i = 0; i < out->files->len; i++)
    {
      OutFile *f = &g_array_index (out->files, OutFile, i);
      if (offset >= f->offset && offset < f->offset + f->size)
        return f->path;
    }
  return "(outside the package)";
}

void
shoal_output_close (ShoalOutput *out)
{
  if (out == NULL)
    return;
  for (guint i = 0; i < out->files->len; i++)
    {
      OutFile *f = &g_array_index (out->files, OutFile, i);
      if (f->fd >= 0)
        close (f->fd);
      if (f->dfd >= 0)
        close (f->dfd);
      g_free (f->path);
    }
  g_array_unref (out->files);
  g_slist_free_full (out->bounces, g_aligned_free);
  g_mutex_clear (&out->bounce_lock);
  g_free (out);
}
