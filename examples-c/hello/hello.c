/* The smallest useful program: a greeting, its arguments, an exit status. */
#include <stdio.h>

int main(int argc, char *argv[])
{
	printf("Hello from libunikraft!\n");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
