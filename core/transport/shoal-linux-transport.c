/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Linux fast path: runs of datagrams leave in one sendmmsg() with UDP segmentation
 * offload and arrive coalesced by UDP GRO, split back here; pacing in user space. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "shoal-linux-transport.h"
#include "shoal-transport-socket.h"

/* UDP_MAX_SEGMENTS is 64 on the oldest kernels with UDP_SEGMENT; stay within it. */
#define GSO_MAX_SEGMENTS   64
#define GSO_MAX_BYTES      65507          /* largest IPv4 UDP payload */
#define SEND_MAX_MESSAGES  16             /* messages per sendmmsg() */
#define RECV_MAX_SLOTS     64             /* coalesced buffers per recvmmsg() */
#define PACE_CREDIT_NS     1000000        /* an idle sender may bank 1 ms of sending */
#define PACE_CHUNK_NS      1000000        /* and sends at most ~1 ms worth per call */
#define SLEEP_POLL_NS      2000000        /* longer waits watch for close() */
#define CONTROL_SPACE      64

struct _ShoalLinuxTransport
{
  ShoalTransport            parent_instance;

  int                       fd;
  int                       wake_fd;        /* eventfd: close() wakes blocked callers */
  int                       family;
  guint                     ifindex;
  gint                      closed;         /* atomic */
  gint                      busy;           /* atomic: callers inside send/receive */
  gboolean                  opened;
  struct sockaddr_storage   group_addr;
  socklen_t                 group_len;

  /* sender */
  gboolean                  gso_ok;
  gboolean                  gso_confirmed;  /* a UDP_SEGMENT send has succeeded */
  guint                     gso_failures;
  gint64                    pace_next;      /* CLOCK_MONOTONIC ns when the next byte may go */
  struct mmsghdr            smsgs[SEND_MAX_MESSAGES];
  struct iovec              siovs[SEND_MAX_MESSAGES];
  union {
    char                    buf[CMSG_SPACE (sizeof (guint16))];
    struct cmsghdr          align;
  }                         scontrol[SEND_MAX_MESSAGES];

  /* receiver */
  struct mmsghdr            rmsgs[RECV_MAX_SLOTS];
  struct iovec              riovs[RECV_MAX_SLOTS];
  struct sockaddr_storage   rnames[RECV_MAX_SLOTS];
  union {
    char                    buf[CONTROL_SPACE];
    struct cmsghdr          align;
  }                         rcontrol[RECV_MAX_SLOTS];
  guint8                   *bounce;         /* one slot when the batch is under 64 KiB */
  GQueue                    carry;          /* Carry: read, but did not fit the last batch */
  guint                     segs_hint;      /* datagrams per buffer in the last read */

  ShoalLinuxTransportStats  stats;
};

/* The rest of a received buffer that the caller's batch had no room for. */
typedef struct
{
  gsize                   len;
  gsize                   seg;
  struct sockaddr_storage from;
  socklen_t               from_len;
  guint8                  data[];
} Carry;

G_DEFINE_FINAL_TYPE (ShoalLinuxTransport, shoal_linux_transport, SHOAL_TYPE_TRANSPORT)

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static struct timespec
ns_to_timespec (gint64 ns)
{
  struct timespec ts = { ns / 1000000000, ns % 1000000000 };

  return ts;
}

static gboolean
is_closed (ShoalLinuxTransport *self)
{
  return g_atomic_int_get (&self->closed) != 0;
}

static gboolean
set_closed_error (GError **error)
{
  g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED,
                       "the transport is closed");
  return FALSE;
}

/* Every caller that touches the descriptor holds a busy count, so close() can wake it and
 * wait for it to leave before closing the descriptor under it. */
static gboolean
enter (ShoalLinuxTransport  *self,
       GError              **error)
{
  g_atomic_int_inc (&self->busy);
  if (!self->opened || is_closed (self))
    {
      g_atomic_int_add (&self->busy, -1);
      if (!self->opened && !is_closed (self))
        {
          g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                               "the transport is not open");
          return FALSE;
        }
      return set_closed_error (error);
    }
  return TRUE;
}

