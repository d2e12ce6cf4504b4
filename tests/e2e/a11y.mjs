// Accessibility (WCAG 2.1 AA) of every page, at a phone (390x844) and a
// desktop (1366x900) size, and payments made with the keyboard alone.
//   1. an admin brands the organisation (long name, address, accent, logo);
//      billing staff make an account with three invoices, email one (pay
//      link), post the others to the portal and send the activation link;
//   2. axe-core (rule tags wcag2a, wcag2aa, wcag21a, wcag21aa) runs on the
//      signed-out pages (staff and portal sign-in, forgot password, a wrong
//      password's answer, activation, the pay link, its card form with the
//      Stripe.js stand-in, a dead link), on every portal page a signed-in
//      client reaches by links, and on every staff page an admin reaches by
//      following links from Home; every frame of a page (the stand-in's
//      too) is scanned. Zero violations, or the step fails listing them;
//   3. keyboard only (Tab, Shift+Tab, Enter, Space and typing): the pay link
//      and the portal each pay an invoice. Every focus stop shows a visible
//      focus indicator and has a name; no positive tabindex reorders the
//      page; a wrong card number is announced by a role=alert message.
// The header shows the organisation's name once and uncut at 390 px.
// Figures: tests/artifacts/e2e/a11y-summary.json (pages scanned, violations).
// Screenshots: tests/artifacts/e2e/a11y-<page>-<viewport>.png.

import { BASE, check, flow, run } from './lib/harness.mjs';
import { scanOrFail, tabTo, keyboardCard, newPage, submit, mailWait, linkIn, linksWait,
    brand, unbrand, data, shot, figures, SIZES, DESK, ORG, CLIENT_PW, TAG, MAX_STAFF_PAGES,
    ARTIFACTS, pathOf, writeFile } from './lib/a11y-kit.mjs';
import path from 'node:path';

const RUN_TIMEOUT_MS = 900000;
const PASSWORD = process.env.ITEST_PASSWORD;
const ADMIN = process.env.ITEST_ADMIN_EMAIL;

// Scans every page of the list, then fails naming all that had violations.
async function scanAll(page, vp, pages) {
	const bad = [];
	for (const [name, go] of pages) {
		await go();
		await page.waitForLoadState('load');
		await shot(page, name, vp);
		try {
			await scanOrFail(page, `${name} ${vp.name} (${pathOf(page)})`);
		} catch (e) {
			bad.push(e.message);
		}
	}
	check(bad.length === 0, bad.join(' || '));
}

// The organisation's name shows once in the header, on one or more whole lines.
async function headerUncut(page, vp) {
	const r = await page.evaluate(() => {
		const h = document.querySelector('header');
		const n = h.querySelector('.brand-name, .pt-org');
		return { count: h.innerText.split(n.innerText).length - 1, text: n.innerText,
		    cut: n.scrollWidth > n.clientWidth + 1 || getComputedStyle(n).textOverflow === 'ellipsis',
		    right: n.getBoundingClientRect().right, inner: window.innerWidth };
	});
	check(r.text === ORG, `header shows "${r.text}"`);
	check(r.count === 1, `the header shows the organisation ${r.count} times`);
	check(!r.cut && r.right <= r.inner + 1, `the organisation's name is cut at ${vp.name}`);
}

async function noPositiveTabindex(page) {
	const n = await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex^="-"])').count();
	check(n === 0, `${n} element(s) with a positive tabindex reorder the page`);
}

// --- signed out: sign-in pages, activation, pay link ---------------------------------

