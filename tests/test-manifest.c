/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of ShoalManifest: building in one pass, block and file spans, canonical JSON, and
 * the rejection of every kind of inconsistent manifest with a message naming the field. */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <json-glib/json-glib.h>

#include "shoal-manifest.h"

typedef struct
{
  const char *path;
  gsize       size;
} TestFile;

/* Sizes chosen so that blocks of 4 x 256 bytes straddle file boundaries, with an empty
 * file in the middle and a last block and last symbol that are short. */
static const TestFile test_files[] = {
  { "boot/vmlinuz", 1000 },
  { "boot/empty", 0 },
  { "images/root.img", 5000 },
  { "z", 3 },
};

static guint8 *
make_stream (gsize *len)
{
  gsize total = 0;
  guint8 *data;
  GRand *rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < G_N_ELEMENTS (test_files); i++)
    total += test_files[i].size;
  data = g_malloc (total);
  for (gsize i = 0; i < total; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  *len = total;
  return data;
}

static ShoalManifestBuilder *
new_builder (void)
{
  g_autoptr(GError) error = NULL;
  ShoalManifestBuilder *b = shoal_manifest_builder_new ("test-pkg", 256, 4, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (test_files); i++)
    {
      shoal_manifest_builder_add_file (b, test_files[i].path, test_files[i].size, &error);
      g_assert_no_error (error);
    }
  shoal_manifest_builder_set_created (b, 1700000000);
  return b;
}