static void
leave (ShoalLinuxTransport *self)
{
  g_atomic_int_add (&self->busy, -1);
}

/* Sleeps until @deadline (CLOCK_MONOTONIC ns). Short waits use clock_nanosleep for
 * precision; long ones poll the wake descriptor so close() is not held up. Returns FALSE
 * once the transport is closed. */
static gboolean
sleep_until (ShoalLinuxTransport *self,
             gint64               deadline)
{
  for (;;)
    {
      gint64 left = deadline - now_ns ();
      struct timespec ts;

      if (is_closed (self))
        return FALSE;
      if (left <= 0)
        return TRUE;
      if (left > SLEEP_POLL_NS)
        {
          struct pollfd pfd = { .fd = self->wake_fd, .events = POLLIN };

          ts = ns_to_timespec (left - SLEEP_POLL_NS / 2);
          ppoll (&pfd, 1, &ts, NULL);
          continue;
        }
      ts = ns_to_timespec (deadline);
      clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

/* Waits for @events on the socket or a close(); -1 waits forever. Returns the socket's
 * revents, 0 on timeout, -1 once closed. */
static int
wait_socket (ShoalLinuxTransport *self,
             short                events,
             gint64               timeout_ns)
{
  struct pollfd pfds[2] = {
    { .fd = self->fd, .events = events },
    { .fd = self->wake_fd, .events = POLLIN },
  };
  gint64 deadline = timeout_ns >= 0 ? now_ns () + timeout_ns : -1;

  for (;;)
    {
      struct timespec ts;
      int rc;

      if (deadline >= 0)
        {
          gint64 left = MAX (deadline - now_ns (), 0);
          ts = ns_to_timespec (left);
        }
      rc = ppoll (pfds, 2, deadline >= 0 ? &ts : NULL, NULL);
      if (rc < 0 && errno == EINTR)
        continue;
      if (pfds[1].revents != 0 || is_closed (self))
        return -1;
      if (rc <= 0)
        return 0;
      if (pfds[0].revents & POLLERR)
        {
          shoal_transport_socket_drain_errors (self->fd);
          if (!(pfds[0].revents & events))
            continue;
        }
      return pfds[0].revents;
    }
}

/* Errors that an earlier unicast send left behind (IP_RECVERR turns ICMP into them); they
 * say nothing about the call that returns them. */
static gboolean
is_stale_icmp_error (int err)
{
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH
         || err == EHOSTDOWN || err == ENONET || err == EPROTO;
}

gboolean
shoal_linux_transport_supported (void)
{
  static gsize once = 0;
  static gboolean supported = FALSE;

  if (g_once_init_enter (&once))
    {
      int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
      int seg = 1400, one = 1;

      if (fd >= 0)
        {
          supported = setsockopt (fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) == 0
                      && setsockopt (fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
          close (fd);
        }
      g_once_init_leave (&once, 1);
    }
  return supported;
}

static gboolean
shoal_linux_transport_open (ShoalTransport  *transport,
                            GError         **error)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (transport);
  GInetSocketAddress *group = shoal_transport_get_group (transport);
  ShoalTransportRole role = shoal_transport_get_role (transport);
  const char *iface = shoal_transport_get_interface (transport);
  g_autoptr(GError) local_error = NULL;
  guint port;
  int one = 1;

  if (self->opened || is_closed (self))
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                           "the transport was already opened");
      return FALSE;
    }
  if (!shoal_transport_check_group (group, error)
      || !shoal_transport_resolve_interface (iface, &self->ifindex, error))
    return FALSE;
  self->family = g_inet_address_get_family (g_inet_socket_address_get_address (group))
                 == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  self->group_len = sizeof self->group_addr;
  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (group), &self->group_addr,
                                   sizeof self->group_addr, error))
    return FALSE;
  self->group_len = self->family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                             : sizeof (struct sockaddr_in);

  port = g_inet_socket_address_get_port (group);
  if (role == SHOAL_TRANSPORT_ROLE_SENDER && shoal_transport_get_control_port (transport))
    port = shoal_transport_get_control_port (transport);

  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->wake_fd < 0)
    {
      int saved = errno;
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                   "eventfd failed: %s", g_strerror (saved));
      return FALSE;
    }
  self->fd = shoal_transport_socket_open (self->family, port, TRUE, error);
  if (self->fd < 0)
    return FALSE;
  shoal_transport_socket_own_groups_only (self->fd, self->family);
  shoal_transport_socket_set_buffer (self->fd, SO_SNDBUF, shoal_transport_get_sndbuf (transport));
  shoal_transport_socket_set_buffer (self->fd, SO_RCVBUF, shoal_transport_get_rcvbuf (transport));

  /* Both roles read with GRO: control from many receivers rarely coalesces, but a sender's
   * replies and the group's data may, and splitting is the same code. */
  if (setsockopt (self->fd, SOL_UDP, UDP_GRO, &one, sizeof one) < 0)
    g_debug ("UDP_GRO unavailable: %s; receiving one datagram per buffer", g_strerror (errno));

  if (role == SHOAL_TRANSPORT_ROLE_SENDER)
    {
      if (!shoal_transport_socket_set_sender (self->fd, self->family, self->ifindex,
                                              shoal_transport_get_ttl (transport),
                                              shoal_transport_get_loop (transport), error)
          || !shoal_transport_socket_recverr (self->fd, self->family, error))
        goto fail;
      self->gso_ok = shoal_linux_transport_supported ();
      self->stats.gso_disabled = !self->gso_ok;
    }
  else
    {
      /* Receivers send only unicast control, but a loop or TTL setting must not surprise
       * anyone who reuses the socket for multicast. */
      if (!shoal_transport_socket_set_sender (self->fd, self->family, self->ifindex,
                                              shoal_transport_get_ttl (transport),
                                              shoal_transport_get_loop (transport), error)
          || !shoal_transport_socket_join (self->fd, group, self->ifindex, iface, error))
        goto fail;
    }
  self->opened = TRUE;
  return TRUE;

