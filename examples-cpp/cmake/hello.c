/* A C program using libgreet. */
#include <stdio.h>

#include "greet.h"

int main(int argc, char *argv[])
{
	char line[80];
	greet(line, sizeof(line), argc > 1 ? argv[1] : "world", "C (built by CMake)");
	puts(line);
	return 0;
}
