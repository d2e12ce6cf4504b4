/* Placeholder: replaced by its owner. */
#include "common.h"

int
main(void)
{
	return 0;
}