async function signedOut(browser, vp, link, activation) {
	const { context, page } = await newPage(browser, vp);
	await flow(`a11y signed-out ${vp.name}`, [
		['sign-in, activation and pay-link pages', async () => {
			await scanAll(page, vp, [
				['staff-login', () => page.goto(`${BASE}/login`)],
				['portal-login', () => page.goto(`${BASE}/portal/login`)],
				['portal-login-error', async () => {
					await page.fill('#email', `nobody-${TAG}@example.com`);
					await page.fill('#password', 'not the password');
					await submit(page, page.getByRole('button', { name: 'Sign in' }));
					await page.locator('[role="alert"]').first().waitFor();
				}],
				['portal-forgot', () => page.goto(`${BASE}/portal/forgot`)],
				['activate', () => page.goto(`${BASE}${activation}`)],
				['paylink', () => page.goto(`${BASE}${link}`)],
				['paylink-dead', () => page.goto(`${BASE}/pay/${'x'.repeat(43)}`)],
			]);
		}],
		['the header names the organisation once, uncut', async () => {
			await page.goto(`${BASE}${link}`);
			await headerUncut(page, vp);
			await page.goto(`${BASE}/portal/login`);
			await headerUncut(page, vp);
		}],
		['the pay link card form (Stripe.js stand-in) passes too', async () => {
			await page.goto(`${BASE}${link}`);
			await submit(page, page.getByRole('button', { name: 'Continue to payment' }));
			const busy = page.getByRole('link', { name: /See the payment in progress/ });
			if (await busy.count()) {
				// the other size started this payment: its answer, then the payment
				await page.locator('[role="alert"]').first().waitFor();
				await scanAll(page, vp, [['paylink-busy', async () => {}],
				    ['paylink-in-progress', () => busy.click()]]);
				return;
			}
			await page.locator('#payment-element iframe').waitFor();
			await page.frameLocator('#payment-element iframe').locator('#number').waitFor();
			await scanAll(page, vp, [['paylink-card', async () => {}]]);
		}],
	], async (s) => shot(page, `fail-${s.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

// --- keyboard: pay link -------------------------------------------------------------

async function keyboardPayLink(browser, vp, link) {
	const { context, page } = await newPage(browser, vp);
	await flow(`a11y keyboard pay link ${vp.name}`, [
		['pays the emailed invoice with the keyboard only', async () => {
			await page.goto(`${BASE}${link}`);
			await noPositiveTabindex(page);
			await tabTo(page, (f) => f.tag === 'button' && /Continue to payment/.test(f.label));
			await Promise.all([page.waitForURL(/\/pay\//), page.keyboard.press('Enter')]);
			await page.locator('#payment-element iframe').waitFor();
			await page.frameLocator('#payment-element iframe').locator('#number').waitFor();
			await noPositiveTabindex(page);
			await shot(page, 'paylink-card', vp);
			await scanOrFail(page, `paylink-card ${vp.name}`);
			await keyboardCard(page);
			await page.locator('#pay-submit:not([disabled])').waitFor();
			await tabTo(page, (f) => f.name === 'pay-submit');
			await shot(page, 'keyboard-paylink-card', vp);
			await Promise.all([page.waitForURL(/\/pay\/[^/]+\/payments\/\d+$/), page.keyboard.press('Enter')]);
			await page.getByText('Payment received').first().waitFor();
			await shot(page, 'keyboard-paylink-paid', vp);
			await scanOrFail(page, `paylink-paid ${vp.name}`);
		}],
	], async (s) => shot(page, `fail-${s.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

// --- portal: activation, keyboard payment, every page ----------------------------------

async function portalSignIn(page, email) {
	await page.goto(`${BASE}/portal/login`);
	await page.fill('#email', email);
	await page.fill('#password', CLIENT_PW);
	await submit(page, page.getByRole('button', { name: 'Sign in' }));
	check(pathOf(page) === '/portal/billing', `portal sign-in ended at ${page.url()}`);
}

// Same-origin links of the page under prefix, minus downloads and sign-out.
async function links(page, prefix) {
	const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
	return hrefs.filter((h) => h.startsWith(BASE + prefix))
	    .map((h) => h.replace(/#.*$/, ''))
	    .filter((h) => !/\/(pdf|logout)(\?|$)|\.pdf$|\.csv|\/export|\/brand\/|\/static\//.test(h));
}

// One URL per route shape (numbers stand for ids; query names kept).
function shapeOf(u) {
	const url = new URL(u);
	const q = [...url.searchParams.keys()].sort().join('&');
	return url.pathname.replace(/\/\d+/g, '/:id') + (q ? `?${q}` : '');
}

// Follows links from start (breadth first); returns the URLs, one per shape.
async function crawl(page, start, prefix, max) {
	const seen = new Map([[shapeOf(start), start]]);
	const queue = [start];
	const pages = [];
	while (queue.length && pages.length < max) {
		const u = queue.shift();
		const resp = await page.goto(u).catch(() => null);
		if (!resp || resp.status() !== 200 || !/text\/html/.test(resp.headers()['content-type'] || ''))
			continue;
		pages.push(u);
		for (const h of await links(page, prefix)) {
			if (!seen.has(shapeOf(h))) {
				seen.set(shapeOf(h), h);
				queue.push(h);
			}
		}
	}
	return pages;
}

function nameOf(u) {
	return (new URL(u).pathname.replace(/\/\d+/g, '-n').replace(/[^a-z0-9-]+/gi, '-')
	    .replace(/^-|-$/g, '') || 'home');
}

async function portal(browser, email, inv) {
	const desk = await newPage(browser, DESK);
	let urls = [];
	await flow('a11y portal', [
		['the client activates the portal', async () => {
			const activation = linkIn(await mailWait(email, /\/portal\/activate\//), '/portal/activate/');
			await desk.page.goto(`${BASE}${activation}`);
			await desk.page.fill('#password', CLIENT_PW);
			await desk.page.fill('#password2', CLIENT_PW);
			await submit(desk.page, desk.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(desk.page) === '/portal/billing', `after activation at ${desk.page.url()}`);
		}],
		['pays an invoice with the keyboard only', async () => {
			const page = desk.page;
			await page.goto(`${BASE}/portal/billing`);
			await noPositiveTabindex(page);
			await tabTo(page, (f) => f.name === 'invoice' && f.value === inv[1], 60);
			await page.keyboard.press('Space');
			await tabTo(page, (f) => f.tag === 'button' && /^Pay /.test(f.label));
			await shot(page, 'keyboard-portal-selected', DESK);
			await Promise.all([page.waitForURL(/\/portal\/pay\?/), page.keyboard.press('Enter')]);
			await noPositiveTabindex(page);
			await tabTo(page, (f) => f.tag === 'button' && /^Pay (\$85\.50|now)$/.test(f.label), 60);
			await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
			    page.keyboard.press('Enter')]);
			await page.locator('#payment-element iframe').waitFor();
			await page.frameLocator('#payment-element iframe').locator('#number').waitFor();
			await scanOrFail(page, `portal-card ${DESK.name}`);
			await keyboardCard(page);
			await page.locator('#pay-submit:not([disabled])').waitFor();
			await tabTo(page, (f) => f.name === 'pay-submit');
			await shot(page, 'keyboard-portal-card', DESK);
			await Promise.all([page.waitForURL(/\/portal\/payments\/\d+$/), page.keyboard.press('Enter')]);
			await page.getByText('Payment received').first().waitFor();
		}],
		['every portal page passes axe at both sizes', async () => {
			urls = await crawl(desk.page, `${BASE}/portal/billing`, '/portal/', 40);
			urls.push(`${BASE}/portal/invoices/${inv[2]}`, `${BASE}/portal/pay?invoice=${inv[2]}`);
			const bad = [];
			for (const vp of SIZES) {
				const { context, page } = await newPage(browser, vp);
				await portalSignIn(page, email);
				if (vp === SIZES[0])
					await headerUncut(page, vp);
				try {
					await scanAll(page, vp, [...new Set(urls)].map((u) =>
					    [`portal-${nameOf(u)}`, () => page.goto(u)]));
				} catch (e) {
					bad.push(e.message);
				}
				await context.close();
			}
			check(bad.length === 0, bad.join(' || '));
		}],
	], async (s) => shot(desk.page, `fail-${s.replace(/\W+/g, '-')}`, DESK));
	await desk.context.close();
}

// --- staff: every page reached from Home -----------------------------------------------

async function staffLogin(page) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(ADMIN);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([page.waitForURL(`${BASE}/`), form.locator('button[type="submit"]').click()]);
}

async function staff(browser) {
	await flow('a11y staff', [
		['every staff page passes axe at both sizes', async () => {
			const first = await newPage(browser, DESK);
			await staffLogin(first.page);
			const urls = await crawl(first.page, `${BASE}/`, '/', MAX_STAFF_PAGES);
			await first.context.close();
			console.log(`staff pages found by links: ${urls.length}`);
			const bad = [];
			for (const vp of SIZES) {
				const { context, page } = await newPage(browser, vp);
				await staffLogin(page);
				if (vp === SIZES[0])
					await headerUncut(page, vp);
				try {
					await scanAll(page, vp, urls.map((u) => [`staff-${nameOf(u)}`, () => page.goto(u)]));
				} catch (e) {
					bad.push(e.message);
				}
				await context.close();
			}
			check(bad.length === 0, bad.join(' || '));
		}],
		['forms with errors announce them and pass axe at both sizes', async () => {
			const bad = [];
			for (const vp of SIZES) {
				const { context, page } = await newPage(browser, vp);
				await staffLogin(page);
				try {
					await scanAll(page, vp, [
						['staff-account-new-errors', async () => {
							await page.goto(`${BASE}/accounts/new`);
							const r = await submit(page, page.locator('form[action="/accounts/new"] button[type="submit"]'));
							check(r.status() === 422, `empty account form: HTTP ${r.status()}`);
							await page.locator('[role="alert"]').first().waitFor();
						}],
						['staff-branding-errors', async () => {
							await page.goto(`${BASE}/admin/branding`);
							await page.fill('#accent', '#ffff00');
							const r = await submit(page, page.getByRole('button', { name: 'Save' }));
							check(r.status() === 422, `light accent: HTTP ${r.status()}`);
							await page.locator('[role="alert"]').first().waitFor();
							check(await page.locator('#accent[aria-invalid="true"]').count() === 1,
							    'the accent field is not marked invalid');
						}],
					]);
				} catch (e) {
					bad.push(e.message);
				}
				await context.close();
			}
			check(bad.length === 0, bad.join(' || '));
		}],
	], async () => {});
}

run('e2e a11y', RUN_TIMEOUT_MS, async (browser) => {
	const email = `e2e-a11y-${TAG}@example.com`;
	let d = null, link = '', link2 = '', activation = '';
	await flow('a11y set-up', [
		['an admin brands the organisation', () => brand(browser)],
		['billing staff make invoices, a pay link and a portal invitation', async () => {
			d = await data(browser, email);
			[link, link2] = await linksWait(email, '/pay/', 2);
			activation = linkIn(await mailWait(email, /\/portal\/activate\//), '/portal/activate/');
		}],
	], async () => {});
	if (d) {
		for (const vp of SIZES)
			await signedOut(browser, vp, link, activation);
		await keyboardPayLink(browser, DESK, link2);
		await portal(browser, email, d.inv);
		await staff(browser);
	}
	await flow('a11y clean-up', [['the branding goes back to the configuration', () => unbrand(browser)]],
	    async () => {});
	const summary = { pages_scanned: figures.pages, frames_scanned: figures.frames,
	    violations: figures.violations, nodes: figures.nodes, by_rule: figures.byRule,
	    pages_with_violations: figures.failed, best_practice_advice: figures.bestPractice };
	await writeFile(path.join(ARTIFACTS, 'a11y-summary.json'), JSON.stringify(summary, null, 1));
	console.log(`axe-core: ${figures.pages} page scans (${figures.frames} frames), ` +
	    `${figures.violations} violations on ${figures.nodes} elements` +
	    (Object.keys(figures.byRule).length ? `: ${JSON.stringify(figures.byRule)}` : '') +
	    `; best-practice advice (not WCAG, not failed): ${JSON.stringify(figures.bestPractice)}`);
});
