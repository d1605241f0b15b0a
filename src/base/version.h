/*
 * base/version.h: the version of sufler, one place for the CLI, the API and the logs.
 */
#ifndef SF_BASE_VERSION_H
#define SF_BASE_VERSION_H

#define SUFLER_VERSION_STRING "0.2.0"

#endif
