#ifndef STRIPE_H
#define STRIPE_H
#endif
