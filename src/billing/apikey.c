#include "common.h"

#include "apikey.h"