fail:
  close (self->fd);
  self->fd = -1;
  return FALSE;
}

static gboolean
send_failed (ShoalLinuxTransport  *self,
             int                   err,
             gsize                 msg_len,
             gsize                 seg_size,
             GError              **error)
{
  g_autofree char *dest = shoal_transport_describe_address ((struct sockaddr *) &self->group_addr,
                                                           self->group_len);

  g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
               "sendmmsg of %" G_GSIZE_FORMAT " bytes in %" G_GSIZE_FORMAT
               "-byte datagrams to %s failed: %s", msg_len, seg_size, dest, g_strerror (err));
  return FALSE;
}

/* Holds the sender to "rate" bits/s: each call's bytes are due at pace_next, which advances
 * by their airtime. An idle sender banks at most PACE_CREDIT_NS, so bursts stay short. */
static gboolean
pace (ShoalLinuxTransport *self,
      gsize                bytes,
      guint64              rate)
{
  gint64 now;

  if (rate == 0)
    {
      self->pace_next = 0;
      return TRUE;
    }
  now = now_ns ();
  if (self->pace_next < now - PACE_CREDIT_NS)
    self->pace_next = now - PACE_CREDIT_NS;
  if (self->pace_next > now && !sleep_until (self, self->pace_next))
    return FALSE;
  self->pace_next += (gint64) ((guint64) bytes * 8 * G_GUINT64_CONSTANT (1000000000) / rate);
  return TRUE;
}

