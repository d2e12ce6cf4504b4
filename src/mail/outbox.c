#include "common.h"

#include "outbox.h"
