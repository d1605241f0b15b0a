/*
 * http/routes.c: the route table: pattern, handlers per method, the role and token scope each
 * needs, and what body it takes. The access rules of the API live here and nowhere else
 * (docs/API-CONTRACT.md has the same table for people; the access-matrix test checks both).
 */
#include <string.h>

#include "http/http_int.h"

#define API "/api/v1"

const struct sf_route sf_routes[] = {
	{ "/healthz", M_GET, api_healthz, NULL, NULL, NULL, SF_ROLE_NONE, 0, BODY_NONE, "healthz" },
	{ "/readyz", M_GET, api_readyz, NULL, NULL, NULL, SF_ROLE_NONE, 0, BODY_NONE, "readyz" },
	/* public unless limits say otherwise (checked in the handler) */
	{ "/metrics", M_GET, api_metrics, NULL, NULL, NULL, SF_ROLE_NONE, 0, BODY_NONE, "metrics" },
	{ API "/auth/login", M_POST, NULL, api_login, NULL, NULL, SF_ROLE_NONE, 0, BODY_JSON, "auth_login" },
	{ API "/auth/logout", M_POST, NULL, api_logout, NULL, NULL, SF_ROLE_VIEWER, 0, BODY_JSON, "auth_logout" },
	{ API "/auth/me", M_GET, api_me, NULL, NULL, NULL, SF_ROLE_VIEWER, 0, BODY_NONE, "auth_me" },
	{ API "/auth/password", M_POST, NULL, api_password, NULL, NULL, SF_ROLE_VIEWER, 0, BODY_JSON, "auth_password" },
	{ API "/search", M_GET, api_search, NULL, NULL, NULL, SF_ROLE_VIEWER, SF_SCOPE_SEARCH, BODY_NONE, "search" },
	{ API "/documents", M_GET | M_POST, api_docs_list, api_docs_upload, NULL, NULL, SF_ROLE_VIEWER,
	  SF_SCOPE_DOCS_READ, BODY_UPLOAD, "documents", SF_ROLE_OPERATOR, SF_SCOPE_DOCS_WRITE },
	{ API "/documents/{}", M_GET | M_DELETE, api_doc_get, NULL, NULL, api_doc_delete, SF_ROLE_VIEWER,
	  SF_SCOPE_DOCS_READ, BODY_NONE, "document", SF_ROLE_OPERATOR, SF_SCOPE_DOCS_WRITE },
	{ API "/jobs", M_GET, api_jobs_list, NULL, NULL, NULL, SF_ROLE_VIEWER, SF_SCOPE_DOCS_READ, BODY_NONE, "jobs" },
	{ API "/jobs/{}", M_GET, api_job_get, NULL, NULL, NULL, SF_ROLE_VIEWER, SF_SCOPE_DOCS_READ, BODY_NONE, "job" },
	{ API "/sources", M_GET, api_sources, NULL, NULL, NULL, SF_ROLE_VIEWER, SF_SCOPE_SOURCES_READ, BODY_NONE,
	  "sources" },
	{ API "/sources/{}/runs", M_GET, api_source_runs, NULL, NULL, NULL, SF_ROLE_VIEWER, SF_SCOPE_SOURCES_READ,
	  BODY_NONE, "source_runs" },
	{ API "/admin/users", M_GET | M_POST, admin_users, admin_user_add, NULL, NULL, SF_ROLE_ADMIN, SF_SCOPE_ADMIN,
	  BODY_JSON, "admin_users" },
	{ API "/admin/users/{}", M_PATCH, NULL, NULL, admin_user_patch, NULL, SF_ROLE_ADMIN, SF_SCOPE_ADMIN,
	  BODY_JSON, "admin_user" },
	{ API "/admin/tokens", M_GET | M_POST, admin_tokens, admin_token_add, NULL, NULL, SF_ROLE_ADMIN,
	  SF_SCOPE_ADMIN, BODY_JSON, "admin_tokens" },
	{ API "/admin/tokens/{}", M_DELETE, NULL, NULL, NULL, admin_token_del, SF_ROLE_ADMIN, SF_SCOPE_ADMIN,
	  BODY_NONE, "admin_token" },
	{ API "/admin/audit", M_GET, admin_audit, NULL, NULL, NULL, SF_ROLE_ADMIN, SF_SCOPE_ADMIN, BODY_NONE,
	  "admin_audit" },
	{ API "/admin/system", M_GET, admin_system, NULL, NULL, NULL, SF_ROLE_ADMIN, SF_SCOPE_ADMIN, BODY_NONE,
	  "admin_system" },
	{ API "/admin/config", M_GET, admin_config, NULL, NULL, NULL, SF_ROLE_ADMIN, SF_SCOPE_ADMIN, BODY_NONE,
	  "admin_config" },
};
const size_t sf_nroutes = sizeof sf_routes / sizeof sf_routes[0];

/* Does path match pattern? The {} segment (one, non-empty, no '/') goes to param. */
static bool match(const char *pattern, const char *path, char *param, size_t cap)
{
	const char *p = pattern, *s = path;
	while (*p) {
		if (p[0] == '{' && p[1] == '}') {
			const char *e = s;
			while (*e && *e != '/') e++;
			size_t n = (size_t)(e - s);
			if (n == 0 || n >= cap) return false;
			memcpy(param, s, n);
			param[n] = 0;
			s = e;
			p += 2;
			continue;
		}
		if (*p != *s) return false;
		p++;
		s++;
	}
	return *s == 0;
}

const struct sf_route *sf_route_find(const char *path, char *param, size_t cap)
{
	for (size_t i = 0; i < sf_nroutes; i++)
		if (match(sf_routes[i].pattern, path, param, cap)) return &sf_routes[i];
	return NULL;
}
