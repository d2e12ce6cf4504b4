// Browser test of the billing core: an admin adds two services to the
// catalog through the admin pages; billing staff creates an account, an
// invoice with those two services and discounts through the invoice form,
// issues it, and the account's Financial tab shows the balance. The staff
// part runs at a desktop and a phone viewport (one account each).
// Runs against the stack started by tests/integration/run (ITEST_* variables)
// with Debian's /usr/bin/chromium driven by playwright-core. Screenshots go to
// tests/artifacts/e2e/billing-<page>-<viewport>.png ($ITEST_ARTIFACTS_DIR/e2e
// when set).
//
// Amounts: line 1 = 2 x $150.00 less 10% = $270.00; line 2 = $85.50;
// subtotal $355.50; invoice discount $20.00; total $335.50.


import { BASE, VIEWPORTS, check, flow, need, run, shooter }
    from './lib/harness.mjs';


const shot = shooter('billing-');
const STEP_TIMEOUT_MS = 15000;
const RUN_TIMEOUT_MS = 240000;


const PASSWORD = need('ITEST_PASSWORD');
const ADMIN = need('ITEST_ADMIN_EMAIL');
const BILLING = need('ITEST_BILLING_EMAIL');



// Unique per run: the catalog codes must not collide with an earlier run.
const TAG = `${Date.now() % 1000000}`;
const SERVICES = [
	{ code: `E2EIND${TAG}`, name: `Individual therapy ${TAG}`, rate: '150.00' },
	{ code: `E2EGRP${TAG}`, name: `Group session ${TAG}`, rate: '85.50' },
];

// --- a tiny runner (as in run.mjs) -------------------------------------------





// --- page helpers ------------------------------------------------------------

async function signIn(page, email) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(email);
	await form.locator('input[name="password"]').fill(PASSWORD);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' &&
		    new URL(r.url()).pathname === '/login'),
		form.locator('button[type="submit"], input[type="submit"], button:not([type])').first().click(),
	]);
	await page.waitForLoadState('load');
	check(resp.status() === 303, `sign-in as ${email}: HTTP ${resp.status()}`);
}

async function expectNoSidewaysScroll(page, what) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		inner: window.innerWidth,
	}));
	check(scroll <= inner + 1, `${what}: page is ${scroll}px wide in a ${inner}px viewport`);
}

// Submits the form holding `button` and waits for the page after the
// redirect; returns the POST's response.
async function submit(page, button) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST'),
		button.click(),
	]);
	await page.waitForLoadState('load');
	return resp;
}

function pathOf(page) {
	return new URL(page.url()).pathname;
}

// Text of a Financial tab summary card ("Balance due", "Charged", ...).
async function cardValue(page, label) {
	const card = page.locator('.pf-financial .pf-card', { hasText: label }).first();
	await card.waitFor({ state: 'visible' });
	return (await card.locator('.pf-card-value').innerText()).trim();
}

// --- admin: the catalog ---------------------------------------------------------

