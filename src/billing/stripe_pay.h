#ifndef STRIPE_PAY_H
#define STRIPE_PAY_H
#endif