static gboolean
shoal_linux_transport_send_group (ShoalTransport  *transport,
                                  const guint8    *data,
                                  gsize            len,
                                  gsize            seg_size,
                                  GError         **error)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (transport);
  gsize msg_off[SEND_MAX_MESSAGES];
  gsize off = 0, plain_until = 0;
  gsize gso_segs = MIN (GSO_MAX_SEGMENTS, GSO_MAX_BYTES / seg_size);
  guint stale_retries = 0;
  gboolean ok = TRUE;

  if (!enter (self, error))
    return FALSE;

  while (off < len && ok)
    {
      guint64 rate = shoal_transport_get_rate (transport);
      gsize chunk_limit = G_MAXSIZE, batch_bytes = 0, start = off;
      guint m = 0, sent = 0;

      if (rate > 0)
        chunk_limit = MAX ((gsize) (rate / 8 * PACE_CHUNK_NS / G_GUINT64_CONSTANT (1000000000)),
                           seg_size);

      /* Cut the run into messages: GSO ones of up to gso_segs segments, or single
       * datagrams once the kernel has refused segmentation. */
      while (off < len && m < SEND_MAX_MESSAGES && batch_bytes < chunk_limit)
        {
          struct msghdr *hdr = &self->smsgs[m].msg_hdr;
          gsize want = MIN (len - off, chunk_limit - batch_bytes);
          gsize msg_len;

          memset (hdr, 0, sizeof *hdr);
          hdr->msg_name = &self->group_addr;
          hdr->msg_namelen = self->group_len;
          hdr->msg_iov = &self->siovs[m];
          hdr->msg_iovlen = 1;
          if (self->gso_ok && off >= plain_until && gso_segs > 1 && want > seg_size)
            {
              gsize segs = MIN (gso_segs, (want + seg_size - 1) / seg_size);
              struct cmsghdr *cm;

              msg_len = MIN (segs * seg_size, len - off);
              if (msg_len > seg_size)
                {
                  hdr->msg_control = self->scontrol[m].buf;
                  hdr->msg_controllen = sizeof self->scontrol[m].buf;
                  cm = CMSG_FIRSTHDR (hdr);
                  cm->cmsg_level = SOL_UDP;
                  cm->cmsg_type = UDP_SEGMENT;
                  cm->cmsg_len = CMSG_LEN (sizeof (guint16));
                  *(guint16 *) (gpointer) CMSG_DATA (cm) = (guint16) seg_size;
                }
            }
          else
            msg_len = MIN (seg_size, len - off);
          self->siovs[m].iov_base = (guint8 *) data + off;
          self->siovs[m].iov_len = msg_len;
          msg_off[m] = off;
          off += msg_len;
          batch_bytes += msg_len;
          m++;
        }

      if (!pace (self, batch_bytes, rate))
        {
          ok = set_closed_error (error);
          break;
        }

      while (sent < m)
        {
          int rc = sendmmsg (self->fd, &self->smsgs[sent], m - sent, 0);
          int err = errno;

          if (rc > 0)
            {
              stale_retries = 0;
              for (guint i = sent; i < sent + (guint) rc; i++)
                {
                  gsize l = self->siovs[i].iov_len;

                  self->stats.datagrams_sent += (l + seg_size - 1) / seg_size;
                  self->stats.bytes_sent += l;
                  if (self->smsgs[i].msg_hdr.msg_control != NULL)
                    {
                      self->stats.gso_messages++;
                      self->gso_confirmed = TRUE;
                    }
                }
              self->stats.send_calls++;
              sent += rc;
              continue;
            }
          if (rc == 0)
            err = EIO;
          /* A pending error is reported once; the same one again is about this send. */
          if (err == EINTR || (is_stale_icmp_error (err) && stale_retries++ < 2))
            {
              shoal_transport_socket_drain_errors (self->fd);
              continue;
            }
          if (err == EAGAIN || err == EWOULDBLOCK)
            {
              self->stats.send_waits++;
              if (wait_socket (self, POLLOUT, -1) < 0)
                {
                  ok = set_closed_error (error);
                  break;
                }
              continue;
            }
          if (err == ENOBUFS)
            {
              /* The queueing discipline is full: the socket never becomes unwritable for
               * this, so back off briefly and send the same message again. */
              self->stats.send_waits++;
              if (!sleep_until (self, now_ns () + 200000))
                {
                  ok = set_closed_error (error);
                  break;
                }
              continue;
            }
          if ((err == EIO || err == EINVAL || err == EMSGSIZE)
              && self->smsgs[sent].msg_hdr.msg_control != NULL)
            {
              /* Segmentation refused. EIO: the device cannot checksum for it, so until
               * segmentation has once worked, stop trying. EINVAL or EMSGSIZE: usually this
               * message only (a segment over the path MTU), unless it never worked at all.
               * Either way, resend from here as single datagrams. */
              if (!self->gso_confirmed && (err == EIO || ++self->gso_failures >= 4))
                {
                  g_debug ("UDP_SEGMENT refused (%s); sending one datagram per message",
                           g_strerror (err));
                  self->gso_ok = FALSE;
                  self->stats.gso_disabled = TRUE;
                }
              plain_until = msg_off[sent] + self->siovs[sent].iov_len;
              off = msg_off[sent];
              /* The next pace() charges these bytes again; refund them. */
              if (rate > 0)
                self->pace_next -= (gint64) ((guint64) (start + batch_bytes - off) * 8
                                             * G_GUINT64_CONSTANT (1000000000) / rate);
              break;
            }
          ok = send_failed (self, err, self->siovs[sent].iov_len, seg_size, error);
          break;
        }
    }
  leave (self);
  return ok;
}

