/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session descriptors. Envelope: {"descriptor": TEXT, "signature": BASE64, "public_key":
 * BASE64}; TEXT is the JSON the signature covers, parsed only after it verifies. */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "shoal-descriptor.h"

G_DEFINE_QUARK (shoal-descriptor-error-quark, shoal_descriptor_error)

void
shoal_descriptor_free (ShoalDescriptor *d)
{
  if (d == NULL)
    return;
  g_free (d->session);
  g_free (d->package);
  g_free (d->group);
  g_free (d->no_multicast);
  g_clear_pointer (&d->manifest, shoal_manifest_unref);
  g_free (d);
}

GBytes *
shoal_descriptor_sign (const ShoalDescriptor  *d,
                       ShoalSigningKey        *key,
                       GError                **error)
{
  g_autoptr(JsonBuilder) inner = json_builder_new ();
  g_autoptr(JsonBuilder) outer = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) manifest = shoal_manifest_to_json (d->manifest);
  g_autofree char *text = NULL;
  g_autofree char *sig64 = NULL, *pub64 = NULL;
  guint8 sig[SHOAL_ED25519_SIG_LEN], pub[SHOAL_ED25519_PUBLIC_LEN];
  gsize len;
  char *out;

  json_builder_begin_object (inner);
  json_builder_set_member_name (inner, "version");
  json_builder_add_int_value (inner, 1);
  json_builder_set_member_name (inner, "session");
  json_builder_add_string_value (inner, d->session);
  json_builder_set_member_name (inner, "session_id");
  json_builder_add_int_value (inner, d->session_id);
  json_builder_set_member_name (inner, "package");
  json_builder_add_string_value (inner, d->package);
  json_builder_set_member_name (inner, "group");
  if (d->group != NULL)
    json_builder_add_string_value (inner, d->group);
  else
    json_builder_add_null_value (inner);
  json_builder_set_member_name (inner, "no_multicast");
  if (d->no_multicast != NULL)
    json_builder_add_string_value (inner, d->no_multicast);
  else
    json_builder_add_null_value (inner);
  json_builder_set_member_name (inner, "port");
  json_builder_add_int_value (inner, d->port);
  json_builder_set_member_name (inner, "ttl");
  json_builder_add_int_value (inner, d->ttl);
  json_builder_set_member_name (inner, "max_rate");
  json_builder_add_int_value (inner, (gint64) d->max_rate);
  json_builder_set_member_name (inner, "multicast_only");
  json_builder_add_boolean_value (inner, d->multicast_only);
  json_builder_set_member_name (inner, "manifest");
  json_builder_add_string_value (inner, g_bytes_get_data (manifest, NULL));
  json_builder_end_object (inner);
  root = json_builder_get_root (inner);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);

  if (!shoal_signing_key_sign (key, text, len, sig, error))
    return NULL;
  shoal_signing_key_get_public (key, pub);
  sig64 = g_base64_encode (sig, sizeof sig);
  pub64 = g_base64_encode (pub, sizeof pub);

  json_builder_begin_object (outer);
  json_builder_set_member_name (outer, "descriptor");
  json_builder_add_string_value (outer, text);
  json_builder_set_member_name (outer, "signature");
  json_builder_add_string_value (outer, sig64);
  json_builder_set_member_name (outer, "public_key");
  json_builder_add_string_value (outer, pub64);
  json_builder_set_member_name (outer, "fingerprint");
  json_builder_add_string_value (outer, shoal_signing_key_get_fingerprint (key));
  json_builder_end_object (outer);
  g_clear_pointer (&root, json_node_unref);
  root = json_builder_get_root (outer);
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, &len);
  return g_bytes_new_take (out, len);
}

