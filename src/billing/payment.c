#include "common.h"

#include "payment.h"
