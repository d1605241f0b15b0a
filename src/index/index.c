/*
 * index/index.c: the index object: writer state, MANIFEST, delete files, commits, merges and the
 * publication of snapshots.
 *
 * The writer state (segment list with mutable delete bitmaps, pending documents) is guarded by
 * ix->mu. Readers only ever see struct sf_snapshot, immutable and refcounted; ix->snap_mu guards
 * nothing but the pointer swap and the reference taken on it, so a reader waits at most for a
 * pointer copy, never for a write, flush or merge. Segments and delete sets are refcounted, so a
 * segment merged away stays mapped (its file already unlinked) until its last snapshot goes.
 *
 * MANIFEST (binary, little-endian): "SFMANIF1", u32 version, u32 nseg, u64 generation,
 * applied_seq, next segment number, stored docs, sum of lengths per field; per segment: number,
 * size, CRC-32C, docs, delete-file generation, size, CRC, deleted count; then CRC-32C of all of
 * the above. Delete file seg-<N>.<G>.del: "SFDEL001", u32 ndocs, u32 ndel, bitmap, CRC-32C.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "index/index_int.h"
#include "base/banned.h"

#define MANIFEST_MAGIC "SFMANIF1"
#define DEL_MAGIC "SFDEL001"
#define MANIFEST_HDR 64
#define MANIFEST_ENT 48
#define MANIFEST_MAX_SEGS 100000

struct wseg {
	struct seg *seg;
	uint64_t *del;          /* mutable bitmap (NULL: none) */
	uint32_t ndel;
	bool dirty_commit;      /* deletes changed since the last commit */
	bool dirty_refresh;     /* deletes changed since the last published snapshot */
	struct delset *pub;     /* the delete set last published */
	uint64_t del_gen, del_size;
	uint32_t del_crc;
};

struct sf_index {
	char *dir;
	struct sf_index_opts opts;
	pthread_mutex_t mu;
	pthread_mutex_t snap_mu;
	struct sf_snapshot *cur;
	struct wseg *segs;
	size_t nseg, capseg;
	struct builder *b;
	uint64_t applied_seq, gen, next_seg;
	int lock_fd;
};

void sf_index_opts_default(struct sf_index_opts *o)
{
	o->flush_bytes = (size_t)256 << 20;
	o->max_segments = 8;
}

static void delset_unref(struct delset *d)
{
	if (d && atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1) free(d);
}

/* ---- snapshots ---- */

void sf_snapshot_release(struct sf_snapshot *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
	for (size_t i = 0; i < s->nseg; i++) {
		seg_unref(s->segs[i].seg);
		delset_unref(s->segs[i].del);
	}
	free(s);
}

struct sf_snapshot *sf_index_snapshot(struct sf_index *ix)
{
	pthread_mutex_lock(&ix->snap_mu);
	struct sf_snapshot *s = ix->cur;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&ix->snap_mu);
	return s;
}

static void publish(struct sf_index *ix)
{
	struct sf_snapshot *s = sf_xcalloc(1, sizeof *s + ix->nseg * sizeof(struct snap_seg));
	atomic_init(&s->refs, 1);
	s->nseg = ix->nseg;
	uint64_t sum[2] = { 0, 0 };
	for (size_t i = 0; i < ix->nseg; i++) {
		struct wseg *w = &ix->segs[i];
		seg_ref(w->seg);
		s->segs[i].seg = w->seg;
		s->ndocs += w->seg->ndocs;
		s->ndeleted += w->ndel;
		sum[0] += w->seg->sumlen[0];
		sum[1] += w->seg->sumlen[1];
		if (!w->ndel) {
			delset_unref(w->pub);
			w->pub = NULL;
		} else if (!w->pub || w->dirty_refresh) {
			size_t words = (w->seg->ndocs + 63) / 64;
			struct delset *d = sf_xmalloc(sizeof *d + words * 8);
			atomic_init(&d->refs, 1);
			d->ndel = w->ndel;
			memcpy(d->bits, w->del, words * 8);
			delset_unref(w->pub);
			w->pub = d;
		}
		w->dirty_refresh = false;
		if (w->pub) atomic_fetch_add_explicit(&w->pub->refs, 1, memory_order_relaxed);
		s->segs[i].del = w->pub;
	}
	for (int f = 0; f < 2; f++) s->avglen[f] = s->ndocs ? (double)sum[f] / (double)s->ndocs : 0;
	pthread_mutex_lock(&ix->snap_mu);
	struct sf_snapshot *old = ix->cur;
	ix->cur = s;
	pthread_mutex_unlock(&ix->snap_mu);
	sf_snapshot_release(old);
}

