#include "common.h"

#include "stripe_pay.h"
