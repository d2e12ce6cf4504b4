#include "common.h"

#include "profiles.h"
