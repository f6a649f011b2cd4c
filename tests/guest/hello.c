/* The README's example: output, arguments and a zero status. */
//! run: -- one "two words" ''
//! status: 0
//! expect: Hello from libunikraft!
//! expect: argc=4
//! expect: argv[0]=hello
//! expect: argv[1]=one
//! expect: argv[2]=two words
//! expect: argv[3]=
#include <stdio.h>

int main(int argc, char *argv[])
{
	printf("Hello from libunikraft!\n");
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 0;
}
