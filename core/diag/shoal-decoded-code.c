/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One error code, decoded from the code tables and the knowledge base, as properties (for the
 * console), as text an admin reads (shoalctl decode) and as JSON (shoalctl decode --json). */
#include "config.h"

#include <string.h>

#include "shoal-code-table.h"
#include "shoal-decoded-code.h"
#include "shoal-diag-error.h"
#include "shoal-diag-text.h"

struct _ShoalDecodedCode
{
  GObject parent_instance;

  char         *input;
  guint32       value;
  char         *hex;
  char         *label;
  ShoalCodeForm form;
  char         *note;
  const char   *name;       /* borrowed from the code table, like every string below */
  GStrv         names;      /* "NAME (source)" for every name */
  const char   *source;
  const char   *facility_name;
  const char   *title;
  char         *meaning;
  const char   *context;
  const char * const *causes;
  const char * const *remedies;
  GStrv         alternatives;
  gboolean      wrapper;
  gboolean      known;
  gboolean      documented;
};

G_DEFINE_FINAL_TYPE (ShoalDecodedCode, shoal_decoded_code, G_TYPE_OBJECT)

/* g_strv_builder_take() is GLib 2.80; Debian 12 has 2.74. */
static void
builder_take (GStrvBuilder *builder,
              char         *s)
{
  g_strv_builder_add (builder, s);
  g_free (s);
}

enum {
  PROP_0,
  PROP_INPUT,
  PROP_VALUE,
  PROP_HEX,
  PROP_LABEL,
  PROP_NOTE,
  PROP_NAME,
  PROP_NAMES,
  PROP_SEVERITY,
  PROP_FACILITY,
  PROP_FACILITY_NAME,
  PROP_CODE,
  PROP_WIN32,
  PROP_TITLE,
  PROP_MEANING,
  PROP_CONTEXT,
  PROP_CAUSES,
  PROP_REMEDIES,
  PROP_ALTERNATIVES,
  PROP_WRAPPER,
  PROP_KNOWN,
  PROP_DOCUMENTED,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_decoded_code_finalize (GObject *object)
{
  ShoalDecodedCode *self = SHOAL_DECODED_CODE (object);

  g_free (self->input);
  g_free (self->hex);
  g_free (self->label);
  g_free (self->note);
  g_free (self->meaning);
  g_strfreev (self->names);
  g_strfreev (self->alternatives);

  G_OBJECT_CLASS (shoal_decoded_code_parent_class)->finalize (object);
}

static void
shoal_decoded_code_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalDecodedCode *self = SHOAL_DECODED_CODE (object);