static gboolean
shoal_linux_transport_send_to (ShoalTransport         *transport,
                               const struct sockaddr  *dest,
                               socklen_t               dest_len,
                               const guint8           *data,
                               gsize                   len,
                               GError                **error)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (transport);
  gboolean ok = TRUE;

  if (!shoal_transport_check_destination (transport, dest, dest_len, error)
      || !enter (self, error))
    return FALSE;
  for (guint attempt = 0;; attempt++)
    {
      ssize_t rc = sendto (self->fd, data, len, 0, dest, dest_len);
      int err = errno;

      if (rc >= 0)
        break;
      if ((err == EINTR || is_stale_icmp_error (err)) && attempt < 2)
        {
          shoal_transport_socket_drain_errors (self->fd);
          continue;
        }
      if (err == EAGAIN || err == ENOBUFS)
        {
          if (wait_socket (self, POLLOUT, 100 * G_GINT64_CONSTANT (1000000)) < 0)
            {
              ok = set_closed_error (error);
              break;
            }
          if (err == ENOBUFS && !sleep_until (self, now_ns () + 200000))
            {
              ok = set_closed_error (error);
              break;
            }
          if (attempt < 1000)
            continue;
        }
      {
        g_autofree char *to = shoal_transport_describe_address (dest, dest_len);

        g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                     "sendto %s (%" G_GSIZE_FORMAT " bytes) failed: %s", to, len,
                     g_strerror (err));
        ok = FALSE;
        break;
      }
    }
  leave (self);
  return ok;
}

/* Adds the datagrams of one received buffer to @batch. What does not fit is kept, in order,
 * for the next call (at the head when it came from there). @data already lies inside
 * batch->buf unless @copy is set. */
static void
split_into_batch (ShoalLinuxTransport           *self,
                  ShoalDatagramBatch            *batch,
                  const guint8                  *data,
                  gsize                          len,
                  gsize                          seg,
                  const struct sockaddr_storage *from,
                  socklen_t                      from_len,
                  gsize                         *used,
                  gboolean                       copy,
                  gboolean                       to_head)
{
  gsize off = 0;

  if (seg == 0 || seg > len)
    seg = len;
  while (off < len)
    {
      gsize l = MIN (seg, len - off);
      ShoalDatagram *d;

      if (batch->n_dgrams == batch->max_dgrams || (copy && *used + l > batch->buf_size))
        {
          Carry *c = g_malloc (sizeof (Carry) + len - off);

          c->len = len - off;
          c->seg = seg;
          c->from = *from;
          c->from_len = from_len;
          memcpy (c->data, data + off, len - off);
          if (to_head)
            g_queue_push_head (&self->carry, c);
          else
            g_queue_push_tail (&self->carry, c);
          return;
        }
      d = &batch->dgrams[batch->n_dgrams++];
      if (copy)
        {
          memcpy (batch->buf + *used, data + off, l);
          d->data = batch->buf + *used;
          *used += l;
        }
      else
        d->data = (guint8 *) data + off;
      d->len = l;
      memcpy (&d->from, from, from_len);
      d->from_len = from_len;
      self->stats.datagrams_received++;
      self->stats.bytes_received += l;
      off += l;
    }
}

