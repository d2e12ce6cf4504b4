#ifndef PORTAL_H
#define PORTAL_H
#endif