  switch (prop_id)
    {
    case PROP_INPUT: g_value_set_string (value, self->input); break;
    case PROP_VALUE: g_value_set_uint (value, self->value); break;
    case PROP_HEX: g_value_set_string (value, self->hex); break;
    case PROP_LABEL: g_value_set_string (value, self->label); break;
    case PROP_NOTE: g_value_set_string (value, self->note); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_NAMES: g_value_set_boxed (value, self->names); break;
    case PROP_SEVERITY: g_value_set_string (value, shoal_decoded_code_get_severity (self)); break;
    case PROP_FACILITY: g_value_set_uint (value, SHOAL_HRESULT_FACILITY (self->value)); break;
    case PROP_FACILITY_NAME: g_value_set_string (value, self->facility_name); break;
    case PROP_CODE: g_value_set_uint (value, SHOAL_HRESULT_CODE (self->value)); break;
    case PROP_WIN32: g_value_set_int (value, shoal_decoded_code_get_win32 (self)); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_MEANING: g_value_set_string (value, self->meaning); break;
    case PROP_CONTEXT: g_value_set_string (value, self->context); break;
    case PROP_CAUSES: g_value_set_boxed (value, self->causes); break;
    case PROP_REMEDIES: g_value_set_boxed (value, self->remedies); break;
    case PROP_ALTERNATIVES: g_value_set_boxed (value, self->alternatives); break;
    case PROP_WRAPPER: g_value_set_boolean (value, self->wrapper); break;
    case PROP_KNOWN: g_value_set_boolean (value, self->known); break;
    case PROP_DOCUMENTED: g_value_set_boolean (value, self->documented); break;
    case PROP_TEXT:
      g_value_take_string (value, shoal_decoded_code_dup_text_width (self, 0));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_decoded_code_class_init (ShoalDecodedCodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags f = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_decoded_code_finalize;
  object_class->get_property = shoal_decoded_code_get_property;

  properties[PROP_INPUT] = g_param_spec_string ("input", NULL, NULL, NULL, f);
  properties[PROP_VALUE] = g_param_spec_uint ("value", NULL, NULL, 0, G_MAXUINT32, 0, f);
  properties[PROP_HEX] = g_param_spec_string ("hex", NULL, NULL, NULL, f);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, f);
  properties[PROP_NOTE] = g_param_spec_string ("note", NULL, NULL, NULL, f);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  properties[PROP_NAMES] = g_param_spec_boxed ("names", NULL, NULL, G_TYPE_STRV, f);
  properties[PROP_SEVERITY] = g_param_spec_string ("severity", NULL, NULL, NULL, f);
  properties[PROP_FACILITY] = g_param_spec_uint ("facility", NULL, NULL, 0, 0x1FFF, 0, f);
  properties[PROP_FACILITY_NAME] = g_param_spec_string ("facility-name", NULL, NULL, NULL, f);
  properties[PROP_CODE] = g_param_spec_uint ("code", NULL, NULL, 0, 0xFFFF, 0, f);
  properties[PROP_WIN32] = g_param_spec_int ("win32", NULL, NULL, -1, 0xFFFF, -1, f);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, f);
  properties[PROP_MEANING] = g_param_spec_string ("meaning", NULL, NULL, NULL, f);
  properties[PROP_CONTEXT] = g_param_spec_string ("context", NULL, NULL, NULL, f);
  properties[PROP_CAUSES] = g_param_spec_boxed ("causes", NULL, NULL, G_TYPE_STRV, f);
  properties[PROP_REMEDIES] = g_param_spec_boxed ("remedies", NULL, NULL, G_TYPE_STRV, f);
  properties[PROP_ALTERNATIVES] = g_param_spec_boxed ("alternatives", NULL, NULL, G_TYPE_STRV, f);
  properties[PROP_WRAPPER] = g_param_spec_boolean ("wrapper", NULL, NULL, FALSE, f);
  properties[PROP_KNOWN] = g_param_spec_boolean ("known", NULL, NULL, FALSE, f);
  properties[PROP_DOCUMENTED] = g_param_spec_boolean ("documented", NULL, NULL, FALSE, f);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_decoded_code_init (ShoalDecodedCode *self)
{
}

/* "ERROR_HANDLE_EOF" -> "handle eof": what a name says, for codes without our own words. */
static char *
words_from_name (const char *name)
{
  static const char * const prefixes[] = {
    "ERROR_WINHTTP_", "ERROR_INTERNET_", "ERROR_HTTP_", "ERROR_", "WSA", NULL
  };
  const char *rest = strstr (name, "_E_");
  char *words;

  if (rest != NULL)
    rest += 3;
  else
    {
      rest = name;
      for (const char * const *p = prefixes; *p != NULL; p++)
        if (g_str_has_prefix (name, *p))
          {
            rest = name + strlen (*p);
            break;
          }
    }
  words = g_ascii_strdown (*rest ? rest : name, -1);
  g_strdelimit (words, "_", ' ');
  return words;
}

static void
fill (ShoalDecodedCode *self,
      guint32           value)
{
  ShoalCodeTable *table = shoal_code_table_get_default ();
  const ShoalKnowledge *k = shoal_code_table_get_knowledge (table, value);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  const ShoalCodeName *rows;
  guint n_rows = 0;
  const char *text = NULL;

  self->value = value;
  self->hex = g_strdup_printf ("0x%08X", value);
  rows = shoal_code_table_lookup (table, value, &n_rows);
  for (guint i = 0; i < n_rows; i++)
    {
      if (rows[i].name != NULL)
        {
          if (self->name == NULL)
            {
              self->name = rows[i].name;
              self->source = rows[i].source;
            }
          builder_take (names, g_strdup_printf ("%s (%s)", rows[i].name, rows[i].source));
        }
      if (text == NULL && rows[i].text != NULL)
        text = rows[i].text;
      if (self->source == NULL)
        self->source = rows[i].source;
    }
  self->names = g_strv_builder_end (names);
  self->known = n_rows > 0 || k != NULL;
  self->facility_name = shoal_code_table_get_facility_name (table, SHOAL_HRESULT_FACILITY (value));

  if (k != NULL)
    {
      self->documented = TRUE;
      if (k->name != NULL)
        {
          self->name = k->name;
          self->source = "Shoal knowledge base";
        }
      self->title = k->title;
      self->meaning = g_strdup (k->meaning);
      self->context = k->context;
      self->causes = k->causes;
      self->remedies = k->remedies;
      self->wrapper = k->wrapper;
    }
  else if (text != NULL)
    {
      self->title = text;
      self->meaning = g_strdup (text);
    }
  else if (self->name != NULL)
    {
      g_autofree char *words = words_from_name (self->name);

      self->meaning = g_strdup_printf ("Shoal has no notes on this code yet; "
                                       "its name says “%s”.", words);
    }

  if (self->name != NULL)
    self->label = g_strdup_printf ("%s %s", self->hex, self->name);
  else if (self->title != NULL)
    self->label = g_strdup_printf ("%s %s", self->hex, self->title);
  else
    self->label = g_strdup (self->hex);
}

/**
 * shoal_decoded_code_new:
 * @value: an HRESULT (Win32 numbers wrapped as 0x8007xxxx)
 *
 * Returns: (transfer full): the decoded code; "known" is FALSE when no table has it
 */
ShoalDecodedCode *
shoal_decoded_code_new (guint32 value)
{
  ShoalDecodedCode *self = g_object_new (SHOAL_TYPE_DECODED_CODE, NULL);

  fill (self, value);
  self->form = SHOAL_CODE_FORM_HEX;
  self->input = g_strdup (self->hex);
  return self;
}

static int
reading_rank (guint32 value)
{
  ShoalCodeTable *table = shoal_code_table_get_default ();
  guint n = 0;
  int rank = 0;

  if (shoal_code_table_get_knowledge (table, value) != NULL)
    rank += 4;
  if (shoal_code_table_lookup (table, value, &n) != NULL)
    rank += 2;
  if (SHOAL_HRESULT_FAILED (value))
    rank += 1;
  return rank;
}

static char *
describe_reading (guint32 value)
{
  g_autoptr(ShoalDecodedCode) other = shoal_decoded_code_new (value);

  return g_strdup (other->label);
}

/**
 * shoal_decoded_code_new_from_text:
 * @text: a code in any form logs and people use (see shoal_hresult_parse()), or a symbolic
 *   name such as "E_ACCESSDENIED"
 *
 * Decodes the most likely reading of @text. For a seven-digit hex number the other plausible
 * readings are in "alternatives", and "note" says how the text was read whenever that is not
 * plain hex.
 *
 * Returns: (transfer full): the decoded code, or NULL with @error set when @text holds no code
 */
ShoalDecodedCode *
shoal_decoded_code_new_from_text (const char  *text,
                                  GError     **error)
{
  g_autoptr(GArray) readings = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *number = NULL;
  ShoalDecodedCode *self;
  ShoalCodeReading best;
  guint32 named_value;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (text));
  readings = shoal_hresult_parse (text, &parse_error);
  if (readings == NULL)
    {
      g_autofree char *upper = g_ascii_strup (trimmed, -1);

      if (*upper != '\0'
          && shoal_code_table_lookup_name (shoal_code_table_get_default (), upper, &named_value))
        {
          self = shoal_decoded_code_new (named_value);
          g_free (self->input);
          self->input = g_steal_pointer (&trimmed);
          return self;
        }
      g_propagate_error (error, g_steal_pointer (&parse_error));
      return NULL;
    }

