/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HRESULTs as numbers: reading them out of text typed by a person (shoal_hresult_parse: lenient,
 * every form) or written in a log line (shoal_hresult_scan: strict, few false alarms). */
#include "config.h"

#include <string.h>

#include "shoal-diag-error.h"
#include "shoal-hresult.h"

typedef struct
{
  gsize start;       /* first byte, including a '-' sign */
  gsize end;
  gboolean negative;
  gboolean prefixed; /* 0x */
  const char *digits;
  gsize n_digits;
  gboolean all_decimal;
  gboolean all_hex;
} Token;

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* The next run of word characters at or after *pos, with a '-' sign in front of it when the
 * sign does not belong to a word (so "-2147467259" but not "ab-12"). */
static gboolean
next_token (const char *text,
            gsize      *pos,
            Token      *tok)
{
  gsize i = *pos;

  while (text[i] != '\0' && !is_word_char (text[i]))
    i++;
  if (text[i] == '\0')
    {
      *pos = i;
      return FALSE;
    }

  memset (tok, 0, sizeof *tok);
  tok->start = i;
  if (i > 0 && text[i - 1] == '-' && g_ascii_isdigit (text[i])
      && (i < 2 || !is_word_char (text[i - 2])))
    {
      tok->negative = TRUE;
      tok->start = i - 1;
    }
  while (is_word_char (text[i]))
    i++;
  tok->end = i;
  *pos = i;

  tok->digits = text + (tok->negative ? tok->start + 1 : tok->start);
  tok->n_digits = text + tok->end - tok->digits;
  if (tok->n_digits > 2 && tok->digits[0] == '0'
      && (tok->digits[1] == 'x' || tok->digits[1] == 'X'))
    {
      tok->prefixed = TRUE;
      tok->digits += 2;
      tok->n_digits -= 2;
    }
  tok->all_decimal = tok->all_hex = tok->n_digits > 0;
  for (gsize k = 0; k < tok->n_digits; k++)
    {
      if (!g_ascii_isdigit (tok->digits[k]))
        tok->all_decimal = FALSE;
      if (!g_ascii_isxdigit (tok->digits[k]))
        tok->all_hex = FALSE;
    }
  return TRUE;
}

static guint64
token_value (const Token *tok,
             guint        base)
{
  guint64 v = 0;

  for (gsize k = 0; k < tok->n_digits; k++)
    v = v * base + g_ascii_xdigit_value (tok->digits[k]);
  return v;
}

static gboolean
has_decimal_digit (const Token *tok)
{
  for (gsize k = 0; k < tok->n_digits; k++)
    if (g_ascii_isdigit (tok->digits[k]))
      return TRUE;
  return FALSE;
}

static void
add_reading (GArray        *readings,
             guint32        value,
             ShoalCodeForm  form,
             const Token   *tok)
{
  ShoalCodeReading r = { value, form, tok->start, tok->end };

  for (guint i = 0; i < readings->len; i++)
    if (g_array_index (readings, ShoalCodeReading, i).value == value)
      return;
  g_array_append_val (readings, r);
}

