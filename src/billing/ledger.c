#include "common.h"

#include "ledger.h"
