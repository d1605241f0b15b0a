/*
 * text/stopwords.c: Russian and English stop words and their lookup.
 *
 * The lists hold function words: prepositions, conjunctions, particles, pronouns, auxiliary
 * verbs. They are written in normalized form (lowercase, ё as е). Words that carry meaning in
 * support requests are deliberately left out even where general lists have them: negation
 * ("не", "нет", "not", "no"), numerals ("один", "два"), modal words that change a request's
 * sense ("нельзя") and English phrasal-verb particles ("up", "down", "out", "off": "log out",
 * "sign up", "turn off"). Single letters that occur as parts of codes ("e" in E-1024) are not
 * listed either. Lookup is an open-addressing set built once (pthread_once) from the lists.
 */
#include "text/text_int.h"

#include <pthread.h>
#include <string.h>

#include "base/hash.h"

#include "base/banned.h"

static const char *const stop_ru[] = {
	"а", "без", "более", "бы", "был", "была", "были", "было", "быть", "в", "вам", "вас", "ведь",
	"весь", "во", "вот", "впрочем", "все", "всего", "всей", "всем", "всех", "всю", "вы", "где",
	"да", "даже", "для", "до", "его", "ее", "ей", "ему", "если", "есть", "еще", "ж", "же", "за",
	"зачем", "здесь", "и", "из", "или", "им", "ими", "их", "к", "как", "какая", "какой", "каких",
	"когда", "кое", "кто", "куда", "ли", "либо", "между", "меня", "мне", "мной", "мну", "мог",
	"может", "мой", "моя", "мы", "на", "над", "надо", "нам", "нас", "наш", "наша", "наше", "него",
	"нее", "ней", "нем", "ним", "них", "но", "ну", "о", "об", "однако", "он", "она", "они", "оно",
	"от", "очень", "перед", "по", "под", "потом", "потому", "почти", "при", "про", "раз", "разве",
	"с", "сам", "сама", "сами", "само", "свое", "свои", "свой", "свою", "себе", "себя", "со",
	"так", "также", "такой", "там", "твой", "те", "тебе", "тебя", "тем", "теперь", "то", "тогда",
	"того", "тоже", "той", "только", "том", "тот", "ту", "тут", "ты", "у", "уж", "уже", "хоть",
	"чего", "чем", "через", "что", "чтоб", "чтобы", "чуть", "эта", "эти", "этим", "этих", "это",
	"этого", "этой", "этом", "этот", "эту", "я", "которая", "которого", "которое", "которой",
	"котором", "которую", "которые", "который", "которых", "нибудь", "будто", "ибо",
};

static const char *const stop_en[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
	"are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
	"but", "by", "can", "could", "did", "do", "does", "doing", "during", "each", "either",
	"few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
	"herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
	"itself", "just", "me", "more", "most", "my", "myself", "neither", "now", "of", "on", "once",
	"only", "or", "other", "ought", "our", "ours", "ourselves", "over", "own", "same", "shall",
	"she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
	"themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
	"under", "until", "very", "via", "was", "we", "were", "what", "when", "where", "which",
	"while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours",
	"yourself", "yourselves", "s", "t", "d", "ll", "re", "ve", "m",
};

#define STOP_SLOTS 1024 /* power of two, over twice the number of words */
static const char *stop_set[STOP_SLOTS];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static size_t stop_slot(const char *w, size_t n)
{
	return (size_t)sf_hash64(w, n, 0x73746f70) & (STOP_SLOTS - 1);
}

static void stop_add(const char *w)
{
	size_t n = strlen(w);
	size_t i = stop_slot(w, n);
	while (stop_set[i]) {
		if (strcmp(stop_set[i], w) == 0) return;
		i = (i + 1) & (STOP_SLOTS - 1);
	}
	stop_set[i] = w;
}

static void stop_build(void)
{
	for (size_t i = 0; i < sizeof stop_ru / sizeof stop_ru[0]; i++) stop_add(stop_ru[i]);
	for (size_t i = 0; i < sizeof stop_en / sizeof stop_en[0]; i++) stop_add(stop_en[i]);
}

bool text_stopword(const char *w, size_t n)
{
	if (n == 0 || n > 24) return false; /* the longest listed word is 18 bytes */
	pthread_once(&stop_once, stop_build);
	size_t i = stop_slot(w, n);
	while (stop_set[i]) {
		if (strlen(stop_set[i]) == n && memcmp(stop_set[i], w, n) == 0) return true;
		i = (i + 1) & (STOP_SLOTS - 1);
	}
	return false;
}

bool sf_is_stopword(const char *word, size_t len)
{
	return text_stopword(word, len);
}
