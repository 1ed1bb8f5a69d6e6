/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The code tables and the knowledge base, read once from core/diag's resource bundle. The tables
 * are tab-separated (kind, value, name, source[, text]); the knowledge base is JSON. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "shoal-code-table.h"
#include "shoal-codes.h"
#include "shoal-diag-error.h"
#include "shoal-diag-resources.h"
#include "shoal-hresult.h"

#define RESOURCE_DIR "/io/shoal/Shoal/diag/"

struct _ShoalCodeTable
{
  GObject parent_instance;

  GStringChunk *strings;
  GArray       *rows;         /* ShoalCodeName, in load order */
  GHashTable   *by_value;     /* value -> GArray of ShoalCodeName, HRESULT names first */
  GHashTable   *by_name;      /* name -> value */
  GHashTable   *facilities;   /* facility -> display name */
  GHashTable   *knowledge;    /* value -> ShoalKnowledge */
  GPtrArray    *knowledge_list;
  GStrv         benign;
};

G_DEFINE_FINAL_TYPE (ShoalCodeTable, shoal_code_table, G_TYPE_OBJECT)

/* Readable names for the facilities people meet in deployment; others keep the header's
 * FACILITY_ name. */
static const struct
{
  guint       facility;
  const char *label;
} facility_labels[] = {
  { 0, "generic, FACILITY_NULL" },
  { 1, "RPC" },
  { 2, "COM dispatch" },
  { 3, "structured storage" },
  { SHOAL_FACILITY_ITF, "interface-specific, FACILITY_ITF" },
  { SHOAL_FACILITY_WIN32, "Win32" },
  { SHOAL_FACILITY_WINDOWS, "Windows" },
  { SHOAL_FACILITY_SECURITY, "security (SSPI, CryptoAPI)" },
  { 10, "ActiveX control" },
  { 11, "certificates" },
  { SHOAL_FACILITY_INTERNET, "Internet (URL moniker)" },
  { 25, "HTTP" },
  { 32, "BITS (background transfer)" },
  { 33, "configuration" },
  { 36, "Windows Update" },
};

static void
free_knowledge (gpointer data)
{
  ShoalKnowledge *k = data;

  g_strfreev ((char **) k->causes);
  g_strfreev ((char **) k->remedies);
  g_free (k);
}

static void
shoal_code_table_finalize (GObject *object)
{
  ShoalCodeTable *self = SHOAL_CODE_TABLE (object);

  g_clear_pointer (&self->by_value, g_hash_table_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->facilities, g_hash_table_unref);
  g_clear_pointer (&self->knowledge, g_hash_table_unref);
  g_clear_pointer (&self->knowledge_list, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->benign, g_strfreev);
  g_clear_pointer (&self->strings, g_string_chunk_free);

  G_OBJECT_CLASS (shoal_code_table_parent_class)->finalize (object);
}

static void
shoal_code_table_class_init (ShoalCodeTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_code_table_finalize;
}

static void
shoal_code_table_init (ShoalCodeTable *self)
{
  self->strings = g_string_chunk_new (64 * 1024);
  self->rows = g_array_new (FALSE, FALSE, sizeof (ShoalCodeName));
  self->by_value = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->facilities = g_hash_table_new (NULL, NULL);
  self->knowledge = g_hash_table_new (NULL, NULL);
  self->knowledge_list = g_ptr_array_new_with_free_func (free_knowledge);
}

static const char *
intern (ShoalCodeTable *self,
        const char     *s)
{
  return s ? g_string_chunk_insert_const (self->strings, s) : NULL;
}

