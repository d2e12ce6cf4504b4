/* Estimates into template views, shared by the staff pages, the portal and
 * the GFE print view (estimate_view.c). No SQL, no HTTP. */
#ifndef ESTIMATE_VIEW_H
#define ESTIMATE_VIEW_H

struct tmpl_vars;
struct estimate;

/* Header facts: number/version, status (+ label), basis, payer, dates,
 * notes, coverage snapshot figures, totals. */
void	 estimate_view_header(struct tmpl_vars *, const struct estimate *);
/* The "blines" loop (per line: description, code, date, quantity, rate,
 * allowed, deductible, coinsurance, copay, discount, patient, insurer) and
 * the totals (t_*). */
void	 estimate_view_breakdown(struct tmpl_vars *, const struct estimate *);
/* client_sig_* / staff_sig_* (name, method, time, ip, hash, png data URL). */
void	 estimate_view_signatures(struct tmpl_vars *, const struct estimate *);
/* Good Faith Estimate facts (patient, provider, codes, due date). */
void	 estimate_view_gfe(struct tmpl_vars *, const struct estimate *);

#endif
