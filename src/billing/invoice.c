#include "common.h"

#include "invoice.h"
