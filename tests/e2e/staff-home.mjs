// Browser test of the staff home work list, the A/R pictures and the
// account page (issue 13, Staff), at 390x844 and 1366x900:
//   set-up through the API: a location, two accounts with invoices 10, 45
//   and 100 days past due and one not yet due, a payment kept as credit;
//   home lists the overdue invoices by band with links that open them and
//   shows today's and this month's collections; A/R draws its four charts
//   as inline SVG, each beside a captioned table, with no sideways scroll
//   on a phone (and a print view); the account page applies its credit;
//   the client's Consent tab stays on the client's profile.
// Screenshots: tests/artifacts/e2e/staff-home-*.png.

import { ARTIFACTS, BASE, check, flow, need, run, shooter } from './lib/harness.mjs';
import path from 'node:path';
import { execSync } from 'node:child_process';

const shot = shooter('staff-home-');
const STEP_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 240000;

const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const CTL = need('ITEST_BILLINGCTL');
const TAG = `${Date.now() % 10000000}`;

const PHONE = { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true };
const WIDE = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };
const SIZES = [PHONE, WIDE];

const KEY = execSync(`${CTL} apikey create --name e2e-home-${TAG} --role admin`).toString()
    .match(/bk_[A-Za-z0-9_-]+/)[0];

async function api(method, p, body) {
	const r = await fetch(`${BASE}${p}`, { method, headers: { Authorization: `Bearer ${KEY}`,
	    'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
	const j = await r.json();
	check(r.status < 300, `${method} ${p}: HTTP ${r.status} ${JSON.stringify(j)}`);
	return j;
}

// YYYY-MM-DD of today + days (UTC, as the server counts).
function day(days) {
	return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

async function invoice(accountId, cents, invoiceDate, dueDate, description) {
	const inv = await api('POST', '/api/v1/invoices', { account_id: accountId, payment_type_id: 1,
	    invoice_date: invoiceDate, due_date: dueDate,
	    lines: [{ description, quantity: 1, rate_cents: cents }] });
	return api('POST', `/api/v1/invoices/${inv.id}/issue`, {});
}

async function newPage(browser, vp) {
	const context = await browser.newContext({ viewport: vp.viewport, isMobile: vp.isMobile,
	    hasTouch: vp.isMobile, deviceScaleFactor: vp.isMobile ? 2 : 1 });
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	return page;
}

async function signIn(page) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(BILLING);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([page.waitForURL(`${BASE}/`), form.locator('button[type="submit"]').click()]);
}

async function noSideways(page, what) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
	check(scroll <= inner + 1, `${what}: page is ${scroll}px wide in a ${inner}px viewport`);
}

const money = /^\$[0-9,]+\.[0-9]{2}$/;

async function main(browser) {
	const pages = {};
	let accA = 0, accB = 0, client = 0, inv45 = null, locId = 0;
	const nameA = `Margaret Whitfield-Montgomery ${TAG}`;

	await flow('staff home', [
		['set-up through the API', async () => {
			locId = (await api('POST', '/api/v1/locations', { name: `East Clinic ${TAG}` })).id;
			accA = (await api('POST', '/api/v1/accounts', { name: nameA, location_id: locId })).id;
			accB = (await api('POST', '/api/v1/accounts', { name: `Owen Park ${TAG}`, location_id: locId })).id;
			client = (await api('POST', '/api/v1/clients', { account_id: accA, first_name: 'Lena',
			    last_name: `Whitfield ${TAG}` })).id;
			await invoice(accA, 15000, day(-40), day(-10), 'Therapy session');
			inv45 = await invoice(accA, 32000, day(-75), day(-45), 'Intensive outpatient week');
			await invoice(accB, 98000, day(-130), day(-100), 'Residential stay, 3 days');
			await invoice(accB, 6000, day(0), day(20), 'Copay');
			await api('POST', '/api/v1/payments', { account_id: accB, method: 'check', amount_cents: 7500,
			    received_date: day(0), reference: '2041', allocate: 'auto' });
			// A payment kept as credit, then an invoice it can pay.
			await api('POST', '/api/v1/payments', { account_id: accA, method: 'cash', amount_cents: 5000,
			    received_date: day(0), allocate: 'none' });
			for (const vp of SIZES) {
				pages[vp.name] = await newPage(browser, vp);
				await signIn(pages[vp.name]);
			}
		}],
		...SIZES.map((vp) => [`home is a work list (${vp.name})`, async () => {
			const page = pages[vp.name];
			await page.goto(`${BASE}/`);
			const overdue = page.locator('section.wl-overdue');
			for (const band of ['Over 90 days past due', '31-60 days past due', '1-30 days past due'])
				check(await overdue.locator('h3', { hasText: band }).count() >= 1, `band ${band}`);
			const row = overdue.locator('tr', { hasText: inv45.number });
			check(await row.count() === 1, `invoice ${inv45.number} listed once`);
			check((await row.locator('td[data-label="Days"]').innerText()).trim() === '45', 'days past due');
			check((await row.locator('td[data-label="Open"]').innerText()).trim() === '$320.00', 'open');
			for (const id of ['collected-today', 'collected-month'])
				check(money.test((await page.locator(`#${id}`).innerText()).trim()), id);
			for (const h of ['Payments needing attention', 'Cards expiring',
			    'Estimates to countersign', 'Good Faith Estimates exceeded by $400 or more'])
				check(await page.locator('h2', { hasText: h }).count() === 1, `section ${h}`);
			await noSideways(page, 'home');
			await shot(page, 'home', vp);
			await Promise.all([page.waitForURL(`${BASE}/invoices/${inv45.id}`),
			    row.locator('a', { hasText: inv45.number }).click()]);
		}]),
		...SIZES.map((vp) => [`receivables as pictures (${vp.name})`, async () => {
			const page = pages[vp.name];
			await page.goto(`${BASE}/ar`);
			const charts = page.locator('svg.chart[role="img"]');
			check(await charts.count() === 4, `4 charts, got ${await charts.count()}`);
			for (let i = 0; i < 4; i++) {
				const card = page.locator('section.chart-card').nth(i);
				check(await card.locator('svg.chart title').count() === 1, `chart ${i} has a title`);
				check(await card.locator('table caption').count() === 1, `chart ${i} has a table`);
			}
			const loc = page.locator('table.loc-table tr', { hasText: `East Clinic ${TAG}` });
			check((await loc.locator('td.num').innerText()).trim() === '$1,385.00',
			    `location total: ${await loc.locator('td.num').innerText()}`);
			const svgText = await page.locator('#loc-h ~ .chart-pair svg').textContent();
			check(svgText.includes('$1,385.00'), 'the location chart shows the same figure');
			await noSideways(page, 'A/R');
			await shot(page, 'ar', vp);
			if (vp === PHONE)	// close-ups: the chart text must read on a phone
				for (const id of ['aging-h', 'weeks-h', 'top-h', 'loc-h'])
					await page.locator(`#${id} ~ .chart-pair .chart-fig`).screenshot({
					    path: path.join(ARTIFACTS, `staff-home-chart-${id.slice(0, -2)}-phone.png`) });
			if (vp === WIDE) {
				await page.emulateMedia({ media: 'print' });
				await shot(page, 'ar-print', vp);
				await page.emulateMedia({ media: 'screen' });
			}
		}]),
		...SIZES.map((vp) => [`account page offers Apply credit (${vp.name})`, async () => {
			const page = pages[vp.name];
			await page.goto(`${BASE}/accounts/${accA}`);
			const button = page.locator('form.pf-card-form button', { hasText: 'Apply credit' });
			check(await button.count() === 1, 'Apply credit offered');
			await noSideways(page, 'account');
			await shot(page, 'account', vp);
		}]),
		['Apply credit', async () => {
			const page = pages[WIDE.name];
			const button = page.locator('form.pf-card-form button', { hasText: 'Apply credit' });
			await Promise.all([page.waitForURL(/notice=credit_applied/), button.click()]);
			check(await page.locator('.alert-ok', { hasText: 'credit was applied' }).count() === 1, 'notice');
			check(await button.count() === 0, 'no credit left');
			const open = page.locator('.pf-table tr', { hasText: inv45.number }).locator('td[data-label="Open"]');
			check((await open.innerText()).trim() === '$270.00', `the oldest invoice got the $50.00: ${await open.innerText()}`);
			await shot(page, 'account-credit-applied', WIDE);
		}],
		...SIZES.map((vp) => [`the Consent tab stays on the client (${vp.name})`, async () => {
			const page = pages[vp.name];
			await page.goto(`${BASE}/clients/${client}`);
			await Promise.all([page.waitForURL(`${BASE}/clients/${client}/consents`),
			    page.locator('.pf-tabs a', { hasText: 'Consent' }).click()]);
			check(await page.locator('h1', { hasText: `Lena Whitfield ${TAG}` }).count() === 1, 'client heading');
			check(await page.locator('.pf-tab[aria-selected="true"]', { hasText: 'Consent' }).count() === 1,
			    'Consent tab selected');
			await noSideways(page, 'consent tab');
			await shot(page, 'client-consent', vp);
			await Promise.all([page.waitForURL(`${BASE}/clients/${client}`),
			    page.locator('.pf-tabs a', { hasText: 'Financial' }).click()]);
		}]),
	], async (name) => {
		for (const vp of SIZES)
			if (pages[vp.name])
				await shot(pages[vp.name], `failed-${name.replace(/\W+/g, '-')}`, vp).catch(() => {});
	});
}

run('staff home', RUN_TIMEOUT_MS, main);
