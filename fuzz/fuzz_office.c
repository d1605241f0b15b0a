/*
 * fuzz/fuzz_office.c: libFuzzer target for the DOCX and XLSX XML paths (parse/office.c): the input becomes word/document.xml or a worksheet, and through its output chunking and the wire
 * format. Invariants: fuzz/fuzz_parse.h.
 */
#include "fuzz_parse.h"

#include <zip.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size) return 0;
	bool xlsx = data[0] & 1;
	/* an in-memory ZIP whose main part is the input */
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (!z) {
		if (src) zip_source_free(src);
		zip_error_fini(&ze);
		return 0;
	}
	zip_source_keep(src);
	static const char wb[] = "<workbook xmlns:r=\"r\"><sheets><sheet name=\"s\" r:id=\"rId1\"/></sheets></workbook>";
	static const char ss[] = "<sst><si><t>a</t></si><si><t>b</t></si></sst>";
	zip_file_add(z, "[Content_Types].xml", zip_source_buffer(z, "<Types/>", 8, 0), 0);
	if (xlsx) {
		zip_file_add(z, "xl/workbook.xml", zip_source_buffer(z, wb, sizeof wb - 1, 0), 0);
		zip_file_add(z, "xl/sharedStrings.xml", zip_source_buffer(z, ss, sizeof ss - 1, 0), 0);
		zip_file_add(z, "xl/worksheets/sheet1.xml", zip_source_buffer(z, data + 1, size - 1, 0), 0);
	} else {
		zip_file_add(z, "word/document.xml", zip_source_buffer(z, data + 1, size - 1, 0), 0);
		zip_file_add(z, "word/styles.xml", zip_source_buffer(z, data + 1, size - 1, 0), 0);
	}
	if (zip_close(z) != 0) {
		zip_discard(z);
		zip_source_free(src);
		zip_error_fini(&ze);
		return 0;
	}
	zip_stat_t st;
	uint8_t *bytes = NULL;
	if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
		bytes = malloc(st.size + 1);
		zip_int64_t got = zip_source_read(src, bytes, st.size);
		zip_source_close(src);
		if (got == (zip_int64_t)st.size) {
			struct sf_parse_opts o;
			sf_parse_opts_default(&o);
			o.limits.max_depth = 64;
			struct sf_presult r;
			sf_presult_init(&r);
			sf_parse_bytes_as(xlsx ? "xlsx" : "docx", bytes, st.size, &o, &r);
			fuzz_check_result(&r);
			sf_presult_release(&r);
		}
	}
	free(bytes);
	zip_source_free(src);
	zip_error_fini(&ze);
	return 0;
}