  best = g_array_index (readings, ShoalCodeReading, 0);
  for (guint i = 1; i < readings->len; i++)
    {
      ShoalCodeReading r = g_array_index (readings, ShoalCodeReading, i);

      if (reading_rank (r.value) > reading_rank (best.value))
        best = r;
    }

  self = g_object_new (SHOAL_TYPE_DECODED_CODE, NULL);
  fill (self, best.value);
  self->input = g_steal_pointer (&trimmed);
  self->form = best.form;
  number = g_strndup (text + best.start, best.end - best.start);

  switch (best.form)
    {
    case SHOAL_CODE_FORM_DECIMAL:
      self->note = g_strdup_printf ("%s is %s written as a decimal number.", number, self->hex);
      break;
    case SHOAL_CODE_FORM_WIN32:
      self->note = g_strdup_printf ("%s is the Win32 error %u; as an HRESULT it is %s.", number,
                                    SHOAL_HRESULT_CODE (best.value), self->hex);
      break;
    case SHOAL_CODE_FORM_SHORT_HEX:
      {
        g_autoptr(GStrvBuilder) alternatives = g_strv_builder_new ();

        for (guint i = 0; i < readings->len; i++)
          {
            ShoalCodeReading r = g_array_index (readings, ShoalCodeReading, i);

            if (r.value != best.value && reading_rank (r.value) >= 2)
              builder_take (alternatives, describe_reading (r.value));
          }
        self->alternatives = g_strv_builder_end (alternatives);
        self->note = g_strdup_printf ("%s has seven hex digits, one short of an HRESULT: a zero "
                                      "was probably dropped. Most likely it is %s.",
                                      number, self->label);
      }
      break;
    case SHOAL_CODE_FORM_HEX:
    case SHOAL_CODE_FORM_BARE_HEX:
    default:
      break;
    }
  if (self->alternatives == NULL)
    self->alternatives = g_new0 (char *, 1);
  return self;
}