static void
add_name (ShoalCodeTable *self,
          guint32         value,
          const char     *name,
          const char     *source,
          const char     *text,
          gboolean        win32)
{
  ShoalCodeName row = { value, intern (self, name), intern (self, source), intern (self, text),
                        win32 };
  GArray *names = g_hash_table_lookup (self->by_value, GUINT_TO_POINTER (value));

  if (names == NULL)
    {
      names = g_array_new (FALSE, FALSE, sizeof (ShoalCodeName));
      g_hash_table_insert (self->by_value, GUINT_TO_POINTER (value), names);
    }
  /* The HRESULT's own names come before the names of the Win32 number it wraps. */
  if (win32)
    g_array_append_val (names, row);
  else
    {
      guint at = 0;

      while (at < names->len && !g_array_index (names, ShoalCodeName, at).win32)
        at++;
      g_array_insert_val (names, at, row);
    }
  g_array_append_val (self->rows, row);
  if (row.name != NULL && !g_hash_table_contains (self->by_name, row.name))
    g_hash_table_insert (self->by_name, (gpointer) row.name, GUINT_TO_POINTER (value));
}

static gboolean
parse_number (const char *text,
              guint       base,
              guint32    *value)
{
  char *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0')
    return FALSE;
  if (base == 16)
    {
      if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || strlen (text) != 10)
        return FALSE;
      text += 2;
    }
  v = g_ascii_strtoull (text, &end, base);
  if (end == text || *end != '\0' || v > G_MAXUINT32)
    return FALSE;
  *value = (guint32) v;
  return TRUE;
}

static gboolean
load_table (ShoalCodeTable *self,
            const char     *file,
            GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *path = g_strconcat (RESOURCE_DIR, file, NULL);
  const char *data;
  gsize len;

  /* Looking the bundle up through its own getter keeps its object file in static links. */
  bytes = g_resource_lookup_data (shoal_diag_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  text = g_strndup (data, len);
  lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      guint n;
      guint32 value;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", -1);
      n = g_strv_length (f);
      if (n < 4 || n > 5)
        {
          g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA,
                       "%s line %u: expected 4 or 5 tab-separated fields, found %u",
                       file, i + 1, n);
          return FALSE;
        }
      if (g_str_equal (f[0], "facility"))
        {
          const char *label = n == 5 ? f[4] : f[2];

          if (!parse_number (f[1], 10, &value) || value > 0x1FFF)
            goto bad_value;
          if (!g_hash_table_contains (self->facilities, GUINT_TO_POINTER (value)))
            g_hash_table_insert (self->facilities, GUINT_TO_POINTER (value),
                                 (gpointer) intern (self, label));
        }
      else if (g_str_equal (f[0], "win32"))
        {
          if (!parse_number (f[1], 10, &value) || value > 0xFFFF)
            goto bad_value;
          add_name (self, SHOAL_HRESULT_FROM_WIN32 (value), f[2], f[3], n == 5 ? f[4] : NULL,
                    value != 0);
        }
      else if (g_str_equal (f[0], "hresult"))
        {
          if (!parse_number (f[1], 16, &value))
            goto bad_value;
          add_name (self, value, g_str_equal (f[2], "-") ? NULL : f[2], f[3],
                    n == 5 ? f[4] : NULL, FALSE);
        }
      else
        {
          g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA,
                       "%s line %u: unknown kind “%s” (expected facility, win32 or hresult)",
                       file, i + 1, f[0]);
          return FALSE;
        }
      continue;

    bad_value:
      g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA,
                   "%s line %u: “%s” is not a valid %s value", file, i + 1, f[1], f[0]);
      return FALSE;
    }
  return TRUE;
}

static void
add_shoal_codes (ShoalCodeTable *self)
{
  g_hash_table_insert (self->facilities, GUINT_TO_POINTER (SHOAL_FACILITY), (gpointer) "Shoal");
  for (guint32 code = SHOAL_CLIENT_ERROR_FIRST; code <= SHOAL_CLIENT_ERROR_LAST; code++)
    add_name (self, code, shoal_code_name (code), "shoal-codes.h", shoal_code_describe (code),
              FALSE);
}