static ShoalManifest *
build_test_manifest (guint8 **stream,
                     gsize   *len)
{
  g_autoptr(ShoalManifestBuilder) b = new_builder ();
  g_autoptr(GError) error = NULL;
  ShoalManifest *m;

  *stream = make_stream (len);
  shoal_manifest_builder_update (b, *stream, *len, &error);
  g_assert_no_error (error);
  m = shoal_manifest_builder_end (b, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_mtu (void)
{
  g_assert_cmpuint (shoal_symbol_size_for_mtu (1500), ==, 1404);
  g_assert_cmpuint (shoal_symbol_size_for_mtu (1501), ==, 1404);
  g_assert_cmpuint (shoal_symbol_size_for_mtu (1504), ==, 1408);
  g_assert_cmpuint (shoal_symbol_size_for_mtu (9000), ==, 8904);
  g_assert_cmpuint (shoal_symbol_size_for_mtu (100), ==, SHOAL_MANIFEST_MIN_SYMBOL);
  g_assert_cmpuint (shoal_symbol_size_for_mtu (65535), ==, SHOAL_MANIFEST_MAX_SYMBOL);
}

static void
test_names_and_paths (void)
{
  const char *good_names[] = { "win11", "a", "Ubuntu-24.04_x86", "x.", NULL };
  const char *bad_names[] = { "", ".hidden", "a/b", "a b", "é", "..",
    "0123456789012345678901234567890123456789012345678901234567890123456789", NULL };
  const char *bad_paths[] = { "", "/etc/passwd", "a/../b", "..", "./a", "a/.", "a//b", "a/",
    "a\\b", "a\tb", NULL };

  for (guint i = 0; good_names[i]; i++)
    g_assert_true (shoal_package_name_is_valid (good_names[i]));
  for (guint i = 0; bad_names[i]; i++)
    g_assert_false (shoal_package_name_is_valid (bad_names[i]));
  g_assert_true (shoal_manifest_path_is_valid ("a/b c/d.img", NULL));
  g_assert_true (shoal_manifest_path_is_valid ("..a/b..", NULL));
  for (guint i = 0; bad_paths[i]; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_manifest_path_is_valid (bad_paths[i], &error));
      g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
      g_test_message ("%s -> %s", bad_paths[i], error->message);
    }
}

static void
test_build (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  gsize len;
  guint64 offset = 0, blen;
  ShoalLayout layout;

  m = build_test_manifest (&stream, &len);
  g_assert_cmpuint (shoal_manifest_get_total_size (m), ==, 6003);
  g_assert_cmpuint (shoal_manifest_get_block_size (m), ==, 1024);
  g_assert_cmpuint (shoal_manifest_get_n_blocks (m), ==, 6);
  g_assert_cmpuint (shoal_manifest_get_n_files (m), ==, 4);
  shoal_manifest_get_layout (m, &layout);
  g_assert_cmpuint (shoal_layout_n_blocks (&layout), ==, 6);

  for (guint32 b = 0; b < shoal_manifest_get_n_blocks (m); b++)
    {
      guint8 digest[32];

      g_assert_true (shoal_manifest_block_range (m, b, &offset, &blen));
      g_assert_cmpuint (offset, ==, (guint64) b * 1024);
      g_assert_cmpuint (blen, ==, b < 5 ? 1024 : 6003 - 5 * 1024);
      g_assert_cmpuint (blen, ==, shoal_layout_block_len (&layout, b));
      gnutls_hash_fast (GNUTLS_DIG_SHA256, stream + offset, blen, digest);
      g_assert_cmpmem (digest, 32, shoal_manifest_get_block_sha256 (m, b), 32);
      g_assert_true (shoal_manifest_check_block (m, b, stream + offset, blen, NULL));
    }
  g_assert_false (shoal_manifest_block_range (m, 6, NULL, NULL));

  for (guint i = 0; i < shoal_manifest_get_n_files (m); i++)
    {
      const ShoalManifestFile *f = shoal_manifest_get_file (m, i);
      guint8 digest[32];

      g_assert_cmpstr (f->path, ==, test_files[i].path);
      g_assert_cmpuint (f->size, ==, test_files[i].size);
      gnutls_hash_fast (GNUTLS_DIG_SHA256, stream + f->offset, f->size, digest);
      g_assert_cmpmem (digest, 32, f->sha256, 32);
      g_assert_cmpint (shoal_manifest_lookup_path (m, f->path), ==, (int) i);
    }
  g_assert_cmpint (shoal_manifest_lookup_path (m, "boot"), ==, -1);

  g_assert_cmpint (shoal_manifest_find_file (m, 0), ==, 0);
  g_assert_cmpint (shoal_manifest_find_file (m, 999), ==, 0);
  g_assert_cmpint (shoal_manifest_find_file (m, 1000), ==, 2);  /* not the empty file */
  g_assert_cmpint (shoal_manifest_find_file (m, 5999), ==, 2);
  g_assert_cmpint (shoal_manifest_find_file (m, 6000), ==, 3);
  g_assert_cmpint (shoal_manifest_find_file (m, 6002), ==, 3);
  g_assert_cmpint (shoal_manifest_find_file (m, 6003), ==, -1);
}

static void
test_spans (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(GArray) spans = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  const ShoalManifestSpan *s;
  gsize len;

  m = build_test_manifest (&stream, &len);

  /* Block 1 lies inside root.img; block 0 spans two files and skips the empty one between
   * them; block 5 spans the end of root.img and all of z. */
  spans = shoal_manifest_block_spans (m, 1);
  g_assert_cmpuint (spans->len, ==, 1);
  g_clear_pointer (&spans, g_array_unref);
  spans = shoal_manifest_block_spans (m, 0);
  g_assert_cmpuint (spans->len, ==, 2);
  g_assert_cmpuint (g_array_index (spans, ShoalManifestSpan, 1).file, ==, 2);
  g_clear_pointer (&spans, g_array_unref);
  spans = shoal_manifest_block_spans (m, 5);
  g_assert_cmpuint (spans->len, ==, 2);
  s = &g_array_index (spans, ShoalManifestSpan, 0);
  g_assert_cmpuint (s->file, ==, 2);
  g_assert_cmpuint (s->file_offset, ==, 5120 - 1000);
  g_assert_cmpuint (s->stream_offset, ==, 5120);
  g_assert_cmpuint (s->len, ==, 5000 - (5120 - 1000));
  s = &g_array_index (spans, ShoalManifestSpan, 1);
  g_assert_cmpuint (s->file, ==, 3);
  g_assert_cmpuint (s->file_offset, ==, 0);
  g_assert_cmpuint (s->len, ==, 3);

  text = shoal_manifest_describe_range (m, 900, 200);
  g_assert_cmpstr (text, ==, "boot/vmlinuz bytes 900-999, images/root.img bytes 0-99");
  block = shoal_manifest_describe_block (m, 5);
  g_assert_cmpstr (block, ==, "block 5 (bytes 5120-6002 of the stream: "
                   "images/root.img bytes 4120-4999, z bytes 0-2)");
}

static void
test_check_block_mismatch (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  m = build_test_manifest (&stream, &len);
  stream[1024 + 7] ^= 1;
  g_assert_false (shoal_manifest_check_block (m, 1, stream + 1024, 1024, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_HASH_MISMATCH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "package test-pkg"));
  g_assert_nonnull (strstr (error->message, "block 1 (bytes 1024-2047"));
  g_assert_nonnull (strstr (error->message, "images/root.img bytes 24-1047"));
  g_clear_error (&error);

  g_assert_false (shoal_manifest_check_block (m, 1, stream + 1024, 1000, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE);
}

/* Feeding the stream in odd pieces, and the two halves of the work on two threads, must
 * give the same manifest as one update. */
typedef struct
{
  ShoalManifestBuilder *b;
  const guint8         *data;
  gsize                 len;
} BlocksJob;

static gpointer
blocks_thread (gpointer data)
{
  BlocksJob *job = data;
  gsize pos = 0, step = 1;

  while (pos < job->len)
    {
      gsize n = MIN (step, job->len - pos);

      g_assert_true (shoal_manifest_builder_update_blocks (job->b, job->data + pos, n, NULL));
      pos += n;
      step = step * 3 + 1;
    }
  return NULL;
}

static void
test_builder_pieces (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) ref = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(ShoalManifestBuilder) b = new_builder ();
  g_autoptr(GError) error = NULL;
  BlocksJob job;
  GThread *thread;
  gsize len, pos = 0;

  ref = build_test_manifest (&stream, &len);
  job = (BlocksJob) { b, stream, len };
  thread = g_thread_new ("blocks", blocks_thread, &job);
  while (pos < len)
    {
      gsize r = (gsize) g_test_rand_int_range (0, 700);   /* not inside MIN(): twice */
      gsize n = MIN (r, len - pos);

      g_assert_true (shoal_manifest_builder_update_files (b, stream + pos, n, NULL));
      pos += n;
    }
  g_thread_join (thread);
  m = shoal_manifest_builder_end (b, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_manifest_equal (m, ref));
}

static void
test_builder_size_errors (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  {
    g_autoptr(ShoalManifestBuilder) b = new_builder ();

    stream = make_stream (&len);
    g_assert_true (shoal_manifest_builder_update (b, stream, len - 1, &error));
    g_assert_null (shoal_manifest_builder_end (b, &error));
    g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "after 6002 bytes"));
    g_clear_error (&error);
  }
  {
    g_autoptr(ShoalManifestBuilder) b = new_builder ();
    guint8 extra[2] = { 0 };

    g_assert_true (shoal_manifest_builder_update (b, stream, len - 1, &error));
    g_assert_false (shoal_manifest_builder_update (b, extra, 2, &error));
    g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE);
    g_clear_error (&error);
  }
  {
    g_autoptr(ShoalManifestBuilder) b = shoal_manifest_builder_new ("p", 256, 4, &error);

    g_assert_no_error (error);
    g_assert_true (shoal_manifest_builder_add_file (b, "a", 0, &error));
    g_assert_null (shoal_manifest_builder_end (b, &error));
    g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_SIZE);
    g_clear_error (&error);
  }
  {
    g_autoptr(ShoalManifestBuilder) b = shoal_manifest_builder_new ("p", 256, 4, &error);

    g_assert_true (shoal_manifest_builder_add_file (b, "a", 1, &error));
    g_assert_false (shoal_manifest_builder_add_file (b, "a", 1, &error));
    g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (shoal_manifest_builder_add_file (b, "../x", 1, &error));
    g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_null (shoal_manifest_builder_new ("p", 255, 4, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (shoal_manifest_builder_new ("p", 1404, 201, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (shoal_manifest_builder_new (".p", 1404, 128, &error));
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_ARGUMENT);
}

static void
test_json_round_trip (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(ShoalManifest) back = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  m = build_test_manifest (&stream, &len);
  json = shoal_manifest_to_json (m);
  g_test_message ("%.*s", (int) g_bytes_get_size (json), (char *) g_bytes_get_data (json, NULL));
  back = shoal_manifest_new_from_json (g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                                       &error);
  g_assert_no_error (error);
  again = shoal_manifest_to_json (back);
  g_assert_true (g_bytes_equal (json, again));

  g_assert_cmpuint (shoal_manifest_get_version (back), ==, 1);
  g_assert_cmpstr (shoal_manifest_get_name (back), ==, "test-pkg");
  g_assert_cmpuint (shoal_manifest_get_symbol_size (back), ==, 256);
  g_assert_cmpuint (shoal_manifest_get_k (back), ==, 4);
  g_assert_cmpint (shoal_manifest_get_created (back), ==, 1700000000);
  g_assert_cmpmem (shoal_manifest_get_block_hashes (back), 6 * 32,
                   shoal_manifest_get_block_hashes (m), 6 * 32);
  for (guint i = 0; i < 4; i++)
    {
      const ShoalManifestFile *a = shoal_manifest_get_file (m, i);
      const ShoalManifestFile *b = shoal_manifest_get_file (back, i);

      g_assert_cmpstr (a->path, ==, b->path);
      g_assert_cmpuint (a->offset, ==, b->offset);
      g_assert_cmpuint (a->size, ==, b->size);
      g_assert_cmpmem (a->sha256, 32, b->sha256, 32);
    }
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                                  "\"created\": \"2023-11-14T22:13:20Z\""));
}

/* The same manifest written with other member order and whitespace parses to the same
 * canonical bytes. */
static void
test_json_canonical (void)
{
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(ShoalManifest) back = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *obj;
  gsize len;

  m = build_test_manifest (&stream, &len);
  json = shoal_manifest_to_json (m);
  json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                              &error);
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (obj);
  members = g_list_reverse (members);
  json_builder_begin_object (jb);
  for (GList *l = members; l; l = l->next)
    {
      json_builder_set_member_name (jb, l->data);
      json_builder_add_value (jb, json_node_copy (json_object_get_member (obj, l->data)));
    }
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 7);
  text = json_generator_to_data (gen, &len);
  g_assert_false (len == g_bytes_get_size (json) &&
                  memcmp (text, g_bytes_get_data (json, NULL), len) == 0);

  back = shoal_manifest_new_from_json (text, len, &error);
  g_assert_no_error (error);
  again = shoal_manifest_to_json (back);
  g_assert_true (g_bytes_equal (json, again));
}