const char *
shoal_decoded_code_get_input (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->input;
}

guint32
shoal_decoded_code_get_value (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), 0);
  return self->value;
}

const char *
shoal_decoded_code_get_hex (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->hex;
}

/* "0x80072EE2 ERROR_WINHTTP_TIMEOUT": the code and its name, for lists. */
const char *
shoal_decoded_code_get_label (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->label;
}

ShoalCodeForm
shoal_decoded_code_get_form (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), 0);
  return self->form;
}

const char *
shoal_decoded_code_get_note (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->note;
}

const char *
shoal_decoded_code_get_name (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->name;
}

/* Every header name of the code, as "NAME (source)". */
const char * const *
shoal_decoded_code_get_names (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return (const char * const *) self->names;
}

const char *
shoal_decoded_code_get_severity (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return shoal_hresult_severity_name (self->value);
}

guint
shoal_decoded_code_get_facility (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), 0);
  return SHOAL_HRESULT_FACILITY (self->value);
}

const char *
shoal_decoded_code_get_facility_name (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->facility_name;
}

guint
shoal_decoded_code_get_code (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), 0);
  return SHOAL_HRESULT_CODE (self->value);
}

/* The Win32 error number inside a facility-7 HRESULT, or -1. */
int
shoal_decoded_code_get_win32 (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), -1);

  if (self->value == 0)
    return 0;
  if ((self->value & 0xFFFF0000u) == 0x80070000u)
    return SHOAL_HRESULT_CODE (self->value);
  return -1;
}

const char *
shoal_decoded_code_get_title (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->title;
}

const char *
shoal_decoded_code_get_meaning (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->meaning;
}

const char *
shoal_decoded_code_get_context (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->context;
}

const char * const *
shoal_decoded_code_get_causes (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->causes;
}

const char * const *
shoal_decoded_code_get_remedies (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return self->remedies;
}

const char * const *
shoal_decoded_code_get_alternatives (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);
  return (const char * const *) self->alternatives;
}

gboolean
shoal_decoded_code_get_wrapper (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), FALSE);
  return self->wrapper;
}

/* Whether any table or the knowledge base has the code. */
gboolean
shoal_decoded_code_get_known (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), FALSE);
  return self->known;
}

/* Whether the knowledge base explains the code. */
gboolean
shoal_decoded_code_get_documented (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), FALSE);
  return self->documented;
}

gboolean
shoal_decoded_code_get_failed (ShoalDecodedCode *self)
{
  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), FALSE);
  return SHOAL_HRESULT_FAILED (self->value);
}

/**
 * shoal_decoded_code_dup_text:
 *
 * The explanation in words an admin reads: the code and its name, how it was read, its parts,
 * what it means, likely causes and what to try; wrapped for a terminal.
 *
 * Returns: (transfer full): several lines of text ending in a newline
 */
char *
shoal_decoded_code_dup_text (ShoalDecodedCode *self)
{
  return shoal_decoded_code_dup_text_width (self, SHOAL_DIAG_TEXT_WIDTH);
}

/**
 * shoal_decoded_code_dup_text_width:
 * @width: columns to wrap at, or 0 not to wrap (the "text" property)
 *
 * Returns: (transfer full): the explanation of shoal_decoded_code_dup_text()
 */
