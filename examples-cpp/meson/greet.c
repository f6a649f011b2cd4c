#include "greet.h"

#include <stdio.h>

size_t greet(char *buf, size_t size, const char *who, const char *language)
{
	int n = snprintf(buf, size, "Hello, %s, from %s!", who, language);
	return n < 0 ? 0 : (size_t)n;
}
