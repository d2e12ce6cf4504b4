#include "common.h"
#include "fixture.h"
int main(void) { fx_init(); return 0; }
