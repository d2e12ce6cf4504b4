#include "common.h"

#include "mailer.h"
