/*
 * connect/pyrus.h: Pyrus tickets into the store (../shared/docs/PYRUS.md).
 *
 * Layer: connect (uses base, text, parse, store, net). A sync authenticates (again once on a
 * 401), reads each configured form's fields and its category catalog, then pages through the
 * form's register by task id (sort "tsk", id=gt{N}) over the tasks modified since the last
 * run minus an overlap window, fetches every task that changed (GET /tasks/{id}), maps it to
 * a ticket (problem, resolution, external conversation apart from internal notes, outcome,
 * category and who set it, people, times, steps, attachments, raw JSON) and stores it with its
 * documents: a solved ticket as a problem → resolution pair (kind "ticket"), its internal notes
 * apart (kind "ticket_note", visible to the notes' access groups only). Tickets are stored in
 * batches; the cursor (window start, last task id done) is saved in the same transaction as
 * each batch, so a crash resumes where the last batch ended and never skips. Attachments are
 * downloaded and ingested through the isolated parser pool (OCR included) after the tickets,
 * from a list kept in the store ("pending" until done), so they too survive a crash.
 *
 * A task that fails (after the HTTP client's retries) is recorded and retried at the next
 * run; the others go on. Secrets (security key, tokens) never reach logs or messages.
 */
#ifndef SF_CONNECT_PYRUS_H
#define SF_CONNECT_PYRUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "connect/files.h"
#include "net/net.h"
#include "store/store.h"

struct sf_pyrus_opts {
	const char *source;         /* store source (default "pyrus") */
	const char *auth_url;       /* default https://accounts.pyrus.com/api/v4/auth */
	const char *api_url;        /* override of the api_url auth returns (NULL: use it) */
	const char *files_url;      /* override of the files_url auth returns */
	const char *login, *security_key;
	const char *forms;          /* form ids, comma-separated */
	const char *field_problem;  /* field codes or ids, comma-separated (NULL: the task's text) */
	const char *field_resolution;
	const char *field_category;
	const char *acl;            /* access groups of ticket documents (NULL: public) */
	const char *notes_acl;      /* access groups of internal notes (default "staff") */
	const char *ticket_url;     /* a ticket's link, "%s" = task id (default https://pyrus.com/t#id%s) */
	const char *files_dir;      /* where attachments are kept (required for attachments) */
	int overlap_s;              /* the window re-read before the last run's start (default 600) */
	int page_size;              /* register page (default 500) */
	int batch;                  /* tasks per stored batch (default 50) */
	bool full;                  /* read every task of the forms; tickets gone from them are deleted */
	bool force;                 /* delete even when more than half of the source's tickets would go */
	bool attachments;           /* download and ingest attachments (default true) */
	bool quiet;                 /* no per-item lines on stderr */
	volatile int *stop;         /* set non-zero to stop after the current batch */
	struct sf_net_opts net;
	struct sf_files_opts files; /* parsing of attachments */
};
void sf_pyrus_opts_default(struct sf_pyrus_opts *o);

struct sf_pyrus_stats {
	uint64_t forms, listed, fetched, added, changed, unchanged, deleted, failed, retried_ok;
	uint64_t comments, notes, files_ok, files_failed, docs;
	uint64_t requests, retries, rate_limited, reauth;
	bool delete_refused;
	double seconds;
	int64_t run_id;
};

/*
 * Runs one sync. SF_OK when the run finished (some tasks may have failed: stats->failed, the
 * run's record); SF_ERR_IO / SF_ERR_INVALID when Pyrus could not be reached or authentication
 * or a form failed (err says why); SF_ERR_STORE when the store failed. The caller syncs the
 * index afterwards.
 */
enum sf_err sf_pyrus_sync(struct sf_store *st, const struct sf_pyrus_opts *o, struct sf_pyrus_stats *stats,
			  struct sf_buf *err) SF_WUR;
/* stats as a JSON object (run record, `sync --json`); caller frees. */
char *sf_pyrus_stats_json(const struct sf_pyrus_stats *s);

/* ---- mapping, exposed for tests and the webhook ---- */

/* A form's field ids for the configured codes/ids, and its category catalog's names. */
struct sf_pyrus_form;
/* Builds the form's mapping from GET /forms/{id}'s answer and, when the category field is a
 * catalog, GET /catalogs/{id}'s (may be NULL). */
struct sf_pyrus_form *sf_pyrus_form_new(const json_t *form, const json_t *catalog, const struct sf_pyrus_opts *o);
void sf_pyrus_form_free(struct sf_pyrus_form *f);
/* The catalog id of the form's category field (0: not a catalog). */
int64_t sf_pyrus_form_catalog(const struct sf_pyrus_form *f);

/* A ticket mapped from a task: sf_ticket_in with comments and files, and the documents'
 * texts. Strings are owned by the struct. */
struct sf_pyrus_ticket {
	struct sf_ticket_in t;
	struct sf_comment_in *comments;
	size_t ncomments;
	struct sf_tfile_in *files;
	size_t nfiles;
	char *notes;                /* internal notes, one after another ("" when none) */
	char **owned;               /* every string above */
	size_t nowned, capowned;
};
/* Maps a task object ({"task": ...}'s inner object). SF_ERR_INVALID with a reason for a task
 * without an id. */
enum sf_err sf_pyrus_map_task(const json_t *task, const struct sf_pyrus_form *f, const char *source,
			      struct sf_pyrus_ticket *out, struct sf_buf *err) SF_WUR;
void sf_pyrus_ticket_free(struct sf_pyrus_ticket *t);

/* "YYYY-MM-DDThh:mm:ss[.fff]Z" to ms since the epoch; 0 when absent or malformed. */
int64_t sf_pyrus_time(const char *s);

#endif