/* ---- files ---- */

static enum sf_err write_all(int fd, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return SF_ERR_IO;
		}
		s += w;
		n -= (size_t)w;
	}
	return SF_OK;
}

static enum sf_err fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) return SF_ERR_IO;
	int r = fsync(fd);
	close(fd);
	return r == 0 ? SF_OK : SF_ERR_IO;
}

static enum sf_err read_file(const char *path, uint8_t **out, size_t *len, size_t max)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return errno == ENOENT ? SF_ERR_NOTFOUND : SF_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return SF_ERR_CORRUPT;
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return SF_ERR_NOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) break;
		got += (size_t)r;
	}
	close(fd);
	*out = b;
	*len = got;
	return SF_OK;
}

static void seg_path(char *buf, size_t n, const char *dir, uint64_t no)
{
	snprintf(buf, n, "%s/seg-%llu.sfs", dir, (unsigned long long)no);
}

static void del_path(char *buf, size_t n, const char *dir, uint64_t no, uint64_t gen)
{
	snprintf(buf, n, "%s/seg-%llu.%llu.del", dir, (unsigned long long)no, (unsigned long long)gen);
}

static enum sf_err write_del(struct sf_index *ix, struct wseg *w, struct sf_buf *err)
{
	char path[4096];
	del_path(path, sizeof path, ix->dir, w->seg->no, ix->gen);
	size_t words = (w->seg->ndocs + 63) / 64;
	size_t n = 16 + words * 8 + 4;
	uint8_t *buf = sf_xmalloc(n);
	memcpy(buf, DEL_MAGIC, 8);
	memcpy(buf + 8, &w->seg->ndocs, 4);
	memcpy(buf + 12, &w->ndel, 4);
	memcpy(buf + 16, w->del, words * 8);
	uint32_t crc = sf_crc32c(0, buf, n - 4);
	memcpy(buf + n - 4, &crc, 4);
	enum sf_err rc = SF_ERR_IO;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		rc = write_all(fd, buf, n);
		if (rc == SF_OK && fsync(fd) != 0) rc = SF_ERR_IO;
		close(fd);
	}
	free(buf);
	if (rc != SF_OK) {
		sf_errf(err, "index: writing %s: %s", path, strerror(errno));
		return rc;
	}
	w->del_gen = ix->gen;
	w->del_size = n;
	w->del_crc = crc;
	return SF_OK;
}

static enum sf_err read_del(struct sf_index *ix, struct wseg *w, struct sf_buf *err)
{
	char path[4096];
	del_path(path, sizeof path, ix->dir, w->seg->no, w->del_gen);
	uint8_t *buf;
	size_t n;
	size_t words = (w->seg->ndocs + 63) / 64;
	enum sf_err rc = read_file(path, &buf, &n, 16 + words * 8 + 4);
	if (rc != SF_OK) {
		sf_errf(err, "index: delete file %s missing or unreadable", path);
		return SF_ERR_CORRUPT;
	}
	uint32_t nd, ndel, crc;
	if (n != w->del_size || n != 16 + words * 8 + 4 || memcmp(buf, DEL_MAGIC, 8) != 0) goto bad;
	memcpy(&nd, buf + 8, 4);
	memcpy(&ndel, buf + 12, 4);
	memcpy(&crc, buf + n - 4, 4);
	if (nd != w->seg->ndocs || crc != sf_crc32c(0, buf, n - 4) || crc != w->del_crc) goto bad;
	w->del = sf_xcalloc(words ? words : 1, 8);
	memcpy(w->del, buf + 16, words * 8);
	w->ndel = 0;
	for (size_t i = 0; i < words; i++) w->ndel += (uint32_t)__builtin_popcountll(w->del[i]);
	free(buf);
	return SF_OK;
bad:
	free(buf);
	sf_errf(err, "index: delete file %s is corrupt", path);
	return SF_ERR_CORRUPT;
}

