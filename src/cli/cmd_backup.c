/*
 * cli/cmd_backup.c: `sufler backup DEST` and `sufler restore SRC`.
 *
 * A backup is a folder: sufler.db (SQLite's online backup API: consistent while the server
 * runs and writes), synonyms.txt when there is one, the uploaded originals (uploads/) and a
 * MANIFEST with the version, time and counts. The index is not copied: it is derived data and
 * is rebuilt from the store on the first open after a restore.
 *
 * Restore refuses while a server holds the data folder, and over an existing store unless
 * --force; it checks the backup's integrity before anything is replaced, and puts the store in
 * place with a rename, so an interrupted restore leaves the old store or the new one, never a mix.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "store/store.h"

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0) rc = -1;
	close(in);
	if (close(out) != 0) rc = -1;
	return rc;
}

/* Copies the tree from into to (created); skips "incoming". Returns files copied, -1 on error. */
static long copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	if (!d) return errno == ENOENT ? 0 : -1;
	if (mkdir(to, 0750) != 0 && errno != EEXIST) {
		closedir(d);
		return -1;
	}
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n >= 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "incoming")) continue;
		char a[4400], b[4400];
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		struct stat st;
		if (lstat(a, &st) != 0) continue;
		if (S_ISDIR(st.st_mode)) {
			long k = copy_tree(a, b);
			n = k < 0 ? -1 : n + k;
		} else if (S_ISREG(st.st_mode)) {
			n = copy_file(a, b) == 0 ? n + 1 : -1;
		}
	}
	closedir(d);
	return n;
}

int sf_cmd_backup(int argc, char **argv)
{
	const char *data = NULL, *dest = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (argv[i][0] != '-' && !dest) dest = argv[i];
		else {
			fprintf(stderr, "usage: sufler backup DEST [--data DIR]\n"
					"Writes a consistent copy of the data folder's store, synonyms and uploads to the\n"
					"new folder DEST (the server may keep running).\n");
			return 2;
		}
	}
	if (!dest) {
		fprintf(stderr, "usage: sufler backup DEST [--data DIR]\n");
		return 2;
	}
	const char *dir = sf_cli_data_dir(data);
	if (mkdir(dest, 0750) != 0) {
		fprintf(stderr, "sufler backup: cannot create %s: %s (it must not exist)\n", dest, strerror(errno));
		return 1;
	}
	char db[4200], to[4200];
	snprintf(db, sizeof db, "%s/sufler.db", dir);
	snprintf(to, sizeof to, "%s/sufler.db", dest);
	struct stat st;
	if (stat(db, &st) != 0) {
		fprintf(stderr, "sufler backup: no store in %s\n", dir);
		return 1;
	}
	struct sf_store *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	int status = 1;
	struct sf_store_stats ss = { 0 };
	uint64_t t0 = sf_now_ns();
	if (sf_store_open(db, &s, &err) != SF_OK || sf_store_backup(s, to, &err) != SF_OK ||
	    sf_store_stats(s, &ss, &err) != SF_OK) {
		fprintf(stderr, "sufler backup: %s\n", err.ptr);
		goto out;
	}
	char a[4200], b[4200];
	snprintf(a, sizeof a, "%s/synonyms.txt", dir);
	snprintf(b, sizeof b, "%s/synonyms.txt", dest);
	if (access(a, R_OK) == 0 && copy_file(a, b) != 0) {
		fprintf(stderr, "sufler backup: cannot copy %s\n", a);
		goto out;
	}
	snprintf(a, sizeof a, "%s/uploads", dir);
	snprintf(b, sizeof b, "%s/uploads", dest);
	long files = copy_tree(a, b);
	if (files < 0) {
		fprintf(stderr, "sufler backup: cannot copy %s\n", a);
		goto out;
	}
	snprintf(a, sizeof a, "%s/MANIFEST", dest);
	FILE *f = fopen(a, "w");
	if (!f || fprintf(f, "sufler-backup 1\nversion %s\nschema %d\ntime_ms %lld\ndocuments %llu\nchunks %llu\n"
			     "uploads %ld\n", SUFLER_VERSION, SF_STORE_SCHEMA_VERSION, (long long)sf_wall_ms(),
			     (unsigned long long)ss.documents, (unsigned long long)ss.chunks, files) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "sufler backup: cannot write %s\n", a);
		goto out;
	}
	printf("backup of %s in %s: %llu documents, %llu chunks, %ld uploaded files, %.1f s\n", dir, dest,
	       (unsigned long long)ss.documents, (unsigned long long)ss.chunks, files,
	       (double)(sf_now_ns() - t0) / 1e9);
	status = 0;
