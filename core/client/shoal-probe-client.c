/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receiving side of a network probe: GET /probe, join, POST /probe/ID/ready, count the
 * burst until its end marker (or a second of silence), POST /probe/ID/result. */
#include "config.h"

#include <gnutls/crypto.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#include "shoal-cli.h"
#include "shoal-client-error.h"
#include "shoal-crypto.h"
#include "shoal-json-file.h"
#include "shoal-probe-client.h"
#include "shoal-probe-packet.h"
#include "shoal-transport-factory.h"

#define IDLE_AFTER_FIRST_US  (1500 * 1000)   /* silence that ends a burst whose end was lost */
#define POLL_US              (100 * 1000)
#define BATCH                64

typedef struct
{
  const ShoalProbeClientOptions *o;
  SoupSession *http;
  char        *base;
  char        *tls_seen;
} Probe;

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  Probe *p = data;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  guint8 digest[32];

  g_object_get (cert, "certificate", &der, NULL);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, der->data, der->len, digest);
  hex = shoal_hex_encode (digest, sizeof digest);
  g_free (p->tls_seen);
  p->tls_seen = g_strconcat ("SHA256:", hex, NULL);
  /* A probe carries no secret but the account's password: without a pin nothing is sent
   * that a stranger could use, unless the caller gave credentials knowingly. */
  return p->o->tls_pin == NULL || g_ascii_strcasecmp (p->o->tls_pin, p->tls_seen) == 0;
}

/* One request; returns the parsed JSON answer (NULL for an empty one) or sets @error. */
static JsonNode *
call (Probe *p, const char *method, const char *path, JsonNode *body, GCancellable *cancellable,
      gboolean *ok, GError **error)
{
  g_autofree char *url = g_strconcat (p->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status;

  *ok = FALSE;
  if (msg == NULL)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_TIMEOUT,
                   "\"%s\" is not a valid URL", url);
      return NULL;
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), p);
  if (p->o->user != NULL)
    {
      g_autofree char *pair = g_strconcat (p->o->user, ":", p->o->password ? p->o->password : "",
                                           NULL);
      g_autofree char *b64 = g_base64_encode ((guchar *) pair, strlen (pair));
      g_autofree char *auth = g_strconcat ("Basic ", b64, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
      explicit_bzero (pair, strlen (pair));
    }
  if (body != NULL)
    {
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      gsize len;
      char *text;

      json_generator_set_root (gen, body);
      text = json_generator_to_data (gen, &len);
      soup_message_set_request_body_from_bytes (msg, "application/json",
                                                g_bytes_new_take (text, len));
    }
  answer = soup_session_send_and_read (p->http, msg, cancellable, &local);
  if (answer == NULL)
    {
      if (p->o->tls_pin != NULL && p->tls_seen != NULL
          && g_ascii_strcasecmp (p->o->tls_pin, p->tls_seen) != 0)
        g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH,
                     "%s: the certificate is %s, not the pinned %s", url, p->tls_seen,
                     p->o->tls_pin);
      else
        g_set_error (error, SHOAL_CLIENT_ERROR,
                     g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                     ? SHOAL_CLIENT_ERROR_CANCELLED : SHOAL_CLIENT_ERROR_TIMEOUT,
                     "%s: %s", url, local->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (g_bytes_get_size (answer) > 0
      && !json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                      g_bytes_get_size (answer), NULL))
    g_clear_object (&parser);
  if (status == 401 || status == 403)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_ACCESS_DENIED,
                   "%s: HTTP %u: %s", url, status,
                   p->o->user ? "the network access account was refused"
                              : "this distribution point needs the network access account "
                                "(--user and --password-file)");
      return NULL;
    }
  if (status >= 300)
    {
      JsonNode *root = parser ? json_parser_get_root (parser) : NULL;
      const char *why = root && JSON_NODE_HOLDS_OBJECT (root)
                        ? json_object_get_string_member_with_default (json_node_get_object (root),
                                                                      "error", NULL)
                        : NULL;

      g_set_error (error, SHOAL_CLIENT_ERROR,
                   status == 404 ? SHOAL_CLIENT_ERROR_TIMEOUT : SHOAL_CLIENT_ERROR_PROTOCOL,
                   "%s: HTTP %u: %s", url, status, why ? why : "no reason given");
      return NULL;
    }
  *ok = TRUE;
  return parser && json_parser_get_root (parser) ? json_node_ref (json_parser_get_root (parser))
                                                 : NULL;
}

