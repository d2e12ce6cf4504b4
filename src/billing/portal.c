#include "common.h"

#include "portal.h"
