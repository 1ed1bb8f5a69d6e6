/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error decoding: every form of a code that logs and people use, the parts of a code, the
 * scanner that finds codes in log lines, a round trip over the whole generated table, the
 * knowledge base's coverage and Shoal's own codes. */
#include "config.h"

#include <string.h>

#include "shoal-code-table.h"
#include "shoal-codes.h"
#include "shoal-decoded-code.h"
#include "shoal-diag-error.h"
#include "shoal-hresult.h"

typedef struct
{
  const char   *input;
  guint32       value;
  ShoalCodeForm form;
  const char   *name;
} FormCase;

static void
test_forms (void)
{
  static const FormCase cases[] = {
    { "0x80070005", 0x80070005, SHOAL_CODE_FORM_HEX, "E_ACCESSDENIED" },
    { "0X80070005", 0x80070005, SHOAL_CODE_FORM_HEX, "E_ACCESSDENIED" },
    { "80070005", 0x80070005, SHOAL_CODE_FORM_BARE_HEX, "E_ACCESSDENIED" },
    { "HRESULT=80070005", 0x80070005, SHOAL_CODE_FORM_BARE_HEX, "E_ACCESSDENIED" },
    { "(Error: 80070005; Source: Windows)", 0x80070005, SHOAL_CODE_FORM_BARE_HEX,
      "E_ACCESSDENIED" },
    { "-2147467259", 0x80004005, SHOAL_CODE_FORM_DECIMAL, "E_FAIL" },
    { "2147942405", 0x80070005, SHOAL_CODE_FORM_DECIMAL, "E_ACCESSDENIED" },
    { "1460", 0x800705B4, SHOAL_CODE_FORM_WIN32, "ERROR_TIMEOUT" },
    { "12002", 0x80072EE2, SHOAL_CODE_FORM_WIN32, "ERROR_WINHTTP_TIMEOUT" },
    { "0x000005B4", 0x800705B4, SHOAL_CODE_FORM_WIN32, "ERROR_TIMEOUT" },
    { "2EE2", 0x80072EE2, SHOAL_CODE_FORM_WIN32, "ERROR_WINHTTP_TIMEOUT" },
    { "8004005", 0x80004005, SHOAL_CODE_FORM_SHORT_HEX, "E_FAIL" },
    { "8007005", 0x80070005, SHOAL_CODE_FORM_SHORT_HEX, "E_ACCESSDENIED" },
    { "0x80072ee2", 0x80072EE2, SHOAL_CODE_FORM_HEX, "ERROR_WINHTTP_TIMEOUT" },
    { "  hr=0x80091007 ", 0x80091007, SHOAL_CODE_FORM_HEX, "CRYPT_E_HASH_VALUE" },
    { "E_ACCESSDENIED", 0x80070005, SHOAL_CODE_FORM_HEX, "E_ACCESSDENIED" },
    { "error_winhttp_timeout", 0x80072EE2, SHOAL_CODE_FORM_HEX, "ERROR_WINHTTP_TIMEOUT" },
    { "0xC1220305", 0xC1220305, SHOAL_CODE_FORM_HEX, "WDSTPC_E_KICKED_POLICY_NOT_MET" },
    { "0xA05A0003", 0xA05A0003, SHOAL_CODE_FORM_HEX, "SHOAL_E_HASH_MISMATCH" },
    { "0x80041010", 0x80041010, SHOAL_CODE_FORM_HEX, "WBEM_E_INVALID_CLASS" },
    { "0", 0, SHOAL_CODE_FORM_WIN32, "S_OK" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new_from_text (cases[i].input, &error);

      g_test_message ("decoding “%s”", cases[i].input);
      g_assert_no_error (error);
      g_assert_nonnull (code);
      g_assert_cmphex (shoal_decoded_code_get_value (code), ==, cases[i].value);
      g_assert_cmpint (shoal_decoded_code_get_form (code), ==, cases[i].form);
      g_assert_cmpstr (shoal_decoded_code_get_name (code), ==, cases[i].name);
      g_assert_true (shoal_decoded_code_get_known (code));
    }
}

static void
test_notes (void)
{
  g_autoptr(ShoalDecodedCode) short_hex = shoal_decoded_code_new_from_text ("8004005", NULL);
  g_autoptr(ShoalDecodedCode) decimal = shoal_decoded_code_new_from_text ("-2147467259", NULL);
  g_autoptr(ShoalDecodedCode) win32 = shoal_decoded_code_new_from_text ("1460", NULL);
  g_autoptr(ShoalDecodedCode) hex = shoal_decoded_code_new_from_text ("0x80004005", NULL);
  const char * const *alternatives = shoal_decoded_code_get_alternatives (short_hex);
  gboolean found = FALSE;

  /* The other plausible reading of 8004005 is offered too. */
  g_assert_nonnull (strstr (shoal_decoded_code_get_note (short_hex), "0x80004005"));
  for (guint i = 0; alternatives[i] != NULL; i++)
    found |= g_str_has_prefix (alternatives[i], "0x80040005 ");
  g_assert_true (found);

  g_assert_nonnull (strstr (shoal_decoded_code_get_note (decimal), "decimal"));
  g_assert_nonnull (strstr (shoal_decoded_code_get_note (win32), "Win32 error 1460"));
  g_assert_null (shoal_decoded_code_get_note (hex));
}

static void
test_not_a_code (void)
{
  static const char * const inputs[] = {
    "", "   ", "foo", "0x", "-", "Source: Windows", "0x123456789", "12345678901", "-99999999999",
    "123456", "NO_SUCH_NAME"
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new_from_text (inputs[i], &error);

      g_test_message ("decoding “%s”", inputs[i]);
      g_assert_null (code);
      g_assert_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_NOT_A_CODE);
      /* The message says what was given and which forms would do. */
      g_assert_nonnull (strstr (error->message, inputs[i]));
      g_assert_nonnull (strstr (error->message, "0x80070005"));
    }
}