/* GET /probe until one is armed (the admin may start it a moment after this client). */
static JsonNode *
wait_for_probe (Probe *p, gint64 deadline, GCancellable *cancellable, GError **error)
{
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      gboolean ok;
      JsonNode *node = call (p, "GET", "/probe", NULL, cancellable, &ok, &local);

      if (ok && node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        return node;
      g_clear_pointer (&node, json_node_unref);
      if (ok)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_PROTOCOL,
                       "%s/probe: the answer is not a JSON object", p->base);
          return NULL;
        }
      if (!g_error_matches (local, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_TIMEOUT)
          || g_get_monotonic_time () > deadline || strstr (local->message, "HTTP 404") == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_CANCELLED, "cancelled");
          return NULL;
        }
      g_usleep (500 * 1000);
    }
}

JsonNode *
shoal_probe_client_run (const ShoalProbeClientOptions  *o,
                        GCancellable                   *cancellable,
                        GError                        **error)
{
  Probe p = { .o = o };
  g_autoptr(JsonNode) probe = NULL;
  g_autoptr(GSocketAddress) group = NULL;
  g_autoptr(ShoalTransport) transport = NULL;
  g_autoptr(ShoalDatagramBatch) batch = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree guint8 *seen = NULL;
  g_autofree char *path = NULL;
  g_autofree char *group_text = NULL;
  JsonNode *answer = NULL;
  JsonObject *po;
  const char *group_addr;
  guint32 id, count, size;
  guint port;
  guint64 received = 0, bytes = 0, duplicates = 0, reordered = 0;
  gint64 timeout = (gint64) (o->timeout ? o->timeout : 60) * G_USEC_PER_SEC;
  gint64 start = g_get_monotonic_time (), ready_at, recv_deadline, first = 0, last = 0;
  guint64 rate;
  guint32 max_seq = 0;
  gboolean ended = FALSE, ok;

  g_return_val_if_fail (o != NULL && o->server != NULL, NULL);

  p.base = g_strdup (o->server);
  while (g_str_has_suffix (p.base, "/"))
    p.base[strlen (p.base) - 1] = '\0';
  p.http = soup_session_new_with_options ("timeout", 15, "user-agent",
                                          "shoal-client/" PACKAGE_VERSION, NULL);

  probe = wait_for_probe (&p, start + timeout, cancellable, error);
  if (probe == NULL)
    goto out;
  po = json_node_get_object (probe);
  id = (guint32) json_object_get_int_member_with_default (po, "id", 0);
  count = (guint32) json_object_get_int_member_with_default (po, "count", 0);
  size = (guint32) json_object_get_int_member_with_default (po, "size", 0);
  port = (guint) json_object_get_int_member_with_default (po, "port", 0);
  group_addr = json_object_get_string_member_with_default (po, "group", NULL);
  group = group_addr ? g_inet_socket_address_new_from_string (group_addr, port) : NULL;
  if (group == NULL || count == 0 || size < SHOAL_PROBE_HEADER_LEN || size > 65507)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_PROTOCOL,
                   "%s/probe: the probe lacks a group, port, count or size", p.base);
      goto out;
    }
  group_text = g_strdup_printf (strchr (group_addr, ':') ? "[%s]:%u" : "%s:%u", group_addr, port);

  transport = shoal_transport_new_by_name (o->transport ? o->transport : "auto",
                                           SHOAL_TRANSPORT_ROLE_RECEIVER,
                                           G_INET_SOCKET_ADDRESS (group), o->interface, 1, FALSE,
                                           0, &local);
  if (transport == NULL || !shoal_transport_open (transport, &local))
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_FAILED,
                   "cannot join the probe group %s: %s", group_text, local->message);
      goto out;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, o->hostname ? o->hostname : g_get_host_name ());
  json_builder_end_object (b);
  report = json_builder_get_root (b);
  path = g_strdup_printf ("/probe/%u/ready", id);
  answer = call (&p, "POST", path, report, cancellable, &ok, error);
  g_clear_pointer (&answer, json_node_unref);
  g_clear_pointer (&report, json_node_unref);
  g_clear_object (&b);
  if (!ok)
    goto out;
  ready_at = g_get_monotonic_time ();
  /* The burst starts half a second after the first receiver is ready, or when the point's
   * own wait ends if another receiver already started it: allow for both, and twice the
   * burst's airtime. */
  rate = (guint64) json_object_get_int_member_with_default (po, "rate_bps", 0);
  recv_deadline = ready_at + 5 * G_USEC_PER_SEC
                  + (rate ? (gint64) (2.0 * count * size * 8 / rate * G_USEC_PER_SEC) : 0);

  seen = g_malloc0 ((count + 7) / 8);
  batch = shoal_datagram_batch_new (BATCH, (gsize) BATCH * MAX (size, 2048));
  while (!ended && !g_cancellable_is_cancelled (cancellable))
    {
      gint64 now = g_get_monotonic_time ();

      if (now > recv_deadline || (first != 0 && now - last > IDLE_AFTER_FIRST_US)
          || received == count)
        break;
      if (!shoal_transport_receive (transport, batch, POLL_US, &local))
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_FAILED,
                       "receiving the probe on %s failed: %s", group_text, local->message);
          goto out;
        }
      for (guint i = 0; i < batch->n_dgrams; i++)
        {
          ShoalProbePacket pk;

          if (!shoal_probe_packet_decode (batch->dgrams[i].data, batch->dgrams[i].len, &pk)
              || pk.id != id)
            continue;
          if (pk.flags & SHOAL_PROBE_FLAG_END)
            {
              ended = TRUE;
              continue;
            }
          if (pk.seq >= count)
            continue;
          last = g_get_monotonic_time ();
          if (first == 0)
            first = last;
          if (seen[pk.seq / 8] & (1u << (pk.seq % 8)))
            {
              duplicates++;
              continue;
            }
          seen[pk.seq / 8] |= 1u << (pk.seq % 8);
          if (received > 0 && pk.seq < max_seq)
            reordered++;
          max_seq = MAX (max_seq, pk.seq);
          received++;
          bytes += batch->dgrams[i].len;
        }
    }
  shoal_transport_close (transport);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_CANCELLED, "cancelled");
      goto out;
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "probe");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, o->hostname ? o->hostname : g_get_host_name ());
  json_builder_set_member_name (b, "group");
  json_builder_add_string_value (b, group_text);
  json_builder_set_member_name (b, "received");
  json_builder_add_int_value (b, (gint64) received);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, count);
  json_builder_set_member_name (b, "loss");
  json_builder_add_double_value (b, 1.0 - (double) received / count);
  json_builder_set_member_name (b, "rate_bps");
  /* Over the span of the burst: n datagrams arrive in the time of n - 1 gaps. */
  json_builder_add_int_value (b, received > 1 && last > first
                                 ? (gint64) ((double) bytes * (received - 1) / received * 8.0
                                             * G_USEC_PER_SEC / (last - first)) : 0);
  json_builder_set_member_name (b, "duplicates");
  json_builder_add_int_value (b, (gint64) duplicates);
  json_builder_set_member_name (b, "reordered");
  json_builder_add_int_value (b, (gint64) reordered);
  json_builder_set_member_name (b, "first_ms");
  json_builder_add_int_value (b, first ? (first - ready_at) / 1000 : 0);
  json_builder_end_object (b);
  report = json_builder_get_root (b);
  g_free (path);
  path = g_strdup_printf ("/probe/%u/result", id);
  answer = call (&p, "POST", path, report, cancellable, &ok, error);
  g_clear_pointer (&answer, json_node_unref);
  if (!ok)
    g_clear_pointer (&report, json_node_unref);
  else if (received == 0)
    {
      g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_TIMEOUT,
                   "no probe datagram arrived on %s%s%s: multicast does not reach this client "
                   "(check the interface, the TTL and IGMP snooping on the switches)",
                   group_text, o->interface ? " on " : "", o->interface ? o->interface : "");
      g_clear_pointer (&report, json_node_unref);
    }

