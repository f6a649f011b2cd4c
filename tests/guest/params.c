/* Bad kernel parameters stop the boot with a message and the panic status
 * instead of being ignored. */
//! run: --param uk.timestamps=maybe --
//! status: 250
//! expect: bad value for a boolean kernel parameter: uk.timestamps
//! reject: main ran
//! run: --param uk.no_such_thing=1 --
//! status: 250
//! expect: unknown kernel parameter: uk.no_such_thing
//! run: --param uk.string_rep_min=-1 --
//! status: 250
//! expect: uk.string_rep_min needs a byte count or never
//! reject: main ran
//! run: --param net.tcp_tw_pcbs=many --
//! status: 250
//! expect: net.tcp_tw_pcbs needs a count from 0
//! reject: main ran
//! run: --param net.tcp_tw_pcbs=0 --
//! status: 0
//! expect: main ran
//! run: --param uk.timestamps=1 --
//! status: 0
//! expect: main after
//! expect: main ran
#include <stdio.h>

int main(void)
{
	printf("main ran\n");
	return 0;
}