char *
shoal_decoded_code_dup_text_width (ShoalDecodedCode *self,
                                   guint             width)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) parts = g_string_new (NULL);
  guint facility;
  int win32;

  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);

  facility = SHOAL_HRESULT_FACILITY (self->value);
  win32 = shoal_decoded_code_get_win32 (self);

  g_string_append (out, self->hex);
  if (self->name != NULL)
    g_string_append_printf (out, "  %s", self->name);
  if (self->title != NULL)
    g_string_append_printf (out, ": %s", self->title);
  if (!self->known)
    g_string_append (out, "  (not a code Shoal knows)");
  g_string_append_c (out, '\n');

  if (self->note != NULL)
    shoal_diag_text_append_field (out, "Read as:", self->note, width);
  if (self->alternatives != NULL && self->alternatives[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", self->alternatives);
      shoal_diag_text_append_field (out, "Or perhaps:", joined, width);
    }

  g_string_append (parts, shoal_hresult_severity_name (self->value));
  if (facility < 32)
    g_string_append_printf (parts, ", facility %u", facility);
  else
    g_string_append_printf (parts, ", facility 0x%X", facility);
  g_string_append_printf (parts, " (%s)", self->facility_name ? self->facility_name
                                                               : "unknown facility");
  if (SHOAL_HRESULT_CUSTOMER (self->value))
    g_string_append (parts, ", customer-defined");
  g_string_append_printf (parts, ", code %u (0x%04X)", SHOAL_HRESULT_CODE (self->value),
                          SHOAL_HRESULT_CODE (self->value));
  if (win32 > 0)
    g_string_append_printf (parts, ": the Win32 error %d", win32);
  shoal_diag_text_append_field (out, "Parts:", parts->str, width);

  if (self->names[0] != NULL
      && (self->names[1] != NULL
          || (self->source != NULL && g_str_equal (self->source, "Shoal knowledge base"))))
    {
      g_autofree char *joined = g_strjoinv (", ", self->names);
      shoal_diag_text_append_field (out, "Names:", joined, width);
    }
  if (self->context != NULL)
    shoal_diag_text_append_field (out, "Context:", self->context, width);

  if (self->meaning != NULL)
    shoal_diag_text_append_field (out, "Meaning:", self->meaning, width);
  else if (!self->known)
    shoal_diag_text_append_field (out, "Meaning:",
                                  "No table Shoal has names this code. Its parts above say which "
                                  "component reported it; search that component's documentation.",
                                  width);
  if (self->causes != NULL)
    shoal_diag_text_append_list (out, "Likely causes:", self->causes, width);
  if (self->remedies != NULL)
    shoal_diag_text_append_list (out, "What to try:", self->remedies, width);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
add_strv (JsonBuilder        *b,
          const char         *member,
          const char * const *items)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    json_builder_add_string_value (b, items[i]);
  json_builder_end_array (b);
}

static void
add_string (JsonBuilder *b,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * shoal_decoded_code_to_json:
 *
 * Returns: (transfer full): an object with every field of the decoded code, for scripts
 */
JsonNode *
shoal_decoded_code_to_json (ShoalDecodedCode *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  ShoalCodeTable *table;
  const ShoalCodeName *rows;
  guint n_rows = 0;

  g_return_val_if_fail (SHOAL_IS_DECODED_CODE (self), NULL);

  table = shoal_code_table_get_default ();
  rows = shoal_code_table_lookup (table, self->value, &n_rows);

  json_builder_begin_object (b);
  add_string (b, "input", self->input);
  add_string (b, "code", self->hex);
  json_builder_set_member_name (b, "value");
  json_builder_add_int_value (b, self->value);
  add_string (b, "name", self->name);
  json_builder_set_member_name (b, "names");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_rows; i++)
    {
      if (rows[i].name == NULL)
        continue;
      json_builder_begin_object (b);
      add_string (b, "name", rows[i].name);
      add_string (b, "source", rows[i].source);
      json_builder_set_member_name (b, "win32");
      json_builder_add_boolean_value (b, rows[i].win32);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_string (b, "severity", shoal_hresult_severity_name (self->value));
  json_builder_set_member_name (b, "facility");
  json_builder_add_int_value (b, SHOAL_HRESULT_FACILITY (self->value));
  add_string (b, "facility_name", self->facility_name);
  json_builder_set_member_name (b, "code_part");
  json_builder_add_int_value (b, SHOAL_HRESULT_CODE (self->value));
  json_builder_set_member_name (b, "win32");
  if (shoal_decoded_code_get_win32 (self) >= 0)
    json_builder_add_int_value (b, shoal_decoded_code_get_win32 (self));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "customer");
  json_builder_add_boolean_value (b, SHOAL_HRESULT_CUSTOMER (self->value));
  json_builder_set_member_name (b, "known");
  json_builder_add_boolean_value (b, self->known);
  json_builder_set_member_name (b, "documented");
  json_builder_add_boolean_value (b, self->documented);
  json_builder_set_member_name (b, "wrapper");
  json_builder_add_boolean_value (b, self->wrapper);
  add_string (b, "note", self->note);
  add_strv (b, "alternatives", (const char * const *) self->alternatives);
  add_string (b, "title", self->title);
  add_string (b, "meaning", self->meaning);
  add_string (b, "context", self->context);
  add_strv (b, "causes", self->causes);
  add_strv (b, "remedies", self->remedies);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