static enum sf_err write_manifest(struct sf_index *ix, struct sf_buf *err)
{
	size_t n = MANIFEST_HDR + ix->nseg * MANIFEST_ENT + 4;
	uint8_t *buf = sf_xcalloc(1, n);
	uint32_t ver = SF_INDEX_FORMAT_VERSION, nseg = (uint32_t)ix->nseg;
	uint64_t ndocs = 0, sum[2] = { 0, 0 };
	for (size_t i = 0; i < ix->nseg; i++) {
		ndocs += ix->segs[i].seg->ndocs;
		sum[0] += ix->segs[i].seg->sumlen[0];
		sum[1] += ix->segs[i].seg->sumlen[1];
	}
	memcpy(buf, MANIFEST_MAGIC, 8);
	memcpy(buf + 8, &ver, 4);
	memcpy(buf + 12, &nseg, 4);
	memcpy(buf + 16, &ix->gen, 8);
	memcpy(buf + 24, &ix->applied_seq, 8);
	memcpy(buf + 32, &ix->next_seg, 8);
	memcpy(buf + 40, &ndocs, 8);
	memcpy(buf + 48, sum, 16);
	for (size_t i = 0; i < ix->nseg; i++) {
		struct wseg *w = &ix->segs[i];
		uint8_t *e = buf + MANIFEST_HDR + i * MANIFEST_ENT;
		uint64_t size = w->seg->size;
		memcpy(e, &w->seg->no, 8);
		memcpy(e + 8, &size, 8);
		memcpy(e + 16, &w->seg->crc, 4);
		memcpy(e + 20, &w->seg->ndocs, 4);
		uint64_t dg = w->ndel ? w->del_gen : 0, ds = w->ndel ? w->del_size : 0;
		uint32_t dc = w->ndel ? w->del_crc : 0;
		memcpy(e + 24, &dg, 8);
		memcpy(e + 32, &ds, 8);
		memcpy(e + 40, &dc, 4);
		memcpy(e + 44, &w->ndel, 4);
	}
	uint32_t crc = sf_crc32c(0, buf, n - 4);
	memcpy(buf + n - 4, &crc, 4);
	char tmp[4096], fin[4096];
	snprintf(tmp, sizeof tmp, "%s/MANIFEST.tmp", ix->dir);
	snprintf(fin, sizeof fin, "%s/MANIFEST", ix->dir);
	enum sf_err rc = SF_ERR_IO;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		rc = write_all(fd, buf, n);
		if (rc == SF_OK && fsync(fd) != 0) rc = SF_ERR_IO;
		close(fd);
	}
	free(buf);
	if (rc == SF_OK && rename(tmp, fin) != 0) rc = SF_ERR_IO;
	if (rc == SF_OK) rc = fsync_dir(ix->dir);
	if (rc != SF_OK) sf_errf(err, "index: writing MANIFEST in %s: %s", ix->dir, strerror(errno));
	return rc;
}

