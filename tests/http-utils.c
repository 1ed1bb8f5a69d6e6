/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the HTTP tests: see http-utils.h. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "http-utils.h"

GBytes *
http_random_bytes (gsize   len,
                   guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len ? len : 1);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return g_bytes_new_take (data, len);
}

char *
http_write_file (const char *dir,
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

void
http_fixture_setup (HttpFixture     *f,
                    GTlsCertificate *tls)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = http_random_bytes (700000, 1);
  g_autoptr(GBytes) b = http_random_bytes (300001, 2);
  g_autoptr(GBytes) empty = http_random_bytes (0, 3);
  g_autofree char *tree = NULL;
  g_autofree char *pa = NULL, *pb = NULL, *pe = NULL;
  const char *paths[2] = { NULL, NULL };

  f->root = g_dir_make_tmp ("shoal-http-XXXXXX", &error);
  g_assert_no_error (error);
  f->lib_dir = g_build_filename (f->root, "library", NULL);
  f->src = g_build_filename (f->root, "src", NULL);
  tree = g_build_filename (f->src, "pkg", NULL);
  pa = http_write_file (tree, "a.img", a);
  pb = http_write_file (tree, "dir/b c.img", b);
  pe = http_write_file (tree, "empty", empty);
  f->library = shoal_library_new (f->lib_dir, &error);
  g_assert_no_error (error);
  paths[0] = tree;
  g_assert_nonnull (shoal_library_import (f->library, "pkg", paths, NULL, &error));
  g_assert_no_error (error);

  f->stream = g_byte_array_new ();
  g_byte_array_append (f->stream, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (f->stream, g_bytes_get_data (b, NULL), g_bytes_get_size (b));

  f->server = shoal_http_server_new (f->library);
  if (tls != NULL)
    shoal_http_server_set_tls_certificate (f->server, tls);
  g_assert_true (shoal_http_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->url = shoal_http_server_dup_url (f->server);
  g_assert_true (g_str_has_prefix (f->url, tls ? "https://127.0.0.1:" : "http://127.0.0.1:"));
}

void
http_fixture_teardown (HttpFixture *f)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->root);

  g_clear_object (&f->server);
  g_clear_object (&f->library);
  g_byte_array_unref (f->stream);
  /* Let reads that were in flight when a client went away finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->root);
  g_free (f->lib_dir);
  g_free (f->src);
  g_free (f->url);
}

void
http_reply_clear (HttpReply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_error (&reply->error);
  reply->status = 0;
}

typedef struct
{
  GThreadFunc func;
  gpointer    data;
  gint        done;
} ThreadRun;

static gpointer
thread_main (gpointer data)
{
  ThreadRun *run = data;

  run->func (run->data);
  g_atomic_int_set (&run->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

void
http_run_in_thread (GThreadFunc func,
                    gpointer    data)
{
  ThreadRun run = { func, data, 0 };
  GThread *thread = g_thread_new ("http-test-client", thread_main, &run);

  while (!g_atomic_int_get (&run.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
}

typedef struct
{
  HttpReply  *reply;
  const char *method;
  const char *url;
  GPtrArray  *headers;
} RequestJob;

static gboolean
accept_any (SoupMessage          *msg,
            GTlsCertificate      *cert,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

static gpointer
request_thread (gpointer data)
{
  RequestJob *job = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_main_context_push_thread_default (context);
  session = soup_session_new ();
  msg = soup_message_new (job->method, job->url);
  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  for (guint i = 0; i + 1 < job->headers->len; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  job->headers->pdata[i], job->headers->pdata[i + 1]);
  job->reply->body = soup_session_send_and_read (session, msg, NULL, &job->reply->error);
  job->reply->status = soup_message_get_status (msg);
  job->reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  g_main_context_pop_thread_default (context);
  return NULL;
}

void
http_request (HttpReply  *reply,
              const char *method,
              const char *url,
              ...)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  RequestJob job = { reply, method, url, headers };
  const char *name;
  va_list args;

  http_reply_clear (reply);
  va_start (args, url);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      g_ptr_array_add (headers, (gpointer) name);
      g_ptr_array_add (headers, va_arg (args, gpointer));
    }
  va_end (args);
  http_run_in_thread (request_thread, &job);
}

typedef struct
{
  guint       port;
  const char *request;
  char       *response;
  guint       status;
} RawJob;

static gpointer
raw_thread (gpointer data)
{
  RawJob *job = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) got = g_byte_array_new ();
  g_autofree char *text = g_strdup_printf ("%s\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                           job->request);
  GOutputStream *out;
  GInputStream *in;
  guint8 buf[4096];
  gssize n;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) job->port, NULL,
                                          &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (got, buf, (guint) n);
  g_byte_array_append (got, (const guint8 *) "", 1);
  job->response = (char *) g_byte_array_free (g_steal_pointer (&got), FALSE);
  if (g_str_has_prefix (job->response, "HTTP/1.") && strlen (job->response) > 12)
    job->status = (guint) g_ascii_strtoull (job->response + 9, NULL, 10);
  return NULL;
}

guint
http_raw_request (guint        port,
                  const char  *request_line,
                  char       **response)
{
  RawJob job = { port, request_line, NULL, 0 };

  http_run_in_thread (raw_thread, &job);
  if (response)
    *response = job.response;
  else
    g_free (job.response);
  return job.status;
}