static gboolean
shoal_linux_transport_receive (ShoalTransport      *transport,
                               ShoalDatagramBatch  *batch,
                               gint64               timeout_us,
                               GError             **error)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (transport);
  gint64 deadline = timeout_us > 0 ? now_ns () + timeout_us * 1000 : timeout_us;
  gsize used = 0;
  gboolean ok = TRUE;

  if (!enter (self, error))
    return FALSE;

  while (!g_queue_is_empty (&self->carry))
    {
      g_autofree Carry *c = g_queue_pop_head (&self->carry);

      split_into_batch (self, batch, c->data, c->len, c->seg, &c->from, c->from_len, &used,
                        TRUE, TRUE);
      if (batch->n_dgrams == batch->max_dgrams || used == batch->buf_size
          || g_queue_peek_head (&self->carry) != NULL)
        goto out;
    }

  for (;;)
    {
      gboolean bounce = FALSE;
      guint slots, room = batch->max_dgrams - batch->n_dgrams;
      gsize base = used;
      int rc, err;

      if (room == 0)
        break;
      /* Read no more buffers than the batch can describe, judging by how many datagrams
       * the last read packed into each; the carry takes the rare excess. */
      slots = MIN ((batch->buf_size - used) / SHOAL_LINUX_TRANSPORT_SLOT_SIZE,
                   MIN (MAX (room / MAX (self->segs_hint, 1), 1), RECV_MAX_SLOTS));
      if (slots == 0)
        {
          /* A small batch: read one buffer into the bounce area and copy what fits. Once
           * something is in the batch, leave the rest for the next call. */
          if (batch->n_dgrams > 0)
            break;
          if (self->bounce == NULL)
            self->bounce = g_malloc (SHOAL_LINUX_TRANSPORT_SLOT_SIZE);
          bounce = TRUE;
          slots = 1;
        }
      for (guint i = 0; i < slots; i++)
        {
          struct msghdr *hdr = &self->rmsgs[i].msg_hdr;

          self->riovs[i].iov_base =
            bounce ? self->bounce : batch->buf + base + (gsize) i * SHOAL_LINUX_TRANSPORT_SLOT_SIZE;
          self->riovs[i].iov_len = SHOAL_LINUX_TRANSPORT_SLOT_SIZE;
          hdr->msg_name = &self->rnames[i];
          hdr->msg_namelen = sizeof self->rnames[i];
          hdr->msg_iov = &self->riovs[i];
          hdr->msg_iovlen = 1;
          hdr->msg_control = self->rcontrol[i].buf;
          hdr->msg_controllen = sizeof self->rcontrol[i].buf;
          hdr->msg_flags = 0;
        }
      rc = recvmmsg (self->fd, self->rmsgs, slots, MSG_DONTWAIT, NULL);
      err = errno;
      if (rc > 0)
        {
          guint segs_hint = 1;

          self->stats.receive_calls++;
          if (!bounce)
            used += (gsize) rc * SHOAL_LINUX_TRANSPORT_SLOT_SIZE;
          for (int i = 0; i < rc; i++)
            {
              struct msghdr *hdr = &self->rmsgs[i].msg_hdr;
              gsize len = self->rmsgs[i].msg_len;
              gsize seg = 0;

              for (struct cmsghdr *cm = CMSG_FIRSTHDR (hdr); cm; cm = CMSG_NXTHDR (hdr, cm))
                if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO)
                  {
                    int v;

                    memcpy (&v, CMSG_DATA (cm), sizeof v);
                    seg = v;
                  }
              if (hdr->msg_flags & MSG_TRUNC)
                {
                  /* Cannot happen with 64 KiB slots; count it rather than hand out a
                   * datagram with a missing tail. */
                  self->stats.truncated++;
                  continue;
                }
              if (seg > 0 && seg < len)
                {
                  self->stats.gro_buffers++;
                  segs_hint = MAX (segs_hint, (guint) ((len + seg - 1) / seg));
                }
              split_into_batch (self, batch, self->riovs[i].iov_base, len, seg,
                                &self->rnames[i], hdr->msg_namelen, &used, bounce, FALSE);
            }
          self->segs_hint = segs_hint;
          if (!g_queue_is_empty (&self->carry) || (guint) rc < slots || bounce)
            break;
          continue;
        }
      if (rc == 0)
        break;
      if (err == EINTR)
        continue;
      if (is_stale_icmp_error (err))
        {
          shoal_transport_socket_drain_errors (self->fd);
          continue;
        }
      if (err != EAGAIN && err != EWOULDBLOCK)
        {
          g_autofree char *group =
            shoal_transport_describe_group (shoal_transport_get_group (transport));

          g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                       "recvmmsg on the socket of group %s failed: %s", group, g_strerror (err));
          ok = FALSE;
          break;
        }
      /* Nothing queued: wait only if nothing has arrived yet. */
      if (batch->n_dgrams > 0 || timeout_us == 0)
        break;
      {
        gint64 left = deadline < 0 ? -1 : MAX (deadline - now_ns (), 0);
        int revents;

        if (deadline >= 0 && left == 0)
          break;
        revents = wait_socket (self, POLLIN, left);
        if (revents < 0)
          {
            ok = set_closed_error (error);
            break;
          }
        if (revents == 0)
          break;
      }
    }