/* ---- malformed manifests ---------------------------------------------------------------- */

typedef void (*Mutate) (JsonObject *root);

static JsonObject *
file_obj (JsonObject *root,
          guint       i)
{
  return json_array_get_object_element (json_object_get_array_member (root, "files"), i);
}

static void
set_path (JsonObject *root,
          guint       i,
          const char *path)
{
  json_object_set_string_member (file_obj (root, i), "path", path);
}

static void m_version (JsonObject *r) { json_object_set_int_member (r, "version", 2); }
static void m_unknown (JsonObject *r) { json_object_set_boolean_member (r, "signed", TRUE); }
static void m_missing (JsonObject *r) { json_object_remove_member (r, "k"); }
static void m_not_object (JsonObject *r) { json_object_set_int_member (file_obj (r, 0), "x", 1); }
static void m_abs (JsonObject *r) { set_path (r, 0, "/etc/passwd"); }
static void m_dotdot (JsonObject *r) { set_path (r, 0, "boot/../../etc/passwd"); }
static void m_dot (JsonObject *r) { set_path (r, 0, "./boot"); }
static void m_empty_comp (JsonObject *r) { set_path (r, 0, "boot//vmlinuz"); }
static void m_backslash (JsonObject *r) { set_path (r, 0, "boot\\vmlinuz"); }
static void m_empty_path (JsonObject *r) { set_path (r, 0, ""); }
static void m_dup_path (JsonObject *r) { set_path (r, 3, "boot/vmlinuz"); }
static void m_file_dir (JsonObject *r) { set_path (r, 3, "boot/vmlinuz/z"); }
static void m_overlap (JsonObject *r)
{
  json_object_set_int_member (file_obj (r, 2), "offset", 999);
}
static void m_gap (JsonObject *r) { json_object_set_int_member (file_obj (r, 2), "offset", 1001); }
static void m_sizes (JsonObject *r) { json_object_set_int_member (r, "total_size", 6004); }
static void m_neg_size (JsonObject *r) { json_object_set_int_member (file_obj (r, 1), "size", -1); }
static void m_float_size (JsonObject *r)
{
  json_object_set_double_member (file_obj (r, 3), "size", 3.0);
}
static void m_n_blocks (JsonObject *r) { json_object_set_int_member (r, "n_blocks", 7); }
static void m_symbol_low (JsonObject *r) { json_object_set_int_member (r, "symbol_size", 255); }
static void m_symbol_high (JsonObject *r) { json_object_set_int_member (r, "symbol_size", 9001); }
static void m_k_zero (JsonObject *r) { json_object_set_int_member (r, "k", 0); }
static void m_k_high (JsonObject *r) { json_object_set_int_member (r, "k", 201); }
static void m_name (JsonObject *r) { json_object_set_string_member (r, "name", "../x"); }
static void m_created (JsonObject *r) { json_object_set_string_member (r, "created", "yesterday"); }
static void m_sha_hex (JsonObject *r)
{
  json_object_set_string_member (file_obj (r, 0), "sha256", "00");
}
static void m_sha_upper (JsonObject *r)
{
  const char *sha = json_object_get_string_member (file_obj (r, 0), "sha256");
  g_autofree char *s = g_ascii_strup (sha, -1);

  json_object_set_string_member (file_obj (r, 0), "sha256", s);
}
static void m_b64_short (JsonObject *r)
{
  g_autofree char *s = g_strndup (json_object_get_string_member (r, "block_sha256"), 4 * 60);
  json_object_set_string_member (r, "block_sha256", s);
}
static void m_b64_char (JsonObject *r)
{
  g_autofree char *s = g_strdup (json_object_get_string_member (r, "block_sha256"));
  s[10] = '*';
  json_object_set_string_member (r, "block_sha256", s);
}
static void m_b64_len (JsonObject *r)
{
  g_autofree char *s = g_strdup (json_object_get_string_member (r, "block_sha256"));
  s[strlen (s) - 1] = '\0';
  json_object_set_string_member (r, "block_sha256", s);
}
static void m_no_files (JsonObject *r)
{
  json_object_set_array_member (r, "files", json_array_new ());
}
static void m_zero_total (JsonObject *r) { json_object_set_int_member (r, "total_size", 0); }

