/*
 * cli/cmd_search.c: `sufler search [--data DIR] [--k N] [--json] QUERY...`.
 * Plain output: rank, score, id, title, heading and a snippet with matches in bold red on a
 * terminal ([brackets] otherwise). --json: {"hits":[{"id","title","score","snippet",...}],
 * "took_ms"}.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/engine.h"

int sf_cmd_search(int argc, char **argv)
{
	const char *data = NULL;
	size_t k = 10;
	bool json = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--k") && i + 1 < argc) {
			long v = strtol(argv[++i], NULL, 10);
			if (v < 1 || v > 10000) {
				fprintf(stderr, "sufler search: --k must be 1..10000\n");
				return 2;
			}
			k = (size_t)v;
		} else if (!strcmp(argv[i], "--json")) json = true;
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else break; /* "-word" exclusions are part of the query */
	}
	if (i >= argc) {
		fprintf(stderr, "usage: sufler search [--data DIR] [--k N] [--json] QUERY...\n");
		return 2;
	}
	struct sf_buf qtext = SF_BUF_INIT;
	for (int j = i; j < argc; j++)
		if ((j > i && sf_buf_addch(&qtext, ' ') != SF_OK) || sf_buf_adds(&qtext, argv[j]) != SF_OK) {
			fprintf(stderr, "sufler search: query too long\n");
			sf_buf_release(&qtext);
			return 2;
		}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = json;
	int status = 1;
	if (sf_engine_open(sf_cli_data_dir(data), &eo, &eng, &err) != SF_OK) {
		fprintf(stderr, "sufler search: %s\n", err.ptr);
		goto out;
	}
	struct sf_engine_query q;
	sf_engine_query_default(&q);
	q.text = qtext.ptr;
	q.len = qtext.len;
	q.k = k;
	bool tty = !json && isatty(1);
	q.hl_open = json ? "<b>" : tty ? "\x1b[1;31m" : "[";
	q.hl_close = json ? "</b>" : tty ? "\x1b[0m" : "]";
	struct sf_engine_results res;
	enum sf_err rc = sf_engine_search(eng, &q, &res, &err);
	if (rc) {
		fprintf(stderr, "sufler search: %s\n", err.ptr);
		status = rc == SF_ERR_INVALID || rc == SF_ERR_LIMIT ? 2 : 1;
		goto out;
	}
	if (json) {
		json_t *hits = json_array();
		for (size_t h = 0; h < res.n; h++) {
			const struct sf_engine_hit *x = &res.hits[h];
			json_t *o = json_pack("{s:s, s:s, s:f, s:s, s:s, s:s, s:I}", "id", x->ext_id, "title",
					      x->title, "score", (double)x->score, "snippet", x->snippet ? x->snippet : "",
					      "url", x->url, "heading", x->heading, "chunk", (json_int_t)x->chunk_id);
			if (x->page_first) {
				json_object_set_new(o, "page_first", json_integer(x->page_first));
				json_object_set_new(o, "page_last", json_integer(x->page_last));
			}
			json_array_append_new(hits, o);
		}
		json_t *top = json_pack("{s:o, s:f, s:s}", "hits", hits, "took_ms", res.took_ms, "query", res.parsed);
		char *s = json_dumps(top, JSON_COMPACT);
		puts(s);
		free(s);
		json_decref(top);
	} else {
		printf("%zu results in %.2f ms  (query: %s)\n\n", res.n, res.took_ms, res.parsed);
		for (size_t h = 0; h < res.n; h++) {
			const struct sf_engine_hit *x = &res.hits[h];
			printf("%2zu. %s%s%s  [%s]  score %.3f\n", h + 1, tty ? "\x1b[1m" : "", x->title,
			       tty ? "\x1b[0m" : "", x->ext_id, (double)x->score);
			/* document › section › page, as a citation reads */
			if ((x->heading && *x->heading) || x->page_first) {
				printf("    §");
				if (x->heading && *x->heading) printf(" %s", x->heading);
				if (x->page_first == x->page_last && x->page_first) printf(" (p. %u)", x->page_first);
				else if (x->page_first) printf(" (pp. %u–%u)", x->page_first, x->page_last);
				printf("\n");
			}
			if (x->url && *x->url) printf("    %s\n", x->url);
			printf("    %s\n\n", x->snippet ? x->snippet : "");
		}
	}
	sf_engine_results_release(&res);
	status = 0;
out:
	sf_engine_close(eng);
	sf_buf_release(&err);
	sf_buf_release(&qtext);
	return status;
}
