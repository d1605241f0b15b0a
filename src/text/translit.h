/*
 * text/translit.h: Latin <-> Cyrillic transliteration of one normalized term.
 *
 * Layer: text. Support users type the same word in either script ("впн" for "vpn", "зум" for
 * "zoom", "parol" for "пароль"), so the query side may look a term up in the other script too.
 * The input is a term as the analyzer makes it (lowercase, ё already folded to е); uppercase
 * ASCII and Cyrillic are folded here as well.
 *
 * Cyrillic -> Latin, one letter at a time (a GOST 7.79-B-like practical scheme):
 *   а a  б b  в v  г g  д d  е e  ё e  ж zh  з z  и i  й y  к k  л l  м m  н n  о o  п p  р r
 *   с s  т t  у u  ф f  х kh  ц ts  ч ch  ш sh  щ shch  ъ -  ы y  ь -  э e  ю yu  я ya
 *   (ъ and ь are dropped).
 * Latin -> Cyrillic, phonetic, longest match first:
 *   shch щ  zh ж  kh х  ch ч  sh ш  ts ц  ya я  yu ю  yo е  ye е  oo у  ee и  ph ф  th т  ck к
 *   qu кв;  then a а  b б  c с (before e, i, y) or к  d д  e е  f ф  g г  h х  i и  j дж  k к
 *   l л  m м  n н  o о  p п  q к  r р  s с  t т  u у  v в  w в  x кс  y й (after a vowel) or и
 *   z з.
 * So "vpn" -> "впн", "zoom" -> "зум", "впн" -> "vpn", "парол" -> "parol". The two directions are
 * not inverses of each other ("зум" -> "zum"); each is meant to turn a typed term into what a
 * user of the other script would most likely have typed.
 *
 * Pure functions, thread-safe.
 */
#ifndef SF_TEXT_TRANSLIT_H
#define SF_TEXT_TRANSLIT_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"
#include "text/analyze.h"

/*
 * Appends to out the transliteration of (term, len) into the other script and returns SF_OK.
 * ASCII digits and the joiners - _ . pass through unchanged. Appends nothing when the term has
 * no letters, mixes Latin and Cyrillic letters, or holds any other character. *to (optional)
 * gets the script written (SF_SCRIPT_OTHER when nothing was). SF_ERR_LIMIT when out would pass
 * its maximum (out is then left as it was).
 */
enum sf_err sf_translit(const char *term, size_t len, struct sf_buf *out, enum sf_script *to) SF_WUR;

#endif
