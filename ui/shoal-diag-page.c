/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Diagnostics page. Every word and figure it shows comes from core/diag (the decoded code,
 * the analysis, each entry's details); the page only lays them out and maps severities to
 * style classes. Logs are read on a worker thread, so a large one does not freeze the console. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-diag-page.h"
#include "shoal-resources.h"

struct _ShoalDiagPage
{
  GtkBox parent_instance;

  ShoalLogAnalysis   *analysis;
  GtkSingleSelection *selection;
  GCancellable       *cancellable;
  GtkNativeDialog    *chooser;

  GtkEntry      *code_entry;
  GtkLabel      *headline;
  GtkStack      *timeline_stack;
  GtkColumnView *timeline;
  GtkLabel      *summary_title;
  GtkLabel      *summary;
  GtkLabel      *details_title;
  GtkLabel      *details;
};

G_DEFINE_FINAL_TYPE (ShoalDiagPage, shoal_diag_page, GTK_TYPE_BOX)

/* Style classes of a timeline cell: its entry's severity, and its role in the analysis. */
static char **
shoal_diag_page_cell_classes (gpointer    item,
                              const char *severity,
                              const char *role,
                              const char *base)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **classes;

  g_strv_builder_add (builder, "diag-cell");
  if (base != NULL && *base)
    g_strv_builder_add (builder, base);
  if (g_strcmp0 (severity, "error") == 0)
    g_strv_builder_add (builder, "error");
  else if (g_strcmp0 (severity, "warning") == 0)
    g_strv_builder_add (builder, "warning");
  else if (g_strcmp0 (severity, "bad") == 0)
    g_strv_builder_add (builder, "diag-bad");
  if (role != NULL && *role)
    {
      g_autofree char *role_class = g_strconcat ("diag-", role, NULL);
      g_strv_builder_add (builder, role_class);
    }
  classes = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return classes;
}

static void
set_label_style (GtkLabel   *label,
                 const char *style)
{
  gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "success");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), style);
}

static void
show_details (ShoalDiagPage *self,
              const char    *title,
              const char    *text,
              const char    *style)
{
  gtk_label_set_text (self->details_title, title);
  gtk_label_set_text (self->details, text);
  set_label_style (self->details, style);
  gtk_widget_set_visible (GTK_WIDGET (self->details_title), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->details), TRUE);
}

static void
on_selected (GtkSingleSelection *selection,
             GParamSpec         *pspec,
             ShoalDiagPage      *self)
{
  ShoalLogEntry *entry = gtk_single_selection_get_selected_item (selection);
  g_autofree char *details = NULL;

  if (entry == NULL)
    return;
  details = shoal_log_entry_dup_details (entry);
  show_details (self, _("Selected Line"), details, NULL);
}

/* GtkColumnView gains scroll_to() only in GTK 4.12; its list view has the action since 4.0. */
static void
scroll_to (ShoalDiagPage *self,
           guint          position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
}

static void
set_analysis (ShoalDiagPage    *self,
              ShoalLogAnalysis *analysis)
{
  ShoalLogEntry *root;
  ShoalLogOutcome outcome;
  guint pos;

  g_set_object (&self->analysis, analysis);
  g_clear_object (&self->selection);
  self->selection = gtk_single_selection_new (
    g_object_ref (shoal_log_analysis_get_entries (analysis)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected), self);
  gtk_column_view_set_model (self->timeline, GTK_SELECTION_MODEL (self->selection));
  gtk_stack_set_visible_child_name (self->timeline_stack, "timeline");

  outcome = shoal_log_analysis_get_outcome (analysis);
  gtk_label_set_text (self->headline, shoal_log_analysis_get_headline (analysis));
  set_label_style (self->headline, outcome == SHOAL_LOG_OUTCOME_FAILED ? "error"
                                   : outcome == SHOAL_LOG_OUTCOME_SUCCEEDED ? "success" : NULL);
  gtk_label_set_text (self->summary_title, shoal_log_analysis_get_name (analysis));
  gtk_label_set_text (self->summary, shoal_log_analysis_get_summary (analysis));
  gtk_widget_set_visible (GTK_WIDGET (self->summary_title), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->summary), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->details_title), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->details), FALSE);

  /* Start where the trouble is: the root cause, selected and in view. */
  root = shoal_log_analysis_get_root_cause (analysis);
  pos = shoal_log_analysis_get_entry_position (analysis, root);
  if (pos != G_MAXUINT)
    {
      gtk_single_selection_set_selected (self->selection, pos);
      scroll_to (self, pos);
    }
}