static void
test_parts (void)
{
  g_autoptr(ShoalDecodedCode) winhttp = shoal_decoded_code_new (0x80072EE2);
  g_autoptr(ShoalDecodedCode) wds = shoal_decoded_code_new (0xC1210105);
  g_autoptr(ShoalDecodedCode) cm = shoal_decoded_code_new (0x87D00607);
  g_autoptr(ShoalDecodedCode) shoal = shoal_decoded_code_new (0xA05A0001);
  g_autoptr(ShoalDecodedCode) unknown = shoal_decoded_code_new (0x8123ABCD);
  g_autoptr(ShoalDecodedCode) itf = shoal_decoded_code_new (0x80040154);

  g_assert_cmpuint (shoal_decoded_code_get_facility (winhttp), ==, 7);
  g_assert_cmpstr (shoal_decoded_code_get_facility_name (winhttp), ==, "Win32");
  g_assert_cmpuint (shoal_decoded_code_get_code (winhttp), ==, 12002);
  g_assert_cmpint (shoal_decoded_code_get_win32 (winhttp), ==, 12002);
  g_assert_cmpstr (shoal_decoded_code_get_severity (winhttp), ==, "failure");
  g_assert_true (g_strv_contains (shoal_decoded_code_get_names (winhttp),
                                  "ERROR_INTERNET_TIMEOUT (wininet.h)"));

  g_assert_cmpuint (shoal_decoded_code_get_facility (wds), ==, 0x121);
  g_assert_cmpstr (shoal_decoded_code_get_facility_name (wds), ==, "WDS multicast server");
  g_assert_cmpstr (shoal_decoded_code_get_severity (wds), ==, "error");
  g_assert_cmpstr (shoal_decoded_code_get_name (wds), ==, "WDSMCS_E_NAMESPACE_NOT_FOUND");
  g_assert_cmpint (shoal_decoded_code_get_win32 (wds), ==, -1);

  g_assert_cmpuint (shoal_decoded_code_get_facility (cm), ==, SHOAL_FACILITY_CONFIGMGR);
  g_assert_cmpstr (shoal_decoded_code_get_facility_name (cm), ==, "Configuration Manager");
  g_assert_cmpstr (shoal_decoded_code_get_title (cm), ==, "Content not found");
  g_assert_null (shoal_decoded_code_get_name (cm));

  g_assert_cmpuint (shoal_decoded_code_get_facility (shoal), ==, SHOAL_FACILITY);
  g_assert_cmpstr (shoal_decoded_code_get_facility_name (shoal), ==, "Shoal");
  g_assert_true (SHOAL_HRESULT_CUSTOMER (shoal_decoded_code_get_value (shoal)));

  g_assert_false (shoal_decoded_code_get_known (unknown));
  g_assert_cmpuint (shoal_decoded_code_get_facility (unknown), ==, 0x123);
  g_assert_null (shoal_decoded_code_get_facility_name (unknown));
  g_assert_nonnull (strstr (shoal_decoded_code_get_label (unknown), "0x8123ABCD"));

  g_assert_cmpstr (shoal_decoded_code_get_facility_name (itf), ==,
                   "interface-specific, FACILITY_ITF");
}

