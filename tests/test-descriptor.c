/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session descriptors: a signed round trip, and every way a forged or altered descriptor is
 * refused (tampered text, another key, a wrong pinned fingerprint, garbage). */
#include "config.h"

#include <string.h>

#include "shoal-descriptor.h"

static ShoalManifest *
make_manifest (void)
{
  g_autoptr(GError) error = NULL;
  ShoalManifestBuilder *b = shoal_manifest_builder_new ("win11", 1404, 16, &error);
  guint8 data[50000];
  ShoalManifest *m;

  g_assert_no_error (error);
  memset (data, 7, sizeof data);
  g_assert_true (shoal_manifest_builder_add_file (b, "install.wim", sizeof data, &error));
  g_assert_true (shoal_manifest_builder_update (b, data, sizeof data, &error));
  m = shoal_manifest_builder_end (b, &error);
  g_assert_no_error (error);
  return m;
}

static GBytes *
sign_one (ShoalSigningKey *key)
{
  g_autoptr(GError) error = NULL;
  ShoalDescriptor d = { .session = "win11-1", .session_id = 0xabcdef01, .package = "win11",
                        .group = "239.255.42.7", .port = 47007, .ttl = 1,
                        .max_rate = 100000000, .manifest = make_manifest () };
  GBytes *bytes = shoal_descriptor_sign (&d, key, &error);

  g_assert_no_error (error);
  shoal_manifest_unref (d.manifest);
  return bytes;
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) key = shoal_signing_key_generate (&error);
  g_autoptr(GBytes) bytes = sign_one (key);
  g_autoptr(ShoalDescriptor) d = NULL;
  g_autofree char *fp = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  d = shoal_descriptor_verify (data, len, NULL, &fp, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fp, ==, shoal_signing_key_get_fingerprint (key));
  g_assert_cmpstr (d->session, ==, "win11-1");
  g_assert_cmpuint (d->session_id, ==, 0xabcdef01);
  g_assert_cmpstr (d->group, ==, "239.255.42.7");
  g_assert_cmpuint (d->port, ==, 47007);
  g_assert_cmpuint (shoal_manifest_get_total_size (d->manifest), ==, 50000);
  /* The right pin passes too. */
  g_clear_pointer (&d, shoal_descriptor_free);
  d = shoal_descriptor_verify (data, len, fp, NULL, &error);
  g_assert_no_error (error);
}

static void
test_tampered (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) key = shoal_signing_key_generate (&error);
  g_autoptr(GBytes) bytes = sign_one (key);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  char *port = strstr (text, "47007");
  ShoalDescriptor *d;

  /* Redirect the client to another port inside the signed text. */
  g_assert_nonnull (port);
  port[4] = '8';
  d = shoal_descriptor_verify (text, strlen (text), NULL, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, SHOAL_DESCRIPTOR_ERROR, SHOAL_DESCRIPTOR_ERROR_SIGNATURE);
}

static void
test_wrong_pin (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) key = shoal_signing_key_generate (&error);
  g_autoptr(ShoalSigningKey) other = shoal_signing_key_generate (&error);
  g_autoptr(GBytes) bytes = sign_one (key);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  ShoalDescriptor *d;

  d = shoal_descriptor_verify (data, len, shoal_signing_key_get_fingerprint (other), NULL,
                               &error);
  g_assert_null (d);
  g_assert_error (error, SHOAL_DESCRIPTOR_ERROR, SHOAL_DESCRIPTOR_ERROR_FINGERPRINT);
  g_assert_nonnull (strstr (error->message, shoal_signing_key_get_fingerprint (other)));
}

/* No multicast to offer: a signed descriptor without a group, saying why. */
static void
test_http_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) key = shoal_signing_key_generate (&error);
  ShoalDescriptor d = { .session = "http-only", .package = "win11", .ttl = 1,
                        .no_multicast = "multicast is disabled", .manifest = make_manifest () };
  g_autoptr(GBytes) bytes = shoal_descriptor_sign (&d, key, &error);
  g_autoptr(ShoalDescriptor) got = NULL;

  g_assert_no_error (error);
  shoal_manifest_unref (d.manifest);
  got = shoal_descriptor_verify (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL,
                                 NULL, &error);
  g_assert_no_error (error);
  g_assert_null (got->group);
  g_assert_cmpstr (got->no_multicast, ==, "multicast is disabled");
}

static void
test_garbage (void)
{
  const char *cases[] = {
    "", "[]", "{}", "{\"descriptor\": 1}", "not json",
    "{\"descriptor\": \"{}\", \"signature\": \"AAAA\", \"public_key\": \"AAAA\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      ShoalDescriptor *d = shoal_descriptor_verify (cases[i], strlen (cases[i]), NULL, NULL,
                                                    &error);
      g_assert_null (d);
      g_assert_nonnull (error);
      g_test_message ("%s -> %s", cases[i], error->message);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/descriptor/round-trip", test_round_trip);
  g_test_add_func ("/descriptor/tampered", test_tampered);
  g_test_add_func ("/descriptor/wrong-pin", test_wrong_pin);
  g_test_add_func ("/descriptor/http-only", test_http_only);
  g_test_add_func ("/descriptor/garbage", test_garbage);
  return g_test_run ();
}
