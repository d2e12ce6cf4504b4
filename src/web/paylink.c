/* Placeholder route table: the area's routes arrive with its handlers. */
#include "common.h"

#include "app.h"
#include "routes.h"

const struct route routes_paylink[] = {
	{ { "", "" }, NULL, 0, 0, NULL, 0 },
};
const size_t nroutes_paylink = 0;
