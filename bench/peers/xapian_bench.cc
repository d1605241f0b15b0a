// Xapian peer for the sufler benchmark.
//
//   xapian_bench build --db DIR --corpus C.jsonl [--lang ru|en]
//   xapian_bench query --db DIR --queries Q.jsonl --run OUT.trec [--k 10] [--lang ru|en]
//                      [--warmup N]
//
// Settings: Snowball stemmer ("russian" or "english"), TermGenerator with the default
// STEM_SOME strategy; the title is indexed twice (with prefix "S" and unprefixed, so the
// default field covers title and text), the text unprefixed. Queries: QueryParser with the
// same stemmer, STEM_SOME, default operator OR, default flags (falling back to no flags on
// a syntax error); weighting Xapian::BM25Weight with its default parameters.
// Each mode prints one JSON summary line on stdout.
#include <xapian.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common.h"

namespace {

struct BuildCtx {
    Xapian::WritableDatabase *db;
    Xapian::TermGenerator *tg;
    size_t n = 0;
};

void add_doc(json_t *o, void *arg)
{
    BuildCtx *c = static_cast<BuildCtx *>(arg);
    std::string id = bench_json_str(o, "id");
    std::string title = bench_json_str(o, "title");
    std::string text = bench_json_str(o, "text");
    Xapian::Document doc;
    c->tg->set_document(doc);
    c->tg->index_text(title, 1, "S");
    c->tg->index_text(title);
    c->tg->increase_termpos();
    c->tg->index_text(text);
    doc.set_data(id);
    std::string idterm = "Q" + id;
    doc.add_boolean_term(idterm);
    c->db->add_document(doc);
    c->n++;
}

const char *stemmer_for(const std::string &lang)
{
    return lang == "en" ? "english" : "russian";
}

int do_build(int argc, char **argv)
{
    const char *dbdir = bench_opt_req(argc, argv, "--db");
    const char *corpus = bench_opt_req(argc, argv, "--corpus");
    std::string lang = bench_opt(argc, argv, "--lang", "ru");
    double t0 = bench_now();
    Xapian::WritableDatabase db(dbdir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem(stemmer_for(lang)));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    BuildCtx c;
    c.db = &db;
    c.tg = &tg;
    bench_jsonl_each(corpus, add_doc, &c);
    db.commit();
    db.close();
    double secs = bench_now() - t0;
    printf("{\"peer\":\"xapian\",\"mode\":\"build\",\"docs\":%zu,\"build_s\":%.3f,"
           "\"peak_rss_kb\":%ld}\n",
           c.n, secs, bench_peak_rss_kb());
    return 0;
}

int do_query(int argc, char **argv)
{
    const char *dbdir = bench_opt_req(argc, argv, "--db");
    const char *qpath = bench_opt_req(argc, argv, "--queries");
    const char *runpath = bench_opt_req(argc, argv, "--run");
    std::string lang = bench_opt(argc, argv, "--lang", "ru");
    size_t k = (size_t)atol(bench_opt(argc, argv, "--k", "10"));
    size_t warmup = (size_t)atol(bench_opt(argc, argv, "--warmup", "200"));

    bench_queries qs = bench_load_queries(qpath);
    Xapian::Database db(dbdir);
    Xapian::Enquire enq(db);
    enq.set_weighting_scheme(Xapian::BM25Weight());
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem(stemmer_for(lang)));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.set_database(db);

    std::vector<std::vector<std::pair<std::string, double>>> results(qs.n);
    std::vector<double> lat(qs.n);
    double total = 0;
    for (int pass = warmup > 0 ? 0 : 1; pass <= 1; pass++) {
        size_t nrun = pass == 0 && warmup < qs.n ? warmup : qs.n;
        total = 0;
        for (size_t i = 0; i < nrun; i++) {
            double t0 = bench_now();
            Xapian::Query q;
            try {
                q = qp.parse_query(qs.v[i].text, Xapian::QueryParser::FLAG_DEFAULT);
            } catch (const Xapian::QueryParserError &) {
                q = qp.parse_query(qs.v[i].text, 0);
            }
            enq.set_query(q);
            Xapian::MSet ms = enq.get_mset(0, (Xapian::doccount)k);
            std::vector<std::pair<std::string, double>> &r = results[i];
            r.clear();
            for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it)
                r.emplace_back(it.get_document().get_data(), it.get_weight());
            double dt = bench_now() - t0;
            lat[i] = dt * 1000.0;
            total += dt;
        }
    }

    FILE *f = bench_run_open(runpath);
    for (size_t i = 0; i < qs.n; i++)
        for (size_t r = 0; r < results[i].size(); r++)
            bench_run_hit(f, qs.v[i].id, results[i][r].first.c_str(), r + 1, results[i][r].second, "xapian");
    fclose(f);
    bench_report_queries("xapian", qs.n, lat.data(), total, k);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xapian_bench build|query [options]\n");
        return 2;
    }
    try {
        std::string mode = argv[1];
        if (mode == "build")
            return do_build(argc, argv);
        if (mode == "query")
            return do_query(argc, argv);
    } catch (const Xapian::Error &e) {
        bench_die("xapian: %s", e.get_description().c_str());
    }
    fprintf(stderr, "usage: xapian_bench build|query [options]\n");
    return 2;
}