static gboolean
fail (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, int code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (SHOAL_DESCRIPTOR_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

static const char *
get_str (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= min && *out <= max;
}

static guint8 *
get_b64 (JsonObject *o, const char *key, gsize want)
{
  const char *s = get_str (o, key);
  guint8 *data;
  gsize len;

  if (s == NULL)
    return NULL;
  data = g_base64_decode (s, &len);
  if (len != want)
    {
      g_free (data);
      return NULL;
    }
  return data;
}

/* Checks the signature (and the pinned fingerprint, when given) before parsing anything the
 * signature covers. *fingerprint receives the signer's fingerprint for trust on first use. */
ShoalDescriptor *
shoal_descriptor_verify (const char  *data,
                         gsize        len,
                         const char  *pinned,
                         char       **fingerprint,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) inner_parser = json_parser_new ();
  g_autoptr(ShoalVerifyKey) key = NULL;
  g_autoptr(ShoalDescriptor) d = NULL;
  g_autofree guint8 *sig = NULL, *pub = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *outer, *inner;
  const char *text, *group, *manifest;
  gint64 v;

  /* An empty document parses to no root at all. */
  if (!json_parser_load_from_data (parser, data, len, &local)
      || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "the session descriptor is not a JSON "
                  "object%s%s", local ? ": " : "", local ? local->message : ""), NULL);
  outer = json_node_get_object (json_parser_get_root (parser));
  text = get_str (outer, "descriptor");
  sig = get_b64 (outer, "signature", SHOAL_ED25519_SIG_LEN);
  pub = get_b64 (outer, "public_key", SHOAL_ED25519_PUBLIC_LEN);
  if (text == NULL || sig == NULL || pub == NULL)
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "the session descriptor lacks a "
                  "descriptor text, a 64-byte signature or a 32-byte public key"), NULL);
  key = shoal_verify_key_new (pub, error);
  if (key == NULL)
    return NULL;
  if (fingerprint)
    *fingerprint = g_strdup (shoal_verify_key_get_fingerprint (key));
  if (pinned != NULL && g_ascii_strcasecmp (pinned, shoal_verify_key_get_fingerprint (key)) != 0)
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_FINGERPRINT, "the distribution point's key %s "
                  "is not the pinned %s: refusing its descriptor",
                  shoal_verify_key_get_fingerprint (key), pinned), NULL);
  if (!shoal_verify_key_verify (key, text, strlen (text), sig))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_SIGNATURE, "the session descriptor's signature "
                  "does not verify with key %s", shoal_verify_key_get_fingerprint (key)), NULL);

  g_clear_error (&local);
  if (!json_parser_load_from_data (inner_parser, text, -1, &local)
      || json_parser_get_root (inner_parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (inner_parser)))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "the signed descriptor is not a JSON "
                  "object"), NULL);
  inner = json_node_get_object (json_parser_get_root (inner_parser));
  d = g_new0 (ShoalDescriptor, 1);
  if (!get_int (inner, "version", 1, 1, &v))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "unsupported descriptor version"), NULL);
  d->session = g_strdup (get_str (inner, "session"));
  d->package = g_strdup (get_str (inner, "package"));
  group = get_str (inner, "group");
  manifest = get_str (inner, "manifest");
  d->no_multicast = g_strdup (get_str (inner, "no_multicast"));
  if (d->session == NULL || d->package == NULL || manifest == NULL
      || (group == NULL && d->no_multicast == NULL))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "the descriptor lacks session, "
                  "package, group or manifest"), NULL);
  d->group = g_strdup (group);
  if (!get_int (inner, "session_id", 0, G_MAXUINT32, &v))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "bad session_id"), NULL);
  d->session_id = (guint32) v;
  if (!get_int (inner, "port", group ? 1 : 0, 65535, &v))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "bad port"), NULL);
  d->port = (guint) v;
  if (!get_int (inner, "ttl", 0, 255, &v))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "bad ttl"), NULL);
  d->ttl = (guint) v;
  if (!get_int (inner, "max_rate", 0, G_MAXINT64, &v))
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "bad max_rate"), NULL);
  d->max_rate = (guint64) v;
  {
    JsonNode *n = json_object_get_member (inner, "multicast_only");
    if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
      return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "bad multicast_only"), NULL);
    d->multicast_only = json_node_get_boolean (n);
  }
  if (group != NULL)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (group);
      if (a == NULL || !g_inet_address_get_is_multicast (a))
        return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "group %s is not a multicast "
                      "address", group), NULL);
    }
  d->manifest = shoal_manifest_new_from_json (manifest, strlen (manifest), error);
  if (d->manifest == NULL)
    return NULL;
  if (g_strcmp0 (shoal_manifest_get_name (d->manifest), d->package) != 0)
    return (fail (error, SHOAL_DESCRIPTOR_ERROR_INVALID, "the manifest is for package %s, not "
                  "%s", shoal_manifest_get_name (d->manifest), d->package), NULL);
  return g_steal_pointer (&d);
}
