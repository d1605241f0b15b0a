/* tests/unit/connect/test_pyrus.c: a Pyrus task mapped to a ticket: fields found by code through
 * the form (title and table fields flattened), problem and resolution, the external
 * conversation apart from internal notes, outcome with reopens, the category and who set it,
 * the first staff response (a bot's auto-reply does not count), attachments once each; dates. */
#include "testutil.h"

#include <jansson.h>

#include "connect/pyrus.h"

static const char *FORM =
	"{\"id\":5001,\"fields\":["
	"{\"id\":1,\"type\":\"title\",\"info\":{\"code\":\"t\",\"fields\":[{\"id\":2,\"type\":\"text\",\"info\":{\"code\":\"problem\"}}]}},"
	"{\"id\":4,\"type\":\"text\",\"info\":{\"code\":\"resolution\"}},"
	"{\"id\":5,\"type\":\"catalog\",\"info\":{\"code\":\"category\",\"catalog_id\":701}},"
	"{\"id\":7,\"type\":\"table\",\"info\":{\"code\":\"tab\",\"columns\":[{\"id\":8,\"type\":\"text\",\"info\":{\"code\":\"steps\"}}]}}]}";
static const char *CATALOG = "{\"catalog_id\":701,\"items\":[{\"item_id\":11,\"values\":[\"Доступ / VPN\"]},"
			     "{\"item_id\":12,\"values\":[\"Почта\"]}]}";

static const char *TASK =
	"{\"id\":42,\"form_id\":5001,\"subject\":\"VPN не подключается\",\"text\":\"task text\","
	"\"create_date\":\"2026-11-01T10:00:00Z\",\"last_modified_date\":\"2026-11-02T12:30:15Z\","
	"\"author\":{\"id\":500,\"first_name\":\"Ольга\",\"last_name\":\"Иванова\",\"email\":\"o@example.ru\"},"
	"\"responsible\":{\"id\":7,\"first_name\":\"Пётр\"},"
	"\"fields\":["
	" {\"id\":1,\"type\":\"title\",\"value\":{\"fields\":[{\"id\":2,\"type\":\"text\",\"value\":\"Ошибка 809 при подключении\"}]}},"
	" {\"id\":4,\"type\":\"text\",\"value\":\"Сертификат перевыпущен\"},"
	" {\"id\":5,\"type\":\"catalog\",\"value\":{\"item_id\":11,\"item_ids\":[11],\"values\":[\"Доступ / VPN\"]}},"
	" {\"id\":7,\"type\":\"table\",\"value\":[{\"row_id\":0,\"cells\":[{\"id\":8,\"type\":\"text\",\"value\":\"перезагрузка\"}]}]}],"
	"\"attachments\":[{\"id\":900,\"name\":\"log.txt\",\"size\":10}],"
	"\"steps\":[{\"step\":1,\"name\":\"Первая линия\",\"elapsed_time\":1000}],"
	"\"comments\":["
	" {\"id\":1,\"create_date\":\"2026-11-01T10:00:00Z\",\"author\":{\"id\":500,\"type\":\"user\"},\"text\":\"Не могу подключиться\",\"channel\":{\"type\":\"email\"}},"
	" {\"id\":2,\"create_date\":\"2026-11-01T10:01:00Z\",\"author\":{\"id\":9,\"type\":\"bot\"},\"text\":\"Заявка принята\",\"channel\":{\"type\":\"email\"}},"
	" {\"id\":3,\"create_date\":\"2026-11-01T11:00:00Z\",\"author\":{\"id\":7,\"type\":\"user\",\"first_name\":\"Пётр\"},\"text\":\"ВНУТР: смотрю логи\"},"
	" {\"id\":4,\"create_date\":\"2026-11-01T12:00:00Z\",\"author\":{\"id\":7,\"type\":\"user\"},\"text\":\"Перезагрузите роутер\",\"channel\":{\"type\":\"email\"}},"
	" {\"id\":5,\"create_date\":\"2026-11-01T12:05:00Z\",\"author\":{\"id\":7,\"type\":\"user\"},\"action\":\"finished\"},"
	" {\"id\":6,\"create_date\":\"2026-11-01T13:00:00Z\",\"author\":{\"id\":500,\"type\":\"user\"},\"text\":\"Не помогло\",\"action\":\"reopened\",\"channel\":{\"type\":\"email\"},"
	"   \"attachments\":[{\"id\":901,\"name\":\"screen.png\"},{\"id\":900,\"name\":\"log.txt\"}]},"
	" {\"id\":7,\"create_date\":\"2026-11-02T09:00:00Z\",\"author\":{\"id\":8,\"type\":\"user\",\"first_name\":\"Анна\"},\"formatted_text\":\"<p>Сертификат &amp; ключ перевыпущены</p>\","
	"   \"channel\":{\"type\":\"email\"},\"field_updates\":[{\"id\":5,\"value\":{\"item_id\":11}}]},"
	" {\"id\":8,\"create_date\":\"2026-11-02T09:10:00Z\",\"author\":{\"id\":8,\"type\":\"user\"},\"action\":\"finished\"}],"
	"\"close_date\":\"2026-11-02T09:10:00Z\"}";