out:
  leave (self);
  return ok;
}

static void
shoal_linux_transport_close (ShoalTransport *transport)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (transport);
  guint64 one = 1;

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  if (self->wake_fd >= 0 && write (self->wake_fd, &one, sizeof one) < 0)
    g_debug ("eventfd write failed: %s", g_strerror (errno));
  while (g_atomic_int_get (&self->busy) > 0)
    g_usleep (100);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

static void
shoal_linux_transport_finalize (GObject *object)
{
  ShoalLinuxTransport *self = SHOAL_LINUX_TRANSPORT (object);

  shoal_linux_transport_close (SHOAL_TRANSPORT (self));
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_free (self->bounce);
  g_queue_clear_full (&self->carry, g_free);
  G_OBJECT_CLASS (shoal_linux_transport_parent_class)->finalize (object);
}

static void
shoal_linux_transport_class_init (ShoalLinuxTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShoalTransportClass *transport_class = SHOAL_TRANSPORT_CLASS (klass);

  object_class->finalize = shoal_linux_transport_finalize;
  transport_class->open = shoal_linux_transport_open;
  transport_class->send_group = shoal_linux_transport_send_group;
  transport_class->send_to = shoal_linux_transport_send_to;
  transport_class->receive = shoal_linux_transport_receive;
  transport_class->close = shoal_linux_transport_close;
}

static void
shoal_linux_transport_init (ShoalLinuxTransport *self)
{
  self->fd = -1;
  self->wake_fd = -1;
  g_queue_init (&self->carry);
}

ShoalTransport *
shoal_linux_transport_new (ShoalTransportRole  role,
                           GInetSocketAddress *group,
                           const char         *iface,
                           guint               ttl,
                           gboolean            loop,
                           guint               control_port)
{
  g_return_val_if_fail (group == NULL || G_IS_INET_SOCKET_ADDRESS (group), NULL);

  return g_object_new (SHOAL_TYPE_LINUX_TRANSPORT,
                       "role", role,
                       "group", group,
                       "interface", iface,
                       "ttl", ttl,
                       "loop", loop,
                       "control-port", control_port,
                       NULL);
}

void
shoal_linux_transport_get_stats (ShoalLinuxTransport      *self,
                                 ShoalLinuxTransportStats *stats)
{
  g_return_if_fail (SHOAL_IS_LINUX_TRANSPORT (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}