static char **
dup_string_array (JsonObject  *obj,
                  const char  *member,
                  GString     *problem)
{
  JsonNode *node = json_object_get_member (obj, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (json_node_get_array (node)) == 0)
    {
      g_string_append_printf (problem, "“%s” must be a non-empty list of strings", member);
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (json_node_get_value_type (item) != G_TYPE_STRING)
        {
          g_string_append_printf (problem, "“%s” item %u is not a string", member, i);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  return g_strv_builder_end (builder);
}

static const char *
get_string (ShoalCodeTable *self,
            JsonObject     *obj,
            const char     *member,
            gboolean        required,
            GString        *problem)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_string_append_printf (problem, "“%s” is missing", member);
      return NULL;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING || *json_node_get_string (node) == '\0')
    {
      g_string_append_printf (problem, "“%s” must be a non-empty string", member);
      return NULL;
    }
  return intern (self, json_node_get_string (node));
}

static gboolean
load_knowledge (ShoalCodeTable *self,
                GError        **error)
{
  static const char file[] = "knowledge-base.json";
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonArray *codes;
  JsonNode *node;

  bytes = g_resource_lookup_data (shoal_diag_get_resource (), RESOURCE_DIR "knowledge-base.json",
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), &local_error))
    {
      g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA, "%s: %s", file,
                   local_error->message);
      return FALSE;
    }
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
         ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  node = root ? json_object_get_member (root, "codes") : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA,
                   "%s: expected an object with a “codes” list", file);
      return FALSE;
    }
  codes = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (codes); i++)
    {
      g_autoptr(GString) problem = g_string_new (NULL);
      JsonNode *item = json_array_get_element (codes, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      ShoalKnowledge *k;
      const char *code_text = NULL;
      guint32 value = 0;

      if (obj == NULL)
        g_string_append (problem, "not an object");
      else if ((code_text = get_string (self, obj, "code", TRUE, problem)) != NULL
               && !parse_number (code_text, 16, &value))
        g_string_append (problem, "“code” must be 0x and eight hex digits");
      else if (code_text != NULL
               && g_hash_table_contains (self->knowledge, GUINT_TO_POINTER (value)))
        g_string_append (problem, "the code appears twice");

      k = g_new0 (ShoalKnowledge, 1);
      g_ptr_array_add (self->knowledge_list, k);
      if (problem->len == 0)
        {
          JsonNode *wrapper = json_object_get_member (obj, "wrapper");

          k->value = value;
          k->name = get_string (self, obj, "name", FALSE, problem);
          k->title = get_string (self, obj, "title", TRUE, problem);
          k->meaning = get_string (self, obj, "meaning", TRUE, problem);
          k->context = get_string (self, obj, "context", FALSE, problem);
          if (problem->len == 0)
            k->causes = (const char * const *) dup_string_array (obj, "causes", problem);
          if (problem->len == 0)
            k->remedies = (const char * const *) dup_string_array (obj, "remedies", problem);
          if (wrapper != NULL && json_node_get_value_type (wrapper) != G_TYPE_BOOLEAN)
            g_string_append (problem, "“wrapper” must be true or false");
          else if (wrapper != NULL)
            k->wrapper = json_node_get_boolean (wrapper);
        }
      if (problem->len > 0)
        {
          g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA, "%s: entry %u (%s): %s",
                       file, i + 1, code_text ? code_text : "no code", problem->str);
          return FALSE;
        }
      g_hash_table_insert (self->knowledge, GUINT_TO_POINTER (value), k);
      /* A name the headers lack (WMI codes) becomes searchable too. */
      if (k->name != NULL && !g_hash_table_contains (self->by_name, k->name))
        g_hash_table_insert (self->by_name, (gpointer) k->name, GUINT_TO_POINTER (value));
    }

  node = json_object_get_member (root, "benign");
  if (node != NULL)
    {
      g_autoptr(GString) problem = g_string_new (NULL);

      self->benign = dup_string_array (root, "benign", problem);
      if (self->benign == NULL)
        {
          g_set_error (error, SHOAL_DIAG_ERROR, SHOAL_DIAG_ERROR_DATA, "%s: %s", file,
                       problem->str);
          return FALSE;
        }
    }
  else
    self->benign = g_new0 (char *, 1);
  return TRUE;
}

/**
 * shoal_code_table_new:
 *
 * Loads every table and the knowledge base. Only fails when the built-in data is damaged, and
 * then says which file, line or entry.
 *
 * Returns: (transfer full): a new table, or NULL with @error set
 */
