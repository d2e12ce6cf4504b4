#ifndef ROUTES_H
#define ROUTES_H

#include <stddef.h>

struct route;

extern const struct route routes[];
extern const size_t nroutes;

#endif
