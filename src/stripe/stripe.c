#include "common.h"

#include "stripe.h"
