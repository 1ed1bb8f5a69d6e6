/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The client's HTTP repair path: fetches byte ranges of a package stream into a callback,
 * with Basic credentials, a pinned TLS certificate, stall detection, and retries on a new
 * connection with a clamped receive window when a download stalls. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_RANGE_FETCHER_ERROR (shoal_range_fetcher_error_quark ())

typedef enum
{
  SHOAL_RANGE_FETCHER_ERROR_ACCESS_DENIED,  /* 401 or 403 */
  SHOAL_RANGE_FETCHER_ERROR_NOT_FOUND,      /* 404 */
  SHOAL_RANGE_FETCHER_ERROR_RANGE,          /* 416: the range is not in the resource */
  SHOAL_RANGE_FETCHER_ERROR_NETWORK,        /* refused, reset, unreachable, cut short */
  SHOAL_RANGE_FETCHER_ERROR_STALLED,        /* no byte for the stall timeout, every try */
  SHOAL_RANGE_FETCHER_ERROR_CANCELLED,
  SHOAL_RANGE_FETCHER_ERROR_TLS,            /* handshake failed or certificate not pinned */
  SHOAL_RANGE_FETCHER_ERROR_SERVER,         /* 5xx, or a response that breaks HTTP rules */
} ShoalRangeFetcherError;

/* Receives the bytes at @offset of the stream, in order; FALSE with @error stops the fetch
 * with that error (no retry): a disk full is not the network's fault. */
typedef gboolean (*ShoalRangeWriteFunc) (guint64        offset,
                                         const guint8  *data,
                                         gsize          len,
                                         gpointer       user_data,
                                         GError       **error);

#define SHOAL_RANGE_FETCHER_DEFAULT_STALL     10      /* seconds */
#define SHOAL_RANGE_FETCHER_DEFAULT_ATTEMPTS  5
/* Small enough that Linux offers window scale 0 in the SYN whatever its buffer accounting
 * (64 KiB still gives scale 1: the kernel doubles SO_RCVBUF). */
#define SHOAL_RANGE_FETCHER_CLAMPED_RCVBUF    (32 * 1024)

#define SHOAL_TYPE_RANGE_FETCHER (shoal_range_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRangeFetcher, shoal_range_fetcher, SHOAL, RANGE_FETCHER, GObject)

GQuark             shoal_range_fetcher_error_quark    (void);

/* @url: an http:// or https:// URL of a byte resource, e.g. SERVER/packages/NAME/stream.
 * NULL with @error when it is not one. */
ShoalRangeFetcher *shoal_range_fetcher_new             (const char         *url,
                                                        GError            **error);
const char        *shoal_range_fetcher_get_url         (ShoalRangeFetcher  *self);
void               shoal_range_fetcher_set_credentials (ShoalRangeFetcher  *self,
                                                        const char         *user,
                                                        const char         *password);
/* "SHA256:" and the hex SHA-256 of the server certificate's DER (as shoal-tls shows it).
 * With a pin, only that certificate is accepted, self-signed or not. */
gboolean           shoal_range_fetcher_set_pin         (ShoalRangeFetcher  *self,
                                                        const char         *fingerprint,
                                                        GError            **error);
void               shoal_range_fetcher_set_stall_timeout (ShoalRangeFetcher *self,
                                                        guint               seconds);
/* Consecutive tries without a byte of progress before giving up (at least 1). */
void               shoal_range_fetcher_set_max_attempts (ShoalRangeFetcher *self,
                                                        guint               attempts);
/* First pause between tries; it doubles up to 16 times that. Default 500 ms. */
void               shoal_range_fetcher_set_retry_delay (ShoalRangeFetcher  *self,
                                                        guint               milliseconds);
void               shoal_range_fetcher_set_clamped_rcvbuf (ShoalRangeFetcher *self,
                                                        guint               bytes);
/* Start with the receive window clamped, as after a stall (e.g. a --clamp-window option
 * for sites known to need it). */
void               shoal_range_fetcher_set_clamped     (ShoalRangeFetcher  *self,
                                                        gboolean            clamped);
gboolean           shoal_range_fetcher_get_clamped     (ShoalRangeFetcher  *self);
/* Tries the last fetch took, counting the successful one. */
guint              shoal_range_fetcher_get_last_attempts (ShoalRangeFetcher *self);
/* SO_RCVBUF as the kernel reported it on the last clamped socket (0: none yet). */
int                shoal_range_fetcher_get_last_rcvbuf (ShoalRangeFetcher  *self);

/* Fetches bytes [@offset, @offset + @len) into @write, blocking: call it from a worker
 * thread, one fetch at a time per fetcher. A connection that delivers no byte for the stall
 * timeout is dropped and the rest of the range is asked for on a new connection whose
 * receive buffer is clamped before connecting, which keeps the TCP window scale at 0
 * (RFC 7323); the fetcher stays clamped from then on. The "diagnosis" signal (emitted in
 * the fetching thread) says so in words for an admin, and again on which try the range
 * finally came. Errors name the URL and the range. */
gboolean           shoal_range_fetcher_fetch           (ShoalRangeFetcher  *self,
                                                        guint64             offset,
                                                        guint64             len,
                                                        ShoalRangeWriteFunc write,
                                                        gpointer            user_data,
                                                        GCancellable       *cancellable,
                                                        GError            **error);
/* The same into memory. */
gboolean           shoal_range_fetcher_fetch_into      (ShoalRangeFetcher  *self,
                                                        guint64             offset,
                                                        guint8             *buf,
                                                        gsize               len,
                                                        GCancellable       *cancellable,
                                                        GError            **error);
/* shoal_range_fetcher_fetch_into() with the signature of ShoalFetchFunc
 * (shoal-reception.h); @user_data is the fetcher. */
gboolean           shoal_range_fetcher_fetch_func      (guint64             offset,
                                                        guint8             *buf,
                                                        gsize               len,
                                                        gpointer            user_data,
                                                        GError            **error);

G_END_DECLS
