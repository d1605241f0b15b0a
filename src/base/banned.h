/*
 * base/banned.h: functions sufler must not call, turned into compile errors.
 *
 * Include it after every system header in a .c file (a macro defined before <string.h> would break
 * its prototypes); `make lint` (part of `make test`) also greps the tree for these names. Use
 * snprintf/sf_buf instead of sprintf/strcpy/strcat, strtok_r instead of strtok, gmtime_r and
 * localtime_r instead of their static-buffer forms.
 */
#ifndef SF_BASE_BANNED_H
#define SF_BASE_BANNED_H

#define SF_BANNED(func) sorry_##func##_is_banned_in_sufler

#undef strcpy
#define strcpy(x, y) SF_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SF_BANNED(strcat)
#undef sprintf
#define sprintf(...) SF_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SF_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) SF_BANNED(strtok)
#undef gmtime
#define gmtime(x) SF_BANNED(gmtime)
#undef localtime
#define localtime(x) SF_BANNED(localtime)
#undef gets
#define gets(x) SF_BANNED(gets)

#endif
