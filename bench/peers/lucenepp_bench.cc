// Lucene++ 3.0.8 peer for the sufler benchmark.
//
//   lucenepp_bench build --db DIR --corpus C.jsonl [--lang ru|en] [--optimize 1|0]
//                        [--ram-mb 256]
//   lucenepp_bench query --db DIR --queries Q.jsonl --run OUT.trec [--k 10] [--lang ru|en]
//                        [--warmup N]
//
// Settings. Analyzer: ru = contrib RussianAnalyzer (LUCENE_30: Russian letter tokenizer,
// lower case, its default Russian stop words, its own Russian stemmer); en = contrib
// SnowballAnalyzer "english" with StopAnalyzer's English stop words (StandardTokenizer,
// StandardFilter, LowerCaseFilter, StopFilter, Snowball English stemmer): Lucene 3.0 has no
// EnglishAnalyzer, this is its equivalent. Index: fields "title" and "text" analyzed, not
// stored, with norms; "id" stored only (not indexed); IndexWriter with
// MaxFieldLengthUNLIMITED, setRAMBufferSizeMB(256) (--ram-mb), default merge policy/scheduler and
// compound files, then optimize() to one segment (unless --optimize 0). Ranking: the default
// Similarity (classic Lucene TF-IDF with length norms and coord; Lucene 3.0 has no BM25).
// Queries: MultiFieldQueryParser over title and text, default operator OR, the query text
// escaped like QueryParser.escape() does (and stand-alone AND/OR/NOT lower-cased, so no query
// syntax is left); a query that still fails to parse, or analyzes to nothing, has no results.
// Each mode prints one JSON summary line on stdout.
#include <lucene++/LuceneHeaders.h>
#include <lucene++/MultiFieldQueryParser.h>
#include <lucene++/RussianAnalyzer.h>
#include <lucene++/SnowballAnalyzer.h>
#include <lucene++/StopAnalyzer.h>

#include <cstdio>
#include <cwchar>
#include <cwctype>
#include <string>
#include <utility>
#include <vector>

#include "common.h"

using namespace Lucene;

namespace {

const LuceneVersion::Version kVersion = LuceneVersion::LUCENE_30;

AnalyzerPtr analyzer_for(const std::string &lang)
{
    if (lang == "en")
        return newLucene<SnowballAnalyzer>(kVersion, L"english",
                                           StopAnalyzer::ENGLISH_STOP_WORDS_SET());
    return newLucene<RussianAnalyzer>(kVersion);
}

const char *analyzer_name(const std::string &lang)
{
    return lang == "en" ? "SnowballAnalyzer(english)+EnglishStopWords" : "RussianAnalyzer";
}

String u(const char *s)
{
    return StringUtils::toUnicode(reinterpret_cast<const uint8_t *>(s), (int32_t)strlen(s));
}

struct BuildCtx {
    IndexWriterPtr w;
    size_t n = 0;
};

void add_doc(json_t *o, void *arg)
{
    BuildCtx *c = static_cast<BuildCtx *>(arg);
    DocumentPtr doc = newLucene<Document>();
    doc->add(newLucene<Field>(L"id", u(bench_json_str(o, "id")), Field::STORE_YES,
                              Field::INDEX_NO));
    doc->add(newLucene<Field>(L"title", u(bench_json_str(o, "title")), Field::STORE_NO,
                              Field::INDEX_ANALYZED));
    doc->add(newLucene<Field>(L"text", u(bench_json_str(o, "text")), Field::STORE_NO,
                              Field::INDEX_ANALYZED));
    c->w->addDocument(doc);
    c->n++;
}

long long dir_bytes(const DirectoryPtr &dir)
{
    long long total = 0;
    HashSet<String> files = dir->listAll();
    for (HashSet<String>::iterator it = files.begin(); it != files.end(); ++it)
        total += dir->fileLength(*it);
    return total;
}

int do_build(int argc, char **argv)
{
    const char *dbdir = bench_opt_req(argc, argv, "--db");
    const char *corpus = bench_opt_req(argc, argv, "--corpus");
    std::string lang = bench_opt(argc, argv, "--lang", "ru");
    bool optimize = atoi(bench_opt(argc, argv, "--optimize", "1")) != 0;
    double ram_mb = atof(bench_opt(argc, argv, "--ram-mb", "256"));
    double t0 = bench_now();
    DirectoryPtr dir = FSDirectory::open(u(dbdir));
    IndexWriterPtr w = newLucene<IndexWriter>(dir, analyzer_for(lang), true,
                                              IndexWriter::MaxFieldLengthUNLIMITED);
    w->setRAMBufferSizeMB(ram_mb);
    BuildCtx c;
    c.w = w;
    bench_jsonl_each(corpus, add_doc, &c);
    w->commit();
    double t_commit = bench_now() - t0;
    long long noopt_bytes = dir_bytes(dir);
    int32_t segs = w->getSegmentCount();
    double t_opt = 0;
    if (optimize) {
        double t1 = bench_now();
        w->optimize();
        w->commit();
        t_opt = bench_now() - t1;
    }
    w->close();
    double secs = bench_now() - t0;
    printf("{\"peer\":\"lucene++\",\"mode\":\"build\",\"docs\":%zu,\"build_s\":%.3f,"
           "\"build_noopt_s\":%.3f,\"optimize_s\":%.3f,\"segments_before_optimize\":%d,"
           "\"noopt_bytes\":%lld,\"analyzer\":\"%s\",\"peak_rss_kb\":%ld}\n",
           c.n, secs, t_commit, t_opt, (int)segs, noopt_bytes, analyzer_name(lang),
           bench_peak_rss_kb());
    dir->close();
    return 0;
}

// The query text as a plain bag of words for QueryParser: every special character escaped
// with a backslash (the character set of Lucene's QueryParser.escape(), which Lucene++ 3.0.8
// declares protected), and the operator words AND / OR / NOT (only special in upper case)
// lower-cased.
String plain_query(const char *text)
{
    String raw = u(text), s;
    s.reserve(raw.size() + 8);
    for (wchar_t ch : raw) {
        if (wcschr(L"\\+-!():^[]\"{}~*?|&", ch) && ch != 0)
            s += L'\\';
        s += ch;
    }
    String out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        if (iswspace(s[i])) {
            out += L' ';
            i++;
            continue;
        }
        size_t j = i;
        while (j < s.size() && !iswspace(s[j]))
            j++;
        String word = s.substr(i, j - i);
        if (word == L"AND" || word == L"OR" || word == L"NOT")
            StringUtils::toLower(word);
        out += word;
        i = j;
    }
    return out;
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
    DirectoryPtr dir = FSDirectory::open(u(dbdir));
    IndexReaderPtr reader = IndexReader::open(dir, true);
    IndexSearcherPtr searcher = newLucene<IndexSearcher>(reader);
    Collection<String> fields = Collection<String>::newInstance();
    fields.add(L"title");
    fields.add(L"text");
    MultiFieldQueryParserPtr qp =
        newLucene<MultiFieldQueryParser>(kVersion, fields, analyzer_for(lang));
    qp->setDefaultOperator(QueryParser::OR_OPERATOR);