async function adminCatalog(browser) {
	const context = await browser.newContext({ viewport: VIEWPORTS[0].viewport });
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	const vp = VIEWPORTS[0];
	await flow('admin', [
		['signs in', () => signIn(page, ADMIN)],
		['adds two services through /admin/services', async () => {
			for (const s of SERVICES) {
				const resp = await page.goto(`${BASE}/admin/services`);
				check(resp.status() === 200, `GET /admin/services: HTTP ${resp.status()}`);
				const form = page.locator('form[action="/admin/services"]');
				await form.locator('input[name="code"]').fill(s.code);
				await form.locator('input[name="name"]').fill(s.name);
				await form.locator('input[name="default_rate"]').fill(s.rate);
				const post = await submit(page, form.locator('button[type="submit"]'));
				check(post.status() === 303, `POST /admin/services: HTTP ${post.status()}`);
				await page.locator(`input[value="${s.code}"]`).first().waitFor({ state: 'attached' });
			}
			await shot(page, 'admin-services', vp);
		}],
	], (step) => shot(page, `fail-admin-${step.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

// --- billing staff: account, invoice, issue, Financial tab -----------------------

async function billingFlow(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport,
		isMobile: vp.isMobile,
		hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text()))
			problems.push(`CSP violation: ${m.text()}`);
	});
	const noProblems = () => check(problems.length === 0, problems.join('; '));
	const name = `E2E ${vp.name} ${TAG}`;
	let accountPath = '';
	let number = '';

	await flow(`billing ${vp.name}`, [
		['signs in', () => signIn(page, BILLING)],
		['creates an account', async () => {
			const resp = await page.goto(`${BASE}/accounts/new`);
			check(resp.status() === 200, `GET /accounts/new: HTTP ${resp.status()}`);
			const form = page.locator('form[action="/accounts/new"]');
			await form.locator('input[name="name"]').fill(name);
			await form.locator('input[name="email"]').fill(`e2e-${vp.name}-${TAG}@example.com`);
			await form.locator('input[name="phone"]').fill('555-0142');
			if (vp.isMobile)
				await expectNoSidewaysScroll(page, 'account form');
			await shot(page, 'account-new', vp);
			const post = await submit(page, form.locator('button[type="submit"]'));
			check(post.status() === 303, `POST /accounts/new: HTTP ${post.status()}`);
			check(/^\/accounts\/\d+$/.test(pathOf(page)), `after create at ${page.url()}`);
			accountPath = pathOf(page);
			await page.getByText(name).first().waitFor({ state: 'visible' });
			check(await cardValue(page, 'Balance due') === '$0.00', 'new account owes nothing');
			noProblems();
		}],
		['opens the invoice form from the Financial tab', async () => {
			await page.locator('.pf-financial a', { hasText: 'New invoice' }).first().click();
			await page.waitForLoadState('load');
			check(pathOf(page) === '/invoices/new', `at ${page.url()}`);
			await page.locator('select[name="line1_service_id"]').waitFor({ state: 'visible' });
			if (vp.isMobile)
				await expectNoSidewaysScroll(page, 'invoice form');
		}],
		['fills two services and the discounts, saves the draft', async () => {
			const label = (s) => ({ label: `${s.code} · ${s.name} ($${s.rate})` });
			await page.selectOption('select[name="line1_service_id"]', label(SERVICES[0]));
			await page.fill('input[name="line1_quantity"]', '2');
			await page.selectOption('select[name="line1_discount_kind"]', 'percent');
			await page.fill('input[name="line1_discount_value"]', '10');
			await page.selectOption('select[name="line2_service_id"]', label(SERVICES[1]));
			await page.fill('input[name="line2_quantity"]', '1');
			await page.selectOption('select[name="discount_kind"]', 'fixed');
			await page.fill('input[name="discount_value"]', '20.00');
			await shot(page, 'invoice-form', vp);
			const post = await submit(page, page.getByRole('button', { name: 'Save draft' }));
			check(post.status() === 303, `POST /invoices/new: HTTP ${post.status()}`);
			check(/^\/invoices\/\d+$/.test(pathOf(page)), `after save at ${page.url()}`);
			await page.getByText('$270.00').first().waitFor({ state: 'visible' });
			await page.getByText('$335.50').first().waitFor({ state: 'visible' });
			await page.getByText(SERVICES[1].name).first().waitFor({ state: 'visible' });
			if (vp.isMobile)
				await expectNoSidewaysScroll(page, 'draft invoice');
			await shot(page, 'invoice-draft', vp);
			noProblems();
		}],
		['issues the invoice', async () => {
			await submit(page, page.getByRole('button', { name: /Issue invoice/ }).first());
			// a confirmation page, then the invoice with its number
			const confirm = page.getByRole('button', { name: 'Issue invoice', exact: true });
			await confirm.first().waitFor({ state: 'visible' });
			await shot(page, 'invoice-issue-confirm', vp);
			const post = await submit(page, confirm.first());
			check(post.status() === 303, `POST issue: HTTP ${post.status()}`);
			await page.getByText(/INV-\d{6}/).first().waitFor({ state: 'visible' });
			number = (await page.getByText(/INV-\d{6}/).first().innerText()).match(/INV-\d{6}/)[0];
			if (vp.isMobile)
				await expectNoSidewaysScroll(page, 'issued invoice');
			await shot(page, 'invoice-issued', vp);
			noProblems();
		}],
		['the Financial tab shows the balance', async () => {
			const resp = await page.goto(`${BASE}${accountPath}`);
			check(resp.status() === 200, `GET ${accountPath}: HTTP ${resp.status()}`);
			const due = await cardValue(page, 'Balance due');
			check(due === '$335.50', `Balance due shows ${due}, want $335.50`);
			const charged = await cardValue(page, 'Charged');
			check(charged.startsWith('$335.50'), `Charged shows ${charged}, want $335.50`);
			const credit = await cardValue(page, 'Unallocated credit');
			check(credit === '$0.00', `Unallocated credit shows ${credit}`);
			const row = page.locator('.pf-financial tr', { hasText: number }).first();
			await row.waitFor({ state: 'visible' });
			const text = await row.innerText();
			check(text.includes('$335.50'), `invoice row: ${text}`);
			if (vp.isMobile)
				await expectNoSidewaysScroll(page, 'account page');
			await shot(page, 'financial', vp);
			noProblems();
		}],
	], (step) => shot(page, `fail-${step.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

run('e2e billing', RUN_TIMEOUT_MS, async (browser) => {
	await adminCatalog(browser);
	for (const vp of VIEWPORTS)
		await billingFlow(browser, vp);
});
