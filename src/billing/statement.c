#include "common.h"

#include "statement.h"
