#ifndef STRIPE_SIG_H
#define STRIPE_SIG_H
#endif
