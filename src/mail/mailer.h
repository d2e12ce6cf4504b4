#ifndef MAILER_H
#define MAILER_H
#endif
