/* JSON API for estimates (api_estimates.c): the routes are listed in api.c's
 * table through API_ESTIMATE_ROUTES so the route/doc check covers them. */
#ifndef API_ESTIMATES_H
#define API_ESTIMATES_H

#include "req.h"

struct api;

int	 api_estimate_calculate(struct api *);
int	 api_estimate_create(struct api *);
int	 api_estimate_get(struct api *);

#define NF_EST_CALC	14
#define NF_EST_CREATE	9
extern const struct field f_est_calc[NF_EST_CALC];
extern const struct field f_est_create[NF_EST_CREATE];

#define API_ESTIMATE_ROUTES(X) \
	X("POST", "/api/v1/estimates/calculate", api_estimate_calculate, READ, \
	    f_est_calc, NF_EST_CALC) \
	X("POST", "/api/v1/estimates", api_estimate_create, MONEY, \
	    f_est_create, NF_EST_CREATE) \
	X("GET", "/api/v1/estimates/:id", api_estimate_get, READ, NOFIELDS)

#endif