/* Removes segment and delete files that the current state does not reference. */
static void remove_unreferenced(struct sf_index *ix)
{
	DIR *d = opendir(ix->dir);
	if (!d) return;
	struct dirent *de;
	char path[4096];
	while ((de = readdir(d))) {
		unsigned long long no, gen;
		char tail[8];
		bool keep = true;
		if (sscanf(de->d_name, "seg-%llu.%llu.de%1s", &no, &gen, tail) == 3 && tail[0] == 'l') {
			keep = false;
			for (size_t i = 0; i < ix->nseg; i++)
				if (ix->segs[i].seg->no == no && ix->segs[i].ndel && ix->segs[i].del_gen == gen)
					keep = true;
		} else if (sscanf(de->d_name, "seg-%llu.sf%1s", &no, tail) == 2 && tail[0] == 's') {
			keep = false;
			for (size_t i = 0; i < ix->nseg; i++)
				if (ix->segs[i].seg->no == no && ix->segs[i].seg->on_disk) keep = true;
		} else if (strcmp(de->d_name, "MANIFEST.tmp") == 0) {
			keep = false;
		}
		if (!keep) {
			snprintf(path, sizeof path, "%s/%s", ix->dir, de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

static enum sf_err read_manifest(struct sf_index *ix, struct sf_buf *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/MANIFEST", ix->dir);
	uint8_t *buf;
	size_t n;
	enum sf_err rc = read_file(path, &buf, &n, MANIFEST_HDR + (size_t)MANIFEST_MAX_SEGS * MANIFEST_ENT + 4);
	if (rc == SF_ERR_NOTFOUND) return rc;
	if (rc != SF_OK) {
		sf_errf(err, "index: MANIFEST in %s unreadable or too large", ix->dir);
		return rc == SF_ERR_IO ? SF_ERR_IO : SF_ERR_CORRUPT;
	}
	uint32_t ver, nseg, crc;
	if (n < MANIFEST_HDR + 4 || memcmp(buf, MANIFEST_MAGIC, 8) != 0) goto bad;
	memcpy(&ver, buf + 8, 4);
	memcpy(&nseg, buf + 12, 4);
	if (ver != SF_INDEX_FORMAT_VERSION || nseg > MANIFEST_MAX_SEGS ||
	    n != MANIFEST_HDR + (size_t)nseg * MANIFEST_ENT + 4)
		goto bad;
	memcpy(&crc, buf + n - 4, 4);
	if (crc != sf_crc32c(0, buf, n - 4)) goto bad;
	memcpy(&ix->gen, buf + 16, 8);
	memcpy(&ix->applied_seq, buf + 24, 8);
	memcpy(&ix->next_seg, buf + 32, 8);
	for (uint32_t i = 0; i < nseg; i++) {
		const uint8_t *e = buf + MANIFEST_HDR + (size_t)i * MANIFEST_ENT;
		uint64_t no, size;
		uint32_t scrc, nd;
		struct wseg w;
		memset(&w, 0, sizeof w);
		memcpy(&no, e, 8);
		memcpy(&size, e + 8, 8);
		memcpy(&scrc, e + 16, 4);
		memcpy(&nd, e + 20, 4);
		memcpy(&w.del_gen, e + 24, 8);
		memcpy(&w.del_size, e + 32, 8);
		memcpy(&w.del_crc, e + 40, 4);
		memcpy(&w.ndel, e + 44, 4);
		rc = seg_open_file(ix->dir, no, size, scrc, true, &w.seg, err);
		if (rc != SF_OK) goto out;
		if (w.seg->ndocs != nd) {
			sf_errf(err, "index: segment %llu has %u docs, MANIFEST says %u",
				(unsigned long long)no, w.seg->ndocs, nd);
			seg_unref(w.seg);
			rc = SF_ERR_CORRUPT;
			goto out;
		}
		SF_GROW(ix->segs, ix->capseg, ix->nseg + 1);
		ix->segs[ix->nseg++] = w;
		struct wseg *ws = &ix->segs[ix->nseg - 1];
		if (ws->ndel) {
			rc = read_del(ix, ws, err);
			if (rc != SF_OK) {
				ws->ndel = 0;
				goto out;
			}
		}
		if (no >= ix->next_seg) ix->next_seg = no + 1;
	}
	rc = SF_OK;
	goto out;
bad:
	sf_errf(err, "index: MANIFEST in %s is corrupt", ix->dir);
	rc = SF_ERR_CORRUPT;
out:
	free(buf);
	return rc;
}

static void wseg_release(struct wseg *w)
{
	seg_unref(w->seg);
	free(w->del);
	delset_unref(w->pub);
}

void sf_index_close(struct sf_index *ix)
{
	if (!ix) return;
	for (size_t i = 0; i < ix->nseg; i++) wseg_release(&ix->segs[i]);
	free(ix->segs);
	builder_free(ix->b);
	sf_snapshot_release(ix->cur);
	pthread_mutex_destroy(&ix->mu);
	pthread_mutex_destroy(&ix->snap_mu);
	if (ix->lock_fd >= 0) close(ix->lock_fd);
	free(ix->dir);
	free(ix);
}

enum sf_err sf_index_open(const char *dir, bool create, const struct sf_index_opts *opts,
			  struct sf_index **out, struct sf_buf *err)
{
	*out = NULL;
	if (create && mkdir(dir, 0755) != 0 && errno != EEXIST) {
		sf_errf(err, "index: mkdir %s: %s", dir, strerror(errno));
		return SF_ERR_IO;
	}
	struct sf_index *ix = sf_xcalloc(1, sizeof *ix);
	ix->dir = sf_xstrdup(dir);
	ix->lock_fd = -1;
	if (opts)
		ix->opts = *opts;
	else
		sf_index_opts_default(&ix->opts);
	if (!ix->opts.flush_bytes) ix->opts.flush_bytes = (size_t)256 << 20;
	if (ix->opts.flush_bytes > ((size_t)2 << 30)) ix->opts.flush_bytes = (size_t)2 << 30;
	pthread_mutex_init(&ix->mu, NULL);
	pthread_mutex_init(&ix->snap_mu, NULL);
	ix->b = builder_new();
	ix->next_seg = 1;
	enum sf_err rc;
	char path[4096];
	snprintf(path, sizeof path, "%s/LOCK", dir);
	ix->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ix->lock_fd < 0) {
		sf_errf(err, "index: %s: %s", path, strerror(errno));
		rc = errno == ENOENT ? SF_ERR_NOTFOUND : SF_ERR_IO;
		goto fail;
	}
	if (flock(ix->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		sf_errf(err, "index: %s is in use by another process", dir);
		rc = SF_ERR_BUSY;
		goto fail;
	}
	rc = read_manifest(ix, err);
	if (rc == SF_ERR_NOTFOUND) {
		if (!create) {
			sf_errf(err, "index: no MANIFEST in %s", dir);
			goto fail;
		}
		rc = write_manifest(ix, err);
	}
	if (rc != SF_OK) goto fail;
	remove_unreferenced(ix);
	ix->cur = NULL;
	publish(ix);
	*out = ix;
	return SF_OK;
fail:
	sf_index_close(ix);
	return rc;
}

uint64_t sf_index_applied_seq(const struct sf_index *ix)
{
	return ix->applied_seq;
}

/* ---- writing ---- */

static void delete_locked(struct sf_index *ix, uint64_t docid)
{
	for (size_t i = 0; i < ix->nseg; i++) {
		struct wseg *w = &ix->segs[i];
		const struct seg *s = w->seg;
		uint32_t lo = 0, hi = s->ndocs;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (s->map_ext[mid] < docid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < s->ndocs && s->map_ext[lo] == docid; lo++) {
			uint32_t l = s->map_loc[lo];
			if (!w->del) w->del = sf_xcalloc((s->ndocs + 63) / 64 + 1, 8);
			if (bit_get(w->del, l)) continue;
			bit_set(w->del, l);
			w->ndel++;
			w->dirty_commit = w->dirty_refresh = true;
		}
	}
	builder_delete(ix->b, docid);
}

enum sf_err sf_index_begin_doc(struct sf_index *ix, uint64_t docid)
{
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = SF_ERR_INVALID;
	if (!builder_open_doc(ix->b)) {
		delete_locked(ix, docid); /* a re-added id replaces the old document */
		rc = builder_begin(ix->b, docid);
	}
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

enum sf_err sf_index_add_term(struct sf_index *ix, enum sf_field field, const char *term,
			      size_t len, uint32_t pos)
{
	if ((unsigned)field >= SF_FIELD_COUNT) return SF_ERR_INVALID;
	if (len && (unsigned char)term[0] == (unsigned char)SEG_ATTR_PREFIX) return SF_ERR_INVALID;
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = builder_add(ix->b, (int)field, term, len, pos, 0);
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

enum sf_err sf_index_add_attr(struct sf_index *ix, const char *name, const char *value)
{
	char key[SEG_MAX_TERM];
	size_t nl = strlen(name), vl = strlen(value);
	if (nl + vl + 2 > SEG_MAX_TERM) return SF_ERR_LIMIT;
	key[0] = SEG_ATTR_PREFIX;
	memcpy(key + 1, name, nl);
	key[1 + nl] = SEG_ATTR_SEP;
	memcpy(key + 2 + nl, value, vl);
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = builder_add(ix->b, 0, key, nl + vl + 2, 0, SEG_TERM_ATTR);
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

/* Encodes pending documents into a new segment, in memory or in a file (fsynced). */
static enum sf_err flush_locked(struct sf_index *ix, bool to_file, struct sf_buf *err)
{
	if (!builder_ndocs(ix->b)) return SF_OK;
	uint64_t no = ix->next_seg++;
	struct sink k;
	uint64_t *del = NULL;
	struct seg *s = NULL;
	enum sf_err rc;
	if (to_file) {
		char path[4096];
		seg_path(path, sizeof path, ix->dir, no);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			sf_errf(err, "index: create %s: %s", path, strerror(errno));
			return SF_ERR_IO;
		}
		sink_init_fd(&k, fd);
		rc = builder_encode(ix->b, &k, &del, err);
		free(k.buf);
		if (rc == SF_OK && fsync(fd) != 0) rc = SF_ERR_IO;
		close(fd);
		if (rc == SF_OK) rc = seg_open_file(ix->dir, no, 0, 0, false, &s, err);
		if (rc != SF_OK) unlink(path);
	} else {
		sink_init_mem(&k);
		rc = builder_encode(ix->b, &k, &del, err);
		if (rc == SF_OK) {
			rc = seg_from_bytes(k.buf, k.len, false, false, &s, err);
			k.buf = NULL;
			if (s) s->no = no;
		}
		free(k.buf);
	}
	if (rc != SF_OK) {
		free(del);
		return rc;
	}
	SF_GROW(ix->segs, ix->capseg, ix->nseg + 1);
	struct wseg *w = &ix->segs[ix->nseg++];
	memset(w, 0, sizeof *w);
	w->seg = s;
	w->del = del;
	if (del) {
		for (size_t i = 0; i < (s->ndocs + 63) / 64; i++)
			w->ndel += (uint32_t)__builtin_popcountll(del[i]);
		w->dirty_commit = w->dirty_refresh = true;
	}
	builder_free(ix->b);
	ix->b = builder_new();
	return SF_OK;
}

enum sf_err sf_index_end_doc(struct sf_index *ix)
{
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = SF_ERR_INVALID;
	if (builder_open_doc(ix->b)) {
		builder_end(ix->b);
		rc = SF_OK;
		if (builder_bytes(ix->b) > ix->opts.flush_bytes) {
			struct sf_buf e = SF_BUF_INIT;
			rc = flush_locked(ix, true, &e);
			if (rc != SF_OK) SF_LOG(SF_LOG_ERROR, "index", "flush failed err=%s msg=\"%s\"", sf_err_str(rc), e.ptr);
			sf_buf_release(&e);
		}
	}
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

enum sf_err sf_index_delete(struct sf_index *ix, uint64_t docid)
{
	pthread_mutex_lock(&ix->mu);
	delete_locked(ix, docid);
	pthread_mutex_unlock(&ix->mu);
	return SF_OK;
}

enum sf_err sf_index_refresh(struct sf_index *ix)
{
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = flush_locked(ix, false, NULL);
	if (rc == SF_OK) publish(ix);
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

/* Merges segments idx[0..n) (indices into ix->segs, increasing) into one file segment. */
static enum sf_err merge_locked(struct sf_index *ix, const size_t *idx, size_t n, struct sf_buf *err)
{
	if (n < 2 && !(n == 1 && ix->segs[idx[0]].ndel)) return SF_OK;
	struct seg **segs = sf_xcalloc(n, sizeof *segs);
	const uint64_t **dels = sf_xcalloc(n, sizeof *dels);
	for (size_t i = 0; i < n; i++) {
		segs[i] = ix->segs[idx[i]].seg;
		dels[i] = ix->segs[idx[i]].ndel ? ix->segs[idx[i]].del : NULL;
	}
	uint64_t no = ix->next_seg++;
	char path[4096];
	seg_path(path, sizeof path, ix->dir, no);
	enum sf_err rc = SF_ERR_IO;
	struct seg *s = NULL;
	uint32_t nd = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		sf_errf(err, "index: create %s: %s", path, strerror(errno));
	} else {
		struct sink k;
		sink_init_fd(&k, fd);
		rc = seg_merge(segs, dels, n, &k, &nd, err);
		free(k.buf);
		if (rc == SF_OK && fsync(fd) != 0) rc = SF_ERR_IO;
		close(fd);
		if (rc == SF_OK && nd) rc = seg_open_file(ix->dir, no, 0, 0, false, &s, err);
		if (rc != SF_OK || !nd) unlink(path);
	}
	free(segs);
	free(dels);
	if (rc != SF_OK) return rc;
	/* replace: the new segment takes the place of the first merged one */
	size_t keep = 0, j = 0;
	struct wseg *nw = sf_xcalloc(ix->nseg + 1, sizeof *nw);
	for (size_t i = 0; i < ix->nseg; i++) {
		if (j < n && idx[j] == i) {
			if (j == 0 && s) {
				nw[keep].seg = s;
				keep++;
			}
			j++;
			wseg_release(&ix->segs[i]);
			continue;
		}
		nw[keep++] = ix->segs[i];
	}
	free(ix->segs);
	ix->segs = nw;
	ix->nseg = keep;
	ix->capseg = ix->nseg + 1;
	return SF_OK;
}

static int cmp_size(const void *a, const void *b, void *ctx)
{
	const struct sf_index *ix = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint64_t sx = ix->segs[x].seg->size, sy = ix->segs[y].seg->size;
	return sx < sy ? -1 : sx > sy;
}

static int cmp_idx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static enum sf_err commit_locked(struct sf_index *ix, uint64_t applied_seq, bool merge_all,
				 struct sf_buf *err)
{
	enum sf_err rc = flush_locked(ix, true, err);
	if (rc != SF_OK) return rc;
	size_t *idx = sf_xcalloc(ix->nseg + 1, sizeof *idx);
	for (size_t i = 0; i < ix->nseg; i++) idx[i] = i;
	if (merge_all && ix->nseg) {
		rc = merge_locked(ix, idx, ix->nseg, err);
	} else if (ix->opts.max_segments && ix->nseg > ix->opts.max_segments) {
		/* tiered: merge the smallest segments so that max_segments remain */
		size_t m = ix->nseg - ix->opts.max_segments + 1;
		qsort_r(idx, ix->nseg, sizeof *idx, cmp_size, ix);
		qsort(idx, m, sizeof *idx, cmp_idx);
		rc = merge_locked(ix, idx, m, err);
	}
	free(idx);
	if (rc != SF_OK) return rc;
	/* refreshed in-memory segments go to files */
	for (size_t i = 0; i < ix->nseg; i++) {
		struct wseg *w = &ix->segs[i];
		if (w->seg->on_disk) continue;
		char path[4096];
		seg_path(path, sizeof path, ix->dir, w->seg->no);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			sf_errf(err, "index: create %s: %s", path, strerror(errno));
			return SF_ERR_IO;
		}
		rc = write_all(fd, w->seg->data, w->seg->size);
		if (rc == SF_OK && fsync(fd) != 0) rc = SF_ERR_IO;
		close(fd);
		struct seg *s = NULL;
		if (rc == SF_OK) rc = seg_open_file(ix->dir, w->seg->no, w->seg->size, 0, false, &s, err);
		if (rc != SF_OK) {
			sf_errf(err, "index: writing %s failed", path);
			unlink(path);
			return rc;
		}
		seg_unref(w->seg);
		w->seg = s;
	}
	ix->gen++;
	for (size_t i = 0; i < ix->nseg; i++) {
		struct wseg *w = &ix->segs[i];
		if (w->ndel && (w->dirty_commit || !w->del_gen)) {
			rc = write_del(ix, w, err);
			if (rc != SF_OK) return rc;
		}
		w->dirty_commit = false;
	}
	uint64_t old_seq = ix->applied_seq;
	ix->applied_seq = applied_seq;
	rc = write_manifest(ix, err);
	if (rc != SF_OK) {
		ix->applied_seq = old_seq;
		return rc;
	}
	remove_unreferenced(ix);
	publish(ix);
	return SF_OK;
}

enum sf_err sf_index_commit(struct sf_index *ix, uint64_t applied_seq, struct sf_buf *err)
{
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = builder_open_doc(ix->b) ? SF_ERR_INVALID : commit_locked(ix, applied_seq, false, err);
	if (rc == SF_ERR_INVALID) sf_errf(err, "index: commit with a document open");
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

enum sf_err sf_index_optimize(struct sf_index *ix, struct sf_buf *err)
{
	pthread_mutex_lock(&ix->mu);
	enum sf_err rc = builder_open_doc(ix->b) ? SF_ERR_INVALID
						 : commit_locked(ix, ix->applied_seq, true, err);
	if (rc == SF_ERR_INVALID) sf_errf(err, "index: optimize with a document open");
	pthread_mutex_unlock(&ix->mu);
	return rc;
}

/* ---- reading helpers ---- */

void sf_snapshot_stats(const struct sf_snapshot *s, struct sf_index_stats *st)
{
	memset(st, 0, sizeof *st);
	st->docs = s->ndocs - s->ndeleted;
	st->deleted = s->ndeleted;
	st->segments = s->nseg;
	for (size_t i = 0; i < s->nseg; i++) {
		st->terms += s->segs[i].seg->nterms;
		st->bytes += s->segs[i].seg->size;
	}
}

uint64_t sf_snapshot_df(const struct sf_snapshot *s, const char *term, size_t len)
{
	uint64_t df = 0;
	for (size_t i = 0; i < s->nseg; i++) {
		int64_t ti = seg_find(s->segs[i].seg, term, len);
		if (ti >= 0) df += s->segs[i].seg->dict[ti].df;
	}
	return df;
}

void sf_snapshot_terms(const struct sf_snapshot *s, unsigned char first,
		       int (*fn)(void *ctx, const char *term, size_t len, uint64_t df), void *ctx)
{
	size_t n = s->nseg;
	uint64_t *pos = sf_xcalloc(n ? n : 1, sizeof *pos), *end = sf_xcalloc(n ? n : 1, sizeof *end);
	for (size_t i = 0; i < n; i++) {
		const struct seg *sg = s->segs[i].seg;
		if (first) {
			char lo = (char)first;
			pos[i] = seg_lower_bound(sg, &lo, 1);
			end[i] = pos[i];
			while (end[i] < sg->nterms && (unsigned char)seg_term_str(sg, end[i]).ptr[0] == first)
				end[i]++;
		} else {
			pos[i] = 0;
			end[i] = sg->nterms;
		}
	}
	for (;;) {
		struct sf_str best = { NULL, 0 };
		for (size_t i = 0; i < n; i++) {
			if (pos[i] >= end[i]) continue;
			struct sf_str t = seg_term_str(s->segs[i].seg, pos[i]);
			if (!best.ptr) {
				best = t;
				continue;
			}
			size_t m = t.len < best.len ? t.len : best.len;
			int r = memcmp(t.ptr, best.ptr, m);
			if (r < 0 || (r == 0 && t.len < best.len)) best = t;
		}
		if (!best.ptr) break;
		uint64_t df = 0;
		for (size_t i = 0; i < n; i++) {
			if (pos[i] >= end[i]) continue;
			struct sf_str t = seg_term_str(s->segs[i].seg, pos[i]);
			if (t.len == best.len && memcmp(t.ptr, best.ptr, t.len) == 0) {
				df += s->segs[i].seg->dict[pos[i]].df;
				pos[i]++;
			}
		}
		if (best.len && (unsigned char)best.ptr[0] == (unsigned char)SEG_ATTR_PREFIX && first != 1)
			continue;
		if (fn(ctx, best.ptr, best.len, df)) break;
	}
	free(pos);
	free(end);
}
