/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exporting a session's report from the console. A remote session is only a mirror of what
 * the daemon's API lists, without its rate history or byte counts, so its report comes from
 * the daemon, as shoalctl report gets it. A session of this process is rendered here from
 * its live objects: the record is taken in the main context, the rendering and the write
 * happen on a worker thread so that a thousand-client PDF does not freeze the window. */
#include "config.h"

#include "shoal-json-file.h"
#include "shoal-report-export.h"
#include "shoal-rest-client.h"

typedef struct
{
  char             *path;
  ShoalReportFormat format;
  ShoalReportPaper  paper;
  JsonNode         *record;     /* a local session's, or NULL */
  char             *url;        /* a remote point's */
  char             *token;
  char             *id;
} Job;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_clear_pointer (&job->record, json_node_unref);
  g_free (job->url);
  g_free (job->token);
  g_free (job->id);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

static Job *
job_new (ShoalPoint *point, ShoalSession *session, const char *path, ShoalReportFormat format,
         ShoalReportPaper paper)
{
  Job *job = g_new0 (Job, 1);

  job->path = g_strdup (path);
  job->format = format;
  job->paper = paper;
  job->id = g_strdup (shoal_session_get_id (session));
  if (shoal_session_is_remote (session) && point != NULL)
    {
      job->url = g_strdup (shoal_point_get_url (point));
      job->token = g_strdup (shoal_point_get_token (point));
    }
  else
    job->record = shoal_session_to_json (session, TRUE);
  return job;
}

static gboolean
job_run (Job *job, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;

  if (job->record == NULL && job->url == NULL)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_INVALID,
                   "session %s belongs to a remote distribution point that is not known",
                   job->id);
      return FALSE;
    }
  if (job->record == NULL)
    {
      g_autoptr(ShoalRestClient) rc = shoal_rest_client_new (job->url, job->token, NULL);
      g_autofree char *id = g_uri_escape_string (job->id, NULL, FALSE);
      g_autofree char *api = g_strdup_printf ("/api/v1/sessions/%s/report?format=%s&paper=%s",
                                              id, shoal_report_format_to_string (job->format),
                                              job->paper == SHOAL_REPORT_PAPER_LETTER
                                              ? "letter" : "a4");

      bytes = shoal_rest_client_get_raw (rc, api, NULL, error);
    }
  else
    {
      g_autoptr(ShoalReport) report = NULL;

      report = shoal_report_new_from_session_json (job->record, g_get_host_name (), NULL,
                                                   g_get_real_time (), error);
      if (report != NULL)
        bytes = shoal_report_render (report, job->format, job->paper, error);
    }
  if (bytes == NULL)
    return FALSE;
  return shoal_atomic_write (job->path, g_bytes_get_data (bytes, NULL),
                             g_bytes_get_size (bytes), 0644, error);
}

/**
 * shoal_report_export:
 * @point: (nullable): the distribution point @session belongs to; needed for a remote one
 *
 * Writes @session's report to @path. Blocks: for scripts and tests; the console uses
 * shoal_report_export_async().
 */
gboolean
shoal_report_export (ShoalPoint         *point,
                     ShoalSession       *session,
                     const char         *path,
                     ShoalReportFormat   format,
                     ShoalReportPaper    paper,
                     GError            **error)
{
  g_autoptr(Job) job = NULL;

  g_return_val_if_fail (point == NULL || SHOAL_IS_POINT (point), FALSE);
  g_return_val_if_fail (SHOAL_IS_SESSION (session), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  job = job_new (point, session, path, format, paper);
  return job_run (job, error);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (job_run (data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/* Call in the main context that owns @session. */
void
shoal_report_export_async (ShoalPoint          *point,
                           ShoalSession        *session,
                           const char          *path,
                           ShoalReportFormat    format,
                           ShoalReportPaper     paper,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (point == NULL || SHOAL_IS_POINT (point));
  g_return_if_fail (SHOAL_IS_SESSION (session));
  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_report_export_async);
  g_task_set_task_data (task, job_new (point, session, path, format, paper),
                        (GDestroyNotify) job_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
shoal_report_export_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
