#include "common.h"

#include "catalog.h"