static const struct
{
  const char *name;
  Mutate      mutate;
  const char *expect;
} bad_cases[] = {
  { "version", m_version, "version 2 is not supported" },
  { "unknown-member", m_unknown, "unknown member \"signed\"" },
  { "missing-member", m_missing, "lacks the member \"k\"" },
  { "unknown-file-member", m_not_object, "files[0] has an unknown member \"x\"" },
  { "absolute-path", m_abs, "files[0].path: file path \"/etc/passwd\" is absolute" },
  { "dotdot-path", m_dotdot, "has a \"..\" component" },
  { "dot-path", m_dot, "has a \".\" component" },
  { "empty-component", m_empty_comp, "has an empty component" },
  { "backslash", m_backslash, "contains a backslash" },
  { "empty-path", m_empty_path, "empty file path" },
  { "duplicate-path", m_dup_path, "files[3].path \"boot/vmlinuz\" appears twice" },
  { "file-as-dir", m_file_dir, "is inside \"boot/vmlinuz\", which is a file" },
  { "overlap", m_overlap, "starts at offset 999, but the files before it end at 1000 (overlap)" },
  { "gap", m_gap, "(gap)" },
  { "sizes", m_sizes, "the file sizes add up to 6003 bytes, but total_size is 6004" },
  { "negative-size", m_neg_size, "files[1].size = -1 is out of range" },
  { "float-size", m_float_size, "files[3].size is not an integer" },
  { "n-blocks", m_n_blocks, "n_blocks is 7, but 6003 bytes in blocks of 4 x 256 bytes make 6" },
  { "symbol-low", m_symbol_low, "symbol_size 255 is out of range (256..9000)" },
  { "symbol-high", m_symbol_high, "symbol_size 9001 is out of range" },
  { "k-zero", m_k_zero, "k 0 is out of range (1..200)" },
  { "k-high", m_k_high, "k 201 is out of range" },
  { "name", m_name, "name \"../x\" is not a valid package name" },
  { "created", m_created, "created \"yesterday\" is not an ISO 8601 time" },
  { "sha-hex", m_sha_hex, "files[0].sha256 of \"boot/vmlinuz\" is not 64 lowercase hex digits" },
  { "sha-upper", m_sha_upper, "not 64 lowercase hex digits" },
  { "block-hashes-count", m_b64_short, "block_sha256 holds 180 bytes, 192 expected" },
  { "base64-char", m_b64_char, "block_sha256 is not valid base64 (character 10 is '*')" },
  { "base64-length", m_b64_len, "not a multiple of 4" },
  { "no-files", m_no_files, "files lists 0 files" },
  { "zero-total", m_zero_total, "total_size is 0" },
};

