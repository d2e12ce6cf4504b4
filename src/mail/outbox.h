#ifndef OUTBOX_H
#define OUTBOX_H
#endif