static void
on_analyzed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ShoalDiagPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalLogAnalysis) analysis = shoal_log_analysis_analyze_file_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_remove_css_class (GTK_WIDGET (self), "busy");
  if (analysis == NULL)
    {
      gtk_label_set_text (self->headline, error->message);
      set_label_style (self->headline, "error");
      return;
    }
  set_analysis (self, analysis);
}

/**
 * shoal_diag_page_open_file:
 *
 * Reads and analyses @file on a worker thread, then shows its timeline and summary. A file
 * that cannot be read is reported in the page's headline.
 */
void
shoal_diag_page_open_file (ShoalDiagPage *self,
                           GFile         *file)
{
  g_autofree char *name = NULL;
  g_autofree char *reading = NULL;

  g_return_if_fail (SHOAL_IS_DIAG_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  name = g_file_get_parse_name (file);
  reading = g_strdup_printf (_("Reading %s…"), name);
  gtk_label_set_text (self->headline, reading);
  set_label_style (self->headline, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self), "busy");
  shoal_log_analysis_analyze_file_async (file, SHOAL_LOG_ANALYSIS_KEEP_ENTRIES,
                                         self->cancellable, on_analyzed, g_object_ref (self));
}

/* Explains the code in @text in the side panel; says so when @text holds none. */
void
shoal_diag_page_decode (ShoalDiagPage *self,
                        const char    *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalDecodedCode) code = NULL;
  g_autofree char *explained = NULL;

  g_return_if_fail (SHOAL_IS_DIAG_PAGE (self));
  g_return_if_fail (text != NULL);

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->code_entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->code_entry), text);
  code = shoal_decoded_code_new_from_text (text, &error);
  if (code == NULL)
    {
      show_details (self, _("Decoded Code"), error->message, "error");
      return;
    }
  explained = shoal_decoded_code_dup_text_width (code, 0);
  show_details (self, _("Decoded Code"), explained, NULL);
}

static void
on_decode (ShoalDiagPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->code_entry));

  if (*text != '\0')
    shoal_diag_page_decode (self, text);
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     ShoalDiagPage   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        shoal_diag_page_open_file (self, file);
    }
  g_clear_object (&self->chooser);
}

/* GtkFileDialog is GTK 4.10; Debian 12 has 4.8. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
on_open (ShoalDiagPage *self)
{
  GtkFileFilter *logs = gtk_file_filter_new ();
  GtkFileFilter *all = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Open a Log"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (logs, _("Logs (*.log, *.lo_)"));
  gtk_file_filter_add_pattern (logs, "*.log");
  gtk_file_filter_add_pattern (logs, "*.lo_");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), logs);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_object_unref (logs);
  g_object_unref (all);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_set_modal (self->chooser, TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (self->chooser);
}
G_GNUC_END_IGNORE_DEPRECATIONS

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         ShoalDiagPage *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  /* One log at a time: the first one dropped. */
  shoal_diag_page_open_file (self, files->data);
  g_slist_free (files);
  return TRUE;
}

static void
shoal_diag_page_dispose (GObject *object)
{
  ShoalDiagPage *self = SHOAL_DIAG_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  if (self->timeline != NULL)
    gtk_column_view_set_model (self->timeline, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->analysis);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_DIAG_PAGE);

  G_OBJECT_CLASS (shoal_diag_page_parent_class)->dispose (object);
}

static void
shoal_diag_page_class_init (ShoalDiagPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_diag_page_dispose;

  /* Referencing the bundle keeps it in static links that do not include the window. */
  g_assert (shoal_get_resource () != NULL);
  g_type_ensure (SHOAL_TYPE_LOG_ENTRY);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-diag-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, code_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, headline);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, timeline_stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, timeline);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, summary_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, summary);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalDiagPage, details);
  gtk_widget_class_bind_template_callback (widget_class, on_decode);
  gtk_widget_class_bind_template_callback (widget_class, on_open);
  gtk_widget_class_bind_template_callback (widget_class, shoal_diag_page_cell_classes);
}

static void
shoal_diag_page_init (ShoalDiagPage *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

GtkWidget *
shoal_diag_page_new (void)
{
  return g_object_new (SHOAL_TYPE_DIAG_PAGE, NULL);
}

/* The analysis on show, or NULL before a log is opened. */
ShoalLogAnalysis *
shoal_diag_page_get_analysis (ShoalDiagPage *self)
{
  g_return_val_if_fail (SHOAL_IS_DIAG_PAGE (self), NULL);
  return self->analysis;
}