    std::vector<std::vector<std::pair<std::string, double>>> results(qs.n);
    std::vector<double> lat(qs.n);
    double total = 0;
    size_t parse_errors = 0, empty = 0;
    for (int pass = warmup > 0 ? 0 : 1; pass <= 1; pass++) {
        size_t nrun = pass == 0 && warmup < qs.n ? warmup : qs.n;
        total = 0;
        parse_errors = empty = 0;
        for (size_t i = 0; i < nrun; i++) {
            double t0 = bench_now();
            std::vector<std::pair<std::string, double>> &r = results[i];
            r.clear();
            QueryPtr q;
            try {
                q = qp->parse(plain_query(qs.v[i].text));
            } catch (LuceneException &) {
                parse_errors++;
            }
            if (q) {
                TopDocsPtr td = searcher->search(q, (int32_t)k);
                for (Collection<ScoreDocPtr>::iterator it = td->scoreDocs.begin();
                     it != td->scoreDocs.end(); ++it) {
                    DocumentPtr d = searcher->doc((*it)->doc);
                    r.emplace_back(StringUtils::toUTF8(d->get(L"id")), (double)(*it)->score);
                }
            }
            if (r.empty())
                empty++;
            double dt = bench_now() - t0;
            lat[i] = dt * 1000.0;
            total += dt;
        }
    }

    FILE *f = bench_run_open(runpath);
    for (size_t i = 0; i < qs.n; i++)
        for (size_t r = 0; r < results[i].size(); r++)
            bench_run_hit(f, qs.v[i].id, results[i][r].first.c_str(), r + 1, results[i][r].second, "lucene++");
    fclose(f);
    if (parse_errors || empty)
        fprintf(stderr, "lucenepp_bench: %zu parse errors, %zu queries without results\n",
                parse_errors, empty);
    bench_report_queries("lucene++", qs.n, lat.data(), total, k);
    searcher->close();
    reader->close();
    dir->close();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lucenepp_bench build|query [options]\n");
        return 2;
    }
    try {
        std::string mode = argv[1];
        if (mode == "build")
            return do_build(argc, argv);
        if (mode == "query")
            return do_query(argc, argv);
    } catch (LuceneException &e) {
        bench_die("lucene++: %s", StringUtils::toUTF8(e.getError()).c_str());
    }
    fprintf(stderr, "usage: lucenepp_bench build|query [options]\n");
    return 2;
}