static void
test_context_override (void)
{
  g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new (0x80040102);

  /* winerror.h calls it a drag-and-drop error; in a task sequence it means content not found. */
  g_assert_cmpstr (shoal_decoded_code_get_name (code), ==, "Task sequence: content not found");
  g_assert_true (g_strv_contains (shoal_decoded_code_get_names (code),
                                  "DRAGDROP_E_INVALIDHWND (winerror.h)"));
  g_assert_nonnull (shoal_decoded_code_get_context (code));
}

static void
test_text_and_json (void)
{
  g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new_from_text ("0x80072EE2", NULL);
  g_autofree char *text = shoal_decoded_code_dup_text (code);
  g_autoptr(JsonNode) node = shoal_decoded_code_to_json (code);

  g_assert_true (g_str_has_prefix (text, "0x80072EE2  ERROR_WINHTTP_TIMEOUT"));
  g_assert_nonnull (strstr (text, "window scaling"));
  g_assert_nonnull (strstr (text, "Tcp1323Opts"));
  g_assert_nonnull (strstr (text, "What to try:"));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  JsonObject *obj;

  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 96);

  obj = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (obj, "code"), ==, "0x80072EE2");
  g_assert_cmpint (json_object_get_int_member (obj, "win32"), ==, 12002);
  g_assert_true (json_object_get_boolean_member (obj, "documented"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "remedies")), >=, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "names")), ==, 2);
}

typedef struct
{
  const char *message;
  guint32     codes[3];
} ScanCase;

static void
test_scan (void)
{
  static const ScanCase cases[] = {
    { "Failed to run the action: X. Unspecified error (Error: 80004005; Source: Windows)",
      { 0x80004005 } },
    { "Process completed with exit code 2147500037", { 0x80004005 } },
    { "Process completed with exit code 1", { 0 } },
    { "Exit code 0 (0x00000000)", { 0 } },
    { "Download done: 4391280128 bytes in 312 seconds", { 0 } },
    { "Failed to resolve the source for SMS PKGID=ABC00012, hr=0x80091007", { 0x80091007 } },
    { "Policy {80070005-1234-4567-89AB-0123456789AB} applied", { 0 } },
    { "The operating system reported error 1460", { 0x800705B4 } },
    { "Win32 error = 5; hr=0x80072ee2 and again 0x80072EE2", { 0x80070005, 0x80072EE2 } },
    { "returned -2147024891", { 0x80070005 } },
    { "ContentHash = E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", { 0 } },
    { "manifest says 9f2c41d0..., got 41aa07e3... (0xA05A0003)", { 0xA05A0003 } },
    { "Joined 239.1.2.3:5000 after 300 seconds, 65535 bytes", { 0 } },
    { "WinHttpReceiveResponse, HRESULT=80072ee2 (libsmsmessaging.cpp,9362)", { 0x80072EE2 } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) found = shoal_hresult_scan (cases[i].message);
      guint n = 0;

      g_test_message ("scanning “%s”", cases[i].message);
      while (n < G_N_ELEMENTS (cases[i].codes) && cases[i].codes[n] != 0)
        n++;
      g_assert_cmpuint (found->len, ==, n);
      for (guint k = 0; k < n; k++)
        g_assert_cmphex (g_array_index (found, ShoalCodeReading, k).value, ==, cases[i].codes[k]);
    }
}

typedef struct
{
  guint n_rows;
  guint n_named;
} RoundTrip;

static void
check_form (const ShoalCodeName *row,
            const char          *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new_from_text (text, &error);

  if (code == NULL || shoal_decoded_code_get_value (code) != row->value)
    g_error ("“%s” (%s, from %s) decodes to %s, expected 0x%08X", text,
             row->name ? row->name : "-", row->source,
             code ? shoal_decoded_code_get_hex (code) : error->message, row->value);
}