/* Reads one token the way a person might have meant it; adds nothing if it is not a code. */
static void
read_token (const Token *tok,
            GArray      *readings)
{
  guint64 v;

  if (tok->n_digits == 0 || tok->n_digits > 10)
    return;

  if (tok->prefixed)
    {
      if (!tok->all_hex || tok->n_digits > 8 || tok->negative)
        return;
      v = token_value (tok, 16);
      /* 0x000005B4 is how many tools print the Win32 error 1460. */
      if (v != 0 && v <= 0xFFFF)
        add_reading (readings, SHOAL_HRESULT_FROM_WIN32 (v), SHOAL_CODE_FORM_WIN32, tok);
      else
        add_reading (readings, v, SHOAL_CODE_FORM_HEX, tok);
      return;
    }

  if (tok->negative)
    {
      if (!tok->all_decimal)
        return;
      v = token_value (tok, 10);
      if (v == 0 || v > G_GUINT64_CONSTANT (2147483648))
        return;
      add_reading (readings, (guint32) (G_GUINT64_CONSTANT (0x100000000) - v),
                   SHOAL_CODE_FORM_DECIMAL, tok);
      return;
    }

  if (!tok->all_hex || !has_decimal_digit (tok))
    return;

  if (tok->n_digits == 8)
    {
      add_reading (readings, token_value (tok, 16), SHOAL_CODE_FORM_BARE_HEX, tok);
    }
  else if (tok->n_digits == 7)
    {
      /* One zero went missing: try it in every place; the caller ranks the readings. */
      for (gsize at = 0; at <= 7; at++)
        {
          guint64 value = 0;

          for (gsize k = 0; k < 8; k++)
            {
              int digit = k == at ? 0 : g_ascii_xdigit_value (tok->digits[k < at ? k : k - 1]);
              value = value * 16 + digit;
            }
          add_reading (readings, value, SHOAL_CODE_FORM_SHORT_HEX, tok);
        }
    }
  else if (tok->all_decimal && tok->n_digits <= 5)
    {
      v = token_value (tok, 10);
      if (v <= 0xFFFF)
        add_reading (readings, SHOAL_HRESULT_FROM_WIN32 (v), SHOAL_CODE_FORM_WIN32, tok);
    }
  else if (tok->all_decimal && tok->n_digits >= 9)
    {
      v = token_value (tok, 10);
      if (v <= G_MAXUINT32)
        add_reading (readings, v, SHOAL_CODE_FORM_DECIMAL, tok);
    }
  else if (!tok->all_decimal && tok->n_digits <= 4)
    {
      /* "5B4", "2EE2": a Win32 number written in hex. */
      add_reading (readings, SHOAL_HRESULT_FROM_WIN32 (token_value (tok, 16)),
                   SHOAL_CODE_FORM_WIN32, tok);
    }
}

/**
 * shoal_hresult_parse:
 * @text: a code as a person pastes it: "0x80070005", "80070005", "HRESULT=80070005",
 *   "(Error: 80070005; Source: Windows)", "-2147467259", "1460", "8004005"...
 *
 * Finds the first number in @text that can be an error code. Every reading is an HRESULT value
 * (Win32 numbers are wrapped into 0x8007xxxx). Only a seven-digit hex number gives more than one
 * reading, one per place a zero may have dropped out, in no particular order.
 *
 * Returns: (transfer full): a GArray of ShoalCodeReading, never empty; or NULL with @error set.
 */
GArray *
shoal_hresult_parse (const char  *text,
                     GError     **error)
{
  g_autoptr(GArray) readings = NULL;
  gsize pos = 0;
  Token tok;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  readings = g_array_new (FALSE, FALSE, sizeof (ShoalCodeReading));
  while (readings->len == 0 && next_token (text, &pos, &tok))
    read_token (&tok, readings);

  if (readings->len == 0)
    {
      g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_NOT_A_CODE,
                   "“%s” holds no error code (expected a form such as 0x80070005, 80070005, "
                   "-2147467259 or 1460)", text);
      return NULL;
    }
  return g_steal_pointer (&readings);
}

/* Whether the text just before @start ends with one of @words (case-insensitive), once spaces
 * and the punctuation people put between a label and its value are skipped. */
static gboolean
preceded_by (const char         *text,
             gsize               start,
             const char * const *words)
{
  gsize end = start;

  while (end > 0 && strchr (" \t:=#(", text[end - 1]) != NULL)
    end--;
  for (const char * const *w = words; *w != NULL; w++)
    {
      gsize len = strlen (*w);

      if (len <= end && g_ascii_strncasecmp (text + end - len, *w, len) == 0
          && (len == end || !g_ascii_isalpha (text[end - len - 1])))
        return TRUE;
    }
  return FALSE;
}

/**
 * shoal_hresult_scan:
 * @message: one log message
 *
 * Finds the failure codes a log line mentions. Stricter than shoal_hresult_parse(): a bare
 * number only counts where the line labels it as an error, so sizes, counts and times do not
 * turn into codes. Success codes (0, S_OK) are left out.
 *
 * Returns: (transfer full): a GArray of ShoalCodeReading, in the order they appear, each value
 *   once; empty when the line mentions none.
 */
