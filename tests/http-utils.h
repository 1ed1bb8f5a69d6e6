/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the HTTP tests: a library with a test package served by a real
 * ShoalHttpServer on 127.0.0.1, and blocking requests made from a thread while the test's
 * main context keeps serving. */
#pragma once

#include <libsoup/soup.h>

#include "shoal-http-server.h"

G_BEGIN_DECLS

typedef struct
{
  char            *root;        /* temporary directory, removed at the end */
  char            *lib_dir;
  char            *src;
  ShoalLibrary    *library;
  ShoalHttpServer *server;
  char            *url;         /* "http://127.0.0.1:PORT" */
  GByteArray      *stream;      /* the test package's stream, in manifest order */
} HttpFixture;

/* Makes the library with package "pkg": a.img (700000 bytes), "dir/b c.img" (300001) and
 * "empty" (0), and a server listening on 127.0.0.1 (HTTPS with @tls). */
void        http_fixture_setup    (HttpFixture   *f,
                                   GTlsCertificate *tls);
void        http_fixture_teardown (HttpFixture   *f);

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  GError             *error;
} HttpReply;

void        http_reply_clear      (HttpReply     *reply);

/* A request through a fresh SoupSession; NULL-terminated NAME, VALUE header pairs. A
 * self-signed certificate is accepted. */
void        http_request          (HttpReply     *reply,
                                   const char    *method,
                                   const char    *url,
                                   ...) G_GNUC_NULL_TERMINATED;
/* @request_line_and_headers is sent as is on a plain TCP connection to 127.0.0.1:@port,
 * followed by "Connection: close" and an empty line; returns the status (0 when there is
 * no status line) and the raw response. */
guint       http_raw_request      (guint          port,
                                   const char    *request_line,
                                   char         **response);
/* Runs @func (@data) on a new thread while iterating the default main context. */
void        http_run_in_thread    (GThreadFunc    func,
                                   gpointer       data);
GBytes     *http_random_bytes     (gsize          len,
                                   guint32        seed);
char       *http_write_file       (const char    *dir,
                                   const char    *rel,
                                   GBytes        *content);

G_END_DECLS
