/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One check of the network preflight, as a GObject with notifying properties. */
#include "config.h"

#include <gio/gio.h>

#include "shoal-preflight-check.h"

struct _ShoalPreflightCheck
{
  GObject parent_instance;

  char           *name;
  char           *title;
  ShoalCheckState state;
  char           *detail;
  char           *remedy;
};

G_DEFINE_FINAL_TYPE (ShoalPreflightCheck, shoal_preflight_check, G_TYPE_OBJECT)

enum { PROP_0, PROP_NAME, PROP_TITLE, PROP_STATE, PROP_DETAIL, PROP_REMEDY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char * const state_names[] = {
  "pending", "running", "pass", "warn", "fail", "skip",
};

const char *
shoal_check_state_to_string (ShoalCheckState state)
{
  g_return_val_if_fail (state <= SHOAL_CHECK_SKIP, "fail");
  return state_names[state];
}

gboolean
shoal_check_state_from_string (const char      *text,
                               ShoalCheckState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

static void
shoal_preflight_check_finalize (GObject *object)
{
  ShoalPreflightCheck *self = SHOAL_PREFLIGHT_CHECK (object);

  g_free (self->name);
  g_free (self->title);
  g_free (self->detail);
  g_free (self->remedy);
  G_OBJECT_CLASS (shoal_preflight_check_parent_class)->finalize (object);
}

static void
shoal_preflight_check_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  ShoalPreflightCheck *self = SHOAL_PREFLIGHT_CHECK (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_STATE: g_value_set_string (value, state_names[self->state]); break;
    case PROP_DETAIL: g_value_set_string (value, self->detail); break;
    case PROP_REMEDY: g_value_set_string (value, self->remedy); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_preflight_check_class_init (ShoalPreflightCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_preflight_check_finalize;
  object_class->get_property = shoal_preflight_check_get_property;

  /* A stable identifier: "interface", "send-loopback", "mtu", "ttl", "igmp-querier",
   * "duplicates", "probe". */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, f);
  /* One of the state names, as text so a label can bind to it and CSS can style it. */
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "pending", f);
  properties[PROP_DETAIL] = g_param_spec_string ("detail", NULL, NULL, NULL, f);
  properties[PROP_REMEDY] = g_param_spec_string ("remedy", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_preflight_check_init (ShoalPreflightCheck *self)
{
  self->state = SHOAL_CHECK_PENDING;
}

ShoalPreflightCheck *
shoal_preflight_check_new (const char *name,
                           const char *title)
{
  ShoalPreflightCheck *self;

  g_return_val_if_fail (name != NULL && title != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_PREFLIGHT_CHECK, NULL);
  self->name = g_strdup (name);
  self->title = g_strdup (title);
  return self;
}

static gboolean
read_json (JsonNode *node, const char **name, const char **title, ShoalCheckState *state,
           const char **detail, const char **remedy)
{
  JsonObject *o;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  o = json_node_get_object (node);
  *name = json_object_get_string_member_with_default (o, "name", NULL);
  *title = json_object_get_string_member_with_default (o, "title", *name);
  *detail = json_object_get_string_member_with_default (o, "detail", NULL);
  *remedy = json_object_get_string_member_with_default (o, "remedy", NULL);
  return *name != NULL
         && shoal_check_state_from_string (
              json_object_get_string_member_with_default (o, "state", NULL), state);
}

ShoalPreflightCheck *
shoal_preflight_check_new_from_json (JsonNode  *node,
                                     GError   **error)
{
  const char *name, *title, *detail, *remedy;
  ShoalCheckState state;
  ShoalPreflightCheck *self;

  if (!read_json (node, &name, &title, &state, &detail, &remedy))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "a preflight check in the answer lacks \"name\" or a known \"state\"");
      return NULL;
    }
  self = shoal_preflight_check_new (name, title);
  shoal_preflight_check_set (self, state, detail, remedy);
  return self;
}

gboolean
shoal_preflight_check_update_from_json (ShoalPreflightCheck *self,
                                        JsonNode            *node)
{
  const char *name, *title, *detail, *remedy;
  ShoalCheckState state;

  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), FALSE);

  if (!read_json (node, &name, &title, &state, &detail, &remedy)
      || !g_str_equal (name, self->name))
    return FALSE;
  shoal_preflight_check_set (self, state, detail, remedy);
  return TRUE;
}

JsonNode *
shoal_preflight_check_to_json (ShoalPreflightCheck *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->name);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, self->title);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state_names[self->state]);
  json_builder_set_member_name (b, "detail");
  if (self->detail)
    json_builder_add_string_value (b, self->detail);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "remedy");
  if (self->remedy)
    json_builder_add_string_value (b, self->remedy);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

const char *
shoal_preflight_check_get_name (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);
  return self->name;
}

const char *
shoal_preflight_check_get_title (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);
  return self->title;
}

ShoalCheckState
shoal_preflight_check_get_state (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), SHOAL_CHECK_FAIL);
  return self->state;
}

const char *
shoal_preflight_check_get_state_name (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);
  return state_names[self->state];
}

const char *
shoal_preflight_check_get_detail (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);
  return self->detail;
}

const char *
shoal_preflight_check_get_remedy (ShoalPreflightCheck *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self), NULL);
  return self->remedy;
}

static void
set_string (ShoalPreflightCheck *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
shoal_preflight_check_set (ShoalPreflightCheck *self,
                           ShoalCheckState      state,
                           const char          *detail,
                           const char          *remedy)
{
  g_return_if_fail (SHOAL_IS_PREFLIGHT_CHECK (self));
  g_return_if_fail (state <= SHOAL_CHECK_SKIP);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->detail, detail, PROP_DETAIL);
  set_string (self, &self->remedy, remedy, PROP_REMEDY);
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}
