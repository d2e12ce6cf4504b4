#include "common.h"

#include "stripe_sig.h"