static void
round_trip_row (const ShoalCodeName *row,
                gpointer             user_data)
{
  RoundTrip *rt = user_data;
  ShoalCodeTable *table = shoal_code_table_get_default ();
  g_autofree char *hex = g_strdup_printf ("0x%08X", row->value);
  g_autofree char *bare = g_strdup_printf ("%08X", row->value);
  g_autofree char *hresult = g_strdup_printf ("HRESULT=%08x", row->value);
  g_autofree char *source = g_strdup_printf ("(Error: %08X; Source: Windows)", row->value);
  g_autofree char *decimal = g_strdup_printf ("%d", (gint32) row->value);

  rt->n_rows++;
  /* Codes below 0x10000 are read as Win32 numbers; the table keeps those wrapped. */
  if (row->value > 0xFFFF)
    {
      check_form (row, hex);
      check_form (row, bare);
      check_form (row, hresult);
      check_form (row, source);
      if (SHOAL_HRESULT_FAILED (row->value))
        check_form (row, decimal);
    }
  if (row->win32)
    {
      g_autofree char *win32 = g_strdup_printf ("%u", SHOAL_HRESULT_CODE (row->value));
      check_form (row, win32);
    }
  if (row->name != NULL)
    {
      g_autoptr(ShoalDecodedCode) code = shoal_decoded_code_new (row->value);
      g_autofree char *listed = g_strdup_printf ("%s (%s)", row->name, row->source);
      guint32 by_name;

      rt->n_named++;
      g_assert_true (g_strv_contains (shoal_decoded_code_get_names (code), listed));
      g_assert_true (shoal_decoded_code_get_known (code));
      /* A name used for several values (rare aliases) finds one that carries it. */
      g_assert_true (shoal_code_table_lookup_name (table, row->name, &by_name));
      {
        g_autoptr(ShoalDecodedCode) named = shoal_decoded_code_new (by_name);
        gboolean has = FALSE;

        for (const char * const *n = shoal_decoded_code_get_names (named); *n; n++)
          has |= g_str_has_prefix (*n, row->name) && (*n)[strlen (row->name)] == ' ';
        g_assert_true (has);
      }
    }
}

static void
test_round_trip (void)
{
  RoundTrip rt = { 0 };

  shoal_code_table_foreach_name (shoal_code_table_get_default (), round_trip_row, &rt);
  g_test_message ("%u table rows, %u named", rt.n_rows, rt.n_named);
  /* The generated table alone has over 3700 names; a broken generator gives far fewer. */
  g_assert_cmpuint (rt.n_rows, >, 3700);
  g_assert_cmpuint (rt.n_named, >, 3700);
}

static void
test_knowledge_base (void)
{
  static const guint32 required[] = {
    0x80004005, 0x800705B4, 0x80072EE2, 0x80091007,
    0x80070005,                         /* access denied */
    0x8007052E,                         /* logon failure */
    0x80070003,                         /* path not found */
    0x80072EFD, 0x80072EFE,             /* WinHTTP connect */
    0x80072EE7,                         /* name resolution */
    0x80072F8F, 0x80072F0D, 0x80072F06, 0x80072F05, /* certificates */
    0x80070070, 0x80070027,             /* disk full */
  };
  ShoalCodeTable *table = shoal_code_table_get_default ();
  const ShoalKnowledge * const *all;
  guint n = 0;

  all = shoal_code_table_list_knowledge (table, &n);
  g_assert_cmpuint (n, >=, 60);
  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (all[i]->title);
      g_assert_nonnull (all[i]->meaning);
      g_assert_nonnull (all[i]->causes[0]);
      g_assert_nonnull (all[i]->remedies[0]);
      g_assert_true (shoal_code_table_get_knowledge (table, all[i]->value) == all[i]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      g_test_message ("knowledge of 0x%08X", required[i]);
      g_assert_nonnull (shoal_code_table_get_knowledge (table, required[i]));
    }
  for (guint32 c = SHOAL_CLIENT_ERROR_FIRST; c <= SHOAL_CLIENT_ERROR_LAST; c++)
    g_assert_nonnull (shoal_code_table_get_knowledge (table, c));

  g_assert_true (shoal_code_table_get_knowledge (table, 0x80004005)->wrapper);
  g_assert_false (shoal_code_table_get_knowledge (table, 0x80072EE2)->wrapper);
  g_assert_nonnull (strstr (shoal_code_table_get_knowledge (table, 0x800705B4)->causes[0],
                            "anonymous"));
}