ShoalCodeTable *
shoal_code_table_new (GError **error)
{
  g_autoptr(ShoalCodeTable) self = g_object_new (SHOAL_TYPE_CODE_TABLE, NULL);
  static const char * const tables[] = { "hresult-table.tsv", "wds-multicast.tsv",
                                         "configmgr.tsv" };

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    if (!load_table (self, tables[i], error))
      return NULL;
  add_shoal_codes (self);
  for (gsize i = 0; i < G_N_ELEMENTS (facility_labels); i++)
    g_hash_table_insert (self->facilities, GUINT_TO_POINTER (facility_labels[i].facility),
                         (gpointer) facility_labels[i].label);
  if (!load_knowledge (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * shoal_code_table_get_default:
 *
 * The shared, read-only table; safe to use from any thread. The data is compiled in, so a
 * failure to load it is a build defect and aborts with the reason.
 *
 * Returns: (transfer none): the table
 */
ShoalCodeTable *
shoal_code_table_get_default (void)
{
  static gsize once;
  static ShoalCodeTable *table;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GError) error = NULL;

      table = shoal_code_table_new (&error);
      if (table == NULL)
        g_error ("Shoal's built-in error tables are damaged: %s", error->message);
      g_once_init_leave (&once, 1);
    }
  return table;
}

/* Every name of @value, HRESULT names before the names of a wrapped Win32 number; NULL when
 * no table has it. */
const ShoalCodeName *
shoal_code_table_lookup (ShoalCodeTable *self,
                         guint32         value,
                         guint          *n_names)
{
  GArray *names;

  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), NULL);
  g_return_val_if_fail (n_names != NULL, NULL);

  names = g_hash_table_lookup (self->by_value, GUINT_TO_POINTER (value));
  *n_names = names ? names->len : 0;
  return names ? &g_array_index (names, ShoalCodeName, 0) : NULL;
}

/* The value of a symbolic name ("ERROR_ACCESS_DENIED" gives 0x80070005). */
gboolean
shoal_code_table_lookup_name (ShoalCodeTable *self,
                              const char     *name,
                              guint32        *value)
{
  gpointer found;

  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!g_hash_table_lookup_extended (self->by_name, name, NULL, &found))
    return FALSE;
  if (value != NULL)
    *value = GPOINTER_TO_UINT (found);
  return TRUE;
}

const ShoalKnowledge *
shoal_code_table_get_knowledge (ShoalCodeTable *self,
                                guint32         value)
{
  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), NULL);

  return g_hash_table_lookup (self->knowledge, GUINT_TO_POINTER (value));
}

const ShoalKnowledge * const *
shoal_code_table_list_knowledge (ShoalCodeTable *self,
                                 guint          *n_entries)
{
  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), NULL);
  g_return_val_if_fail (n_entries != NULL, NULL);

  *n_entries = self->knowledge_list->len;
  return (const ShoalKnowledge * const *) self->knowledge_list->pdata;
}

/* A readable name of a facility ("Win32", "WDS multicast client"), or NULL when unknown. */
const char *
shoal_code_table_get_facility_name (ShoalCodeTable *self,
                                    guint           facility)
{
  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), NULL);

  return g_hash_table_lookup (self->facilities, GUINT_TO_POINTER (facility));
}

/* Message fragments of log lines that report an error which does no harm. */
const char * const *
shoal_code_table_get_benign (ShoalCodeTable *self)
{
  g_return_val_if_fail (SHOAL_IS_CODE_TABLE (self), NULL);

  return (const char * const *) self->benign;
}

/* Calls @func for every name of every table row, in load order. */
void
shoal_code_table_foreach_name (ShoalCodeTable    *self,
                               ShoalCodeNameFunc  func,
                               gpointer           user_data)
{
  g_return_if_fail (SHOAL_IS_CODE_TABLE (self));
  g_return_if_fail (func != NULL);

  for (guint i = 0; i < self->rows->len; i++)
    func (&g_array_index (self->rows, ShoalCodeName, i), user_data);
}