static struct sf_pyrus_form *make_form(void)
{
	json_t *f = json_loads(FORM, 0, NULL), *c = json_loads(CATALOG, 0, NULL);
	assert_non_null(f);
	assert_non_null(c);
	struct sf_pyrus_opts o;
	sf_pyrus_opts_default(&o);
	o.field_problem = "problem";
	o.field_resolution = "resolution";
	o.field_category = "category";
	struct sf_pyrus_form *form = sf_pyrus_form_new(f, c, &o);
	json_decref(f);
	json_decref(c);
	return form;
}

static void test_map_task(void **state)
{
	(void)state;
	struct sf_pyrus_form *form = make_form();
	assert_int_equal(sf_pyrus_form_catalog(form), 701);
	json_t *task = json_loads(TASK, 0, NULL);
	assert_non_null(task);
	struct sf_pyrus_ticket t;
	assert_int_equal(sf_pyrus_map_task(task, form, "pyrus", &t, NULL), SF_OK);
	assert_string_equal(t.t.ext_id, "42");
	assert_string_equal(t.t.form_id, "5001");
	/* the problem field (inside the title) and the requester's first message, not the task text */
	assert_non_null(strstr(t.t.problem, "Ошибка 809"));
	assert_non_null(strstr(t.t.problem, "Не могу подключиться"));
	assert_null(strstr(t.t.problem, "task text"));
	/* the last staff reply before the last finish, then the resolution field */
	assert_non_null(strstr(t.t.resolution, "Сертификат & ключ перевыпущены"));
	assert_non_null(strstr(t.t.resolution, "Сертификат перевыпущен"));
	assert_null(strstr(t.t.resolution, "Перезагрузите"));
	assert_null(strstr(t.t.resolution, "ВНУТР"));
	assert_string_equal(t.t.outcome, "closed");
	assert_int_equal(t.t.reopens, 1);
	assert_string_equal(t.t.category, "Доступ / VPN");
	assert_string_equal(t.t.category_id, "11");
	assert_string_equal(t.t.category_by, "Анна");
	assert_string_equal(t.t.requester, "Ольга Иванова <o@example.ru>");
	assert_string_equal(t.t.assignee, "Пётр");
	assert_int_equal(t.t.created_ms, sf_pyrus_time("2026-11-01T10:00:00Z"));
	/* the bot's auto-reply is not the first response; the internal note is not either */
	assert_int_equal(t.t.first_response_ms, sf_pyrus_time("2026-11-01T12:00:00Z"));
	assert_int_equal(t.t.closed_ms, sf_pyrus_time("2026-11-02T09:10:00Z"));
	assert_int_equal(t.ncomments, 8);
	assert_string_equal(t.comments[0].role, "requester");
	assert_string_equal(t.comments[1].role, "bot");
	assert_string_equal(t.comments[2].role, "staff");
	assert_true(t.comments[2].internal);
	assert_false(t.comments[3].internal);
	assert_string_equal(t.comments[3].channel, "email");
	assert_string_equal(t.comments[4].action, "finished");
	assert_string_equal(t.comments[5].action, "reopened");
	assert_string_equal(t.notes, "ВНУТР: смотрю логи");
	/* attachments once each: 900 on the task and a comment, 901 on a comment */
	assert_int_equal(t.nfiles, 2);
	assert_string_equal(t.files[0].ext_id, "901");
	assert_string_equal(t.files[0].comment_id, "6");
	assert_string_equal(t.files[1].ext_id, "900");
	/* every field by code, the table's cell included */
	assert_non_null(strstr(t.t.fields, "\"перезагрузка\""));
	assert_non_null(strstr(t.t.raw, "\"id\":42"));
	sf_pyrus_ticket_free(&t);
	json_decref(task);

	/* an open ticket that was reopened, no category, no form mapping */
	json_t *t2 = json_loads("{\"id\":7,\"comments\":[{\"id\":1,\"author\":{\"id\":1},\"action\":\"finished\"},"
				"{\"id\":2,\"author\":{\"id\":1},\"action\":\"reopened\"}],\"author\":{\"id\":1}}",
				0, NULL);
	assert_int_equal(sf_pyrus_map_task(t2, NULL, "pyrus", &t, NULL), SF_OK);
	assert_string_equal(t.t.outcome, "reopened");
	assert_string_equal(t.t.resolution, "");
	assert_string_equal(t.t.category, "");
	sf_pyrus_ticket_free(&t);
	json_decref(t2);
	/* not a task */
	json_t *t3 = json_loads("{\"subject\":\"no id\"}", 0, NULL);
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_pyrus_map_task(t3, form, "pyrus", &t, &err), SF_ERR_INVALID);
	assert_non_null(strstr(err.ptr, "id"));
	sf_buf_release(&err);
	json_decref(t3);
	sf_pyrus_form_free(form);
}

static void test_time(void **state)
{
	(void)state;
	assert_int_equal(sf_pyrus_time("1970-01-01T00:00:01Z"), 1000);
	assert_int_equal(sf_pyrus_time("2026-11-22T13:20:00Z"), 1795353600000LL);
	assert_int_equal(sf_pyrus_time("2026-11-22T13:20:00.25Z"), 1795353600250LL);
	assert_int_equal(sf_pyrus_time(""), 0);
	assert_int_equal(sf_pyrus_time("yesterday"), 0);
	assert_int_equal(sf_pyrus_time(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_task),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