static void
test_shoal_codes (void)
{
  static const struct { ShoalClientError e; ShoalClientExit x; const char *name; } map[] = {
    { SHOAL_CLIENT_ERROR_NO_SESSION, SHOAL_CLIENT_EXIT_NO_SESSION, "SHOAL_E_NO_SESSION" },
    { SHOAL_CLIENT_ERROR_TIMEOUT, SHOAL_CLIENT_EXIT_TIMEOUT, "SHOAL_E_TIMEOUT" },
    { SHOAL_CLIENT_ERROR_HASH_MISMATCH, SHOAL_CLIENT_EXIT_HASH_MISMATCH, "SHOAL_E_HASH_MISMATCH" },
    { SHOAL_CLIENT_ERROR_WRITE_FAILED, SHOAL_CLIENT_EXIT_WRITE_FAILED, "SHOAL_E_WRITE_FAILED" },
    { SHOAL_CLIENT_ERROR_ACCESS_DENIED, SHOAL_CLIENT_EXIT_ACCESS_DENIED, "SHOAL_E_ACCESS_DENIED" },
    { SHOAL_CLIENT_ERROR_MULTICAST_ONLY_INCOMPLETE, SHOAL_CLIENT_EXIT_MULTICAST_ONLY_INCOMPLETE,
      "SHOAL_E_MULTICAST_ONLY_INCOMPLETE" },
    { SHOAL_CLIENT_ERROR_DROPPED_SLOW, SHOAL_CLIENT_EXIT_OK, "SHOAL_I_DROPPED_SLOW_CLIENT" },
    { SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH, SHOAL_CLIENT_EXIT_SIGNATURE_MISMATCH,
      "SHOAL_E_SIGNATURE_MISMATCH" },
    { SHOAL_CLIENT_ERROR_PROTOCOL, SHOAL_CLIENT_EXIT_PROTOCOL, "SHOAL_E_PROTOCOL" },
    { SHOAL_CLIENT_ERROR_TCP_STALLED, SHOAL_CLIENT_EXIT_TIMEOUT, "SHOAL_E_TCP_STALLED" },
    { SHOAL_CLIENT_ERROR_CANCELLED, SHOAL_CLIENT_EXIT_CANCELLED, "SHOAL_E_CANCELLED" },
  };

  g_assert_cmpuint (G_N_ELEMENTS (map), ==, SHOAL_CLIENT_ERROR_LAST - SHOAL_CLIENT_ERROR_FIRST + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_assert_cmphex (map[i].e, ==, SHOAL_CODE (i + 1));
      g_assert_true (SHOAL_CODE_IS_SHOAL (map[i].e));
      g_assert_cmpint (shoal_client_error_to_exit (map[i].e), ==, map[i].x);
      g_assert_cmpstr (shoal_code_name (map[i].e), ==, map[i].name);
      g_assert_nonnull (shoal_code_describe (map[i].e));
      g_assert_nonnull (shoal_client_exit_name (map[i].x));
    }
  g_assert_null (shoal_code_name (0x80004005));
  g_assert_cmpint (shoal_client_error_to_exit (0x80004005), ==, SHOAL_CLIENT_EXIT_FAILURE);
  g_assert_cmpstr (shoal_client_exit_name (12), ==, "hash-mismatch");
  g_assert_null (shoal_client_exit_name (9));
  g_assert_false (SHOAL_CODE_IS_SHOAL (0x80070005));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/diag/decode/forms", test_forms);
  g_test_add_func ("/diag/decode/notes", test_notes);
  g_test_add_func ("/diag/decode/not-a-code", test_not_a_code);
  g_test_add_func ("/diag/decode/parts", test_parts);
  g_test_add_func ("/diag/decode/context-override", test_context_override);
  g_test_add_func ("/diag/decode/text-and-json", test_text_and_json);
  g_test_add_func ("/diag/decode/scan", test_scan);
  g_test_add_func ("/diag/table/round-trip", test_round_trip);
  g_test_add_func ("/diag/table/knowledge-base", test_knowledge_base);
  g_test_add_func ("/diag/table/shoal-codes", test_shoal_codes);

  return g_test_run ();
}
