/* libgreet: builds a greeting. */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes "Hello, WHO, from LANGUAGE!" into buf (at most size bytes, always
 * terminated) and returns the length the full greeting needs. */
size_t greet(char* buf, size_t size, const char* who, const char* language);

#ifdef __cplusplus
}
#endif

#endif