static void
test_json_reject (gconstpointer data)
{
  guint idx = GPOINTER_TO_UINT (data);
  g_autofree guint8 *stream = NULL;
  g_autoptr(ShoalManifest) m = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  ShoalManifest *bad;
  JsonNode *root;
  gsize len;

  m = build_test_manifest (&stream, &len);
  json = shoal_manifest_to_json (m);
  json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                              &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  bad_cases[idx].mutate (json_node_get_object (root));
  text = json_to_string (root, FALSE);

  bad = shoal_manifest_new_from_json (text, strlen (text), &error);
  g_assert_null (bad);
  g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID);
  g_test_message ("%s: %s", bad_cases[idx].name, error->message);
  if (strstr (error->message, bad_cases[idx].expect) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", bad_cases[idx].name, error->message,
             bad_cases[idx].expect);
}

static void
test_json_reject_syntax (void)
{
  const char *docs[] = { "", "{", "[]", "null", "{\"version\": 1", "{\"version\": \"1\"}", NULL };

  for (guint i = 0; docs[i]; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (shoal_manifest_new_from_json (docs[i], strlen (docs[i]), &error));
      g_assert_error (error, SHOAL_MANIFEST_ERROR, SHOAL_MANIFEST_ERROR_INVALID);
      g_test_message ("'%s' -> %s", docs[i], error->message);
      g_assert_true (g_str_has_prefix (error->message, "manifest: "));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/manifest/mtu", test_mtu);
  g_test_add_func ("/manifest/names-and-paths", test_names_and_paths);
  g_test_add_func ("/manifest/build", test_build);
  g_test_add_func ("/manifest/spans", test_spans);
  g_test_add_func ("/manifest/check-block-mismatch", test_check_block_mismatch);
  g_test_add_func ("/manifest/builder/pieces-and-threads", test_builder_pieces);
  g_test_add_func ("/manifest/builder/size-errors", test_builder_size_errors);
  g_test_add_func ("/manifest/json/round-trip", test_json_round_trip);
  g_test_add_func ("/manifest/json/canonical", test_json_canonical);
  g_test_add_func ("/manifest/json/reject-syntax", test_json_reject_syntax);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/manifest/json/reject/%s", bad_cases[i].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_json_reject);
    }
  return g_test_run ();
}