out:
  g_clear_object (&p.http);
  g_free (p.base);
  g_free (p.tls_seen);
  return g_steal_pointer (&report);
}

char *
shoal_probe_client_describe (JsonNode *report)
{
  JsonObject *o;
  gint64 received, count;

  g_return_val_if_fail (report != NULL && JSON_NODE_HOLDS_OBJECT (report), NULL);

  o = json_node_get_object (report);
  received = json_object_get_int_member_with_default (o, "received", 0);
  count = json_object_get_int_member_with_default (o, "count", 0);
  return g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " datagrams (%.1f %% "
                          "loss) at %.1f Mbit/s on %s", received, count,
                          count ? 100.0 * (count - received) / count : 0.0,
                          json_object_get_int_member_with_default (o, "rate_bps", 0) / 1e6,
                          json_object_get_string_member_with_default (o, "group", "?"));
}

/* The TLS fingerprint shoal-client remembered for @url. */
static char *
known_tls (const char *url)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "shoal",
                                            "known-servers.json", NULL);
  g_autoptr(JsonNode) known = shoal_json_file_load (path, NULL);
  g_autofree char *key = g_strdup (url);
  JsonObject *o;

  while (g_str_has_suffix (key, "/"))
    key[strlen (key) - 1] = '\0';
  if (known == NULL || !JSON_NODE_HOLDS_OBJECT (known)
      || !json_object_has_member (json_node_get_object (known), key)
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (known), key)))
    return NULL;
  o = json_object_get_object_member (json_node_get_object (known), key);
  return o ? g_strdup (json_object_get_string_member_with_default (o, "tls", NULL)) : NULL;
}