GArray *
shoal_hresult_scan (const char *message)
{
  static const char * const win32_words[] = {
    "error", "error code", "win32 error", "win32 code", "lasterror", "lasterror()",
    "gle", "status", NULL
  };
  static const char * const code_words[] = {
    "error", "code", "hr", "hresult", "status", "result", "returned", NULL
  };
  GArray *found = g_array_new (FALSE, FALSE, sizeof (ShoalCodeReading));
  gsize pos = 0;
  Token tok;

  g_return_val_if_fail (message != NULL, found);

  while (next_token (message, &pos, &tok))
    {
      char before = tok.start > 0 ? message[tok.start - 1] : ' ';
      char after = message[tok.end];
      guint64 v;

      if (tok.n_digits == 0 || tok.n_digits > 10 || !tok.all_hex)
        continue;
      if (tok.prefixed)
        {
          if (tok.negative)
            continue;
          v = token_value (&tok, 16);
          if (tok.n_digits == 8 && SHOAL_HRESULT_FAILED (v))
            add_reading (found, v, SHOAL_CODE_FORM_HEX, &tok);
          else if (v != 0 && v <= 0xFFFF && preceded_by (message, tok.start, win32_words))
            add_reading (found, SHOAL_HRESULT_FROM_WIN32 (v), SHOAL_CODE_FORM_WIN32, &tok);
          continue;
        }
      if (tok.negative)
        {
          if (!tok.all_decimal || tok.n_digits != 10)
            continue;
          v = token_value (&tok, 10);
          if (v <= G_GUINT64_CONSTANT (2147483648))
            add_reading (found, (guint32) (G_GUINT64_CONSTANT (0x100000000) - v),
                         SHOAL_CODE_FORM_DECIMAL, &tok);
          continue;
        }
      /* Parts of GUIDs ({8-4-4-4-12}) and of dashed identifiers are not codes. */
      if (before == '-' || after == '-' || before == '{' || before == '.' || after == '.')
        continue;
      /* Bare hex needs the look of a failure (8x, Cx): package IDs such as ABC00012 are
       * eight hex digits too. */
      if (tok.n_digits == 8 && (tok.digits[0] == '8' || g_ascii_toupper (tok.digits[0]) == 'C')
          && g_ascii_isdigit (tok.digits[1]))
        {
          v = token_value (&tok, 16);
          if (SHOAL_HRESULT_FAILED (v))
            add_reading (found, v, SHOAL_CODE_FORM_BARE_HEX, &tok);
        }
      else if (tok.all_decimal && tok.n_digits == 10)
        {
          v = token_value (&tok, 10);
          if (v <= G_MAXUINT32 && SHOAL_HRESULT_FAILED (v)
              && preceded_by (message, tok.start, code_words))
            add_reading (found, v, SHOAL_CODE_FORM_DECIMAL, &tok);
        }
      else if (tok.all_decimal && tok.n_digits <= 5)
        {
          v = token_value (&tok, 10);
          if (v != 0 && v <= 0xFFFF && preceded_by (message, tok.start, win32_words))
            add_reading (found, SHOAL_HRESULT_FROM_WIN32 (v), SHOAL_CODE_FORM_WIN32, &tok);
        }
    }
  return found;
}

/* "failure" or "success" for HRESULTs; the two-bit severities of message-compiler facilities
 * (WDS: "error", "warning", "informational", "success") for codes built that way. */
const char *
shoal_hresult_severity_name (guint32 value)
{
  static const char * const two_bit[] = { "success", "informational", "warning", "error" };
  guint facility = SHOAL_HRESULT_FACILITY (value);

  if (facility == SHOAL_FACILITY_WDSMCSERVER || facility == SHOAL_FACILITY_WDSMCCLIENT
      || facility == 0x110)
    return two_bit[value >> 30];
  return SHOAL_HRESULT_FAILED (value) ? "failure" : "success";
}
