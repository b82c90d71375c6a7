/* SPDX-License-Identifier: Apache-2.0 */
/*
 * private.h - included last by every library .c file: poisons the functions
 * this codebase bans (STYLE.md), so a use of one fails the build.
 */
#ifndef OT_CORE_PRIVATE_H
#define OT_CORE_PRIVATE_H

#ifndef OT_ALLOC_IMPL
#pragma GCC poison malloc calloc realloc free
#endif
#pragma GCC poison sprintf vsprintf strcpy strcat strncpy strncat gets strtok
#pragma GCC poison atoi atol atoll gmtime localtime ctime asctime
#pragma GCC poison rand srand random system popen tmpnam mktemp
#undef alloca
#pragma GCC poison alloca

#endif