int
shoal_probe_client_command (const char *url,
                            const char *user,
                            const char *password_file,
                            const char *interface,
                            const char *transport,
                            const char *hostname,
                            int         timeout)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *password = NULL;
  g_autofree char *line = NULL;
  g_autofree char *tls_pin = known_tls (url);
  ShoalProbeClientOptions o = {
    .server = url, .user = user, .tls_pin = tls_pin, .interface = interface,
    .transport = transport, .hostname = hostname, .timeout = timeout > 0 ? timeout : 60,
  };

  if ((user == NULL) != (password_file == NULL))
    {
      shoal_cli_usage_error ("shoal-client", "--user and --password-file go together");
      return SHOAL_EXIT_USAGE;
    }
  if (password_file != NULL)
    {
      gsize len;

      if (!shoal_json_file_read_secret (password_file, 4096, &password, &len, &error))
        {
          fprintf (stderr, "shoal-client: cannot read the password: %s\n", error->message);
          return SHOAL_CLIENT_EXIT_ACCESS_DENIED;
        }
      g_strchomp (password);
      o.password = password;
    }
  report = shoal_probe_client_run (&o, NULL, &error);
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  if (report == NULL)
    {
      fprintf (stderr, "shoal-client: probe: %s\n", error->message);
      return error->domain == SHOAL_CLIENT_ERROR && SHOAL_CODE_IS_SHOAL ((guint32) error->code)
             ? (int) shoal_client_error_to_exit ((ShoalClientError) error->code)
             : SHOAL_CLIENT_EXIT_FAILURE;
    }
  line = shoal_probe_client_describe (report);
  printf ("probe: %s\n", line);
  return SHOAL_CLIENT_EXIT_OK;
}