out:
	sf_store_close(s);
	sf_buf_release(&err);
	return status;
}

int sf_cmd_restore(int argc, char **argv)
{
	const char *data = NULL, *src = NULL;
	bool force = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--force")) force = true;
		else if (argv[i][0] != '-' && !src) src = argv[i];
		else src = NULL, i = argc;
	}
	if (!src) {
		fprintf(stderr, "usage: sufler restore SRC [--data DIR] [--force]\n"
				"Puts the backup folder SRC in place as the data folder's store (--force replaces an\n"
				"existing store). Stop the server first; the index is rebuilt afterwards.\n");
		return 2;
	}
	const char *dir = sf_cli_data_dir(data);
	char p[4200], q[4200];
	snprintf(p, sizeof p, "%s/MANIFEST", src);
	FILE *m = fopen(p, "r");
	char line[64] = "";
	if (!m || !fgets(line, sizeof line, m) || strncmp(line, "sufler-backup 1", 15) != 0) {
		fprintf(stderr, "sufler restore: %s is not a sufler backup (no MANIFEST)\n", src);
		if (m) fclose(m);
		return 1;
	}
	fclose(m);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "sufler restore: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(p, sizeof p, "%s/serve.lock", dir);
	int lock = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "sufler restore: a server is using %s; stop it first\n", dir);
		if (lock >= 0) close(lock);
		return 1;
	}
	snprintf(p, sizeof p, "%s/sufler.db", dir);
	if (access(p, F_OK) == 0 && !force) {
		fprintf(stderr, "sufler restore: %s has a store; --force replaces it\n", dir);
		close(lock);
		return 1;
	}
	/* check the copy first, in a temporary file beside the store */
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s/sufler.db.restore", dir);
	snprintf(q, sizeof q, "%s/sufler.db", src);
	struct sf_store *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	int status = 1;
	if (copy_file(q, tmp) != 0) {
		fprintf(stderr, "sufler restore: cannot copy %s\n", q);
		goto out;
	}
	if (sf_store_open(tmp, &s, &err) != SF_OK) {
		fprintf(stderr, "sufler restore: the backup's store does not open: %s\n", err.ptr);
		unlink(tmp);
		goto out;
	}
	sf_store_close(s);
	s = NULL;
	char wal[4300];
	snprintf(wal, sizeof wal, "%s-wal", p);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", p);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-wal", tmp);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", tmp);
	unlink(wal);
	if (rename(tmp, p) != 0) {
		fprintf(stderr, "sufler restore: cannot put the store in place: %s\n", strerror(errno));
		goto out;
	}
	/* the audit log, when the backup has one */
	snprintf(p, sizeof p, "%s/audit.db", src);
	snprintf(q, sizeof q, "%s/audit.db", dir);
	if (access(p, R_OK) == 0) {
		char t[4400];
		snprintf(t, sizeof t, "%s.restore", q);
		if (copy_file(p, t) != 0 || rename(t, q) != 0) {
			fprintf(stderr, "sufler restore: cannot put the audit log in place\n");
			goto out;
		}
		snprintf(t, sizeof t, "%s-wal", q);
		unlink(t);
		snprintf(t, sizeof t, "%s-shm", q);
		unlink(t);
	}
	snprintf(p, sizeof p, "%s/synonyms.txt", src);
	snprintf(q, sizeof q, "%s/synonyms.txt", dir);
	if (access(p, R_OK) == 0 && copy_file(p, q) != 0) fprintf(stderr, "sufler restore: warning: synonyms not copied\n");
	snprintf(p, sizeof p, "%s/uploads", src);
	snprintf(q, sizeof q, "%s/uploads", dir);
	if (copy_tree(p, q) < 0) fprintf(stderr, "sufler restore: warning: uploads not all copied\n");
	/* The index belongs to the old store: drop its manifest so the next open rebuilds it. */
	struct sf_engine *e = NULL;
	snprintf(p, sizeof p, "%s/index/MANIFEST", dir);
	unlink(p);
	if (sf_engine_open(dir, NULL, &e, &err) != SF_OK) {
		fprintf(stderr, "sufler restore: store restored, but the index was not rebuilt: %s\n", err.ptr);
		goto out;
	}
	struct sf_sync_stats ss;
	if (sf_engine_reindex(e, &ss, &err) != SF_OK) {
		fprintf(stderr, "sufler restore: store restored, but the index was not rebuilt: %s\n", err.ptr);
		sf_engine_close(e);
		goto out;
	}
	sf_engine_close(e);
	printf("restored %s into %s; index rebuilt (%llu passages)\n", src, dir, (unsigned long long)ss.added);
	status = 0;
out:
	sf_buf_release(&err);
	close(lock);
	return status;
}
