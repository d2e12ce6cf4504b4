/* Client portal and pay-link pages: the Stripe.js glue and small progressive
 * enhancements. No inline scripts (CSP): every value comes from data-
 * attributes. Without JavaScript every form still works, except the Stripe
 * Element itself (card and bank details never reach our server). */
(function () {
	'use strict';

	document.documentElement.classList.add('js');

	function money(cents) {
		var s = (Math.abs(cents) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
		return (cents < 0 ? '-$' : '$') + s;
	}

	/* Filters that apply when changed. */
	document.querySelectorAll('form[data-autosubmit] select').forEach(function (sel) {
		sel.addEventListener('change', function () { sel.form.submit(); });
	});

	/* Print buttons. */
	document.querySelectorAll('[data-print]').forEach(function (b) {
		b.addEventListener('click', function () { window.print(); });
	});

	/* Forms that ask before they act (remove a payment method). */
	document.querySelectorAll('form[data-confirm]').forEach(function (f) {
		f.addEventListener('submit', function (e) {
			if (!window.confirm(f.getAttribute('data-confirm')))
				e.preventDefault();
		});
	});

	/* Billing: the selected invoices' total on the button (the server
	 * computes the amount that is charged). A list where nothing can be
	 * selected (paid, void) has no button. */
	var sel = document.getElementById('select-form');
	var btn = document.getElementById('pay-selected');
	if (sel && btn) {
		var update = function () {
			var n = 0, cents = 0;
			sel.querySelectorAll('input[name=invoice]:checked').forEach(function (c) {
				n++;
				cents += parseInt(c.getAttribute('data-cents'), 10) || 0;
			});
			/* Labels in the page's language, from the template. */
			btn.textContent = n ? (btn.getAttribute(n === 1 ? 'data-label-one' :
			    'data-label-some') ||
			    'Pay {n} selected ({amount})').replace('{n}', String(n))
			    .replace('{amount}', money(cents)) :
			    (btn.getAttribute('data-label-none') || 'Pay selected invoices');
			btn.disabled = n === 0;
		};
		sel.addEventListener('change', update);
		update();
	}

	/* Pay form: the authorization only when it is needed, "save this card"
	 * only for a new card. */
	var payform = document.querySelector('.pt-payform');
	if (payform) {
		var consent = payform.querySelector('[data-consent-box]');
		var save = payform.querySelector('[data-show-for=card]');
		var saveBox = save ? save.querySelector('input') : null;
		var refresh = function () {
			var r = payform.querySelector('input[name=pay_with]:checked');
			var need = r ? r.getAttribute('data-consent') : '0';
			var isCard = r && r.value === 'card';
			if (save)
				save.toggleAttribute('data-hidden', !isCard);
			if (consent)
				consent.toggleAttribute('data-hidden', !(need === '1' ||
				    (need === 'save' && saveBox && saveBox.checked)));
		};
		payform.addEventListener('change', refresh);
		refresh();
	}

	/* The Stripe Element: mount, confirm in the browser, then go to our
	 * return URL, where the server asks Stripe for the result. */
	var root = document.getElementById('pay-root');
	if (!root)
		return;
	var errBox = document.getElementById('pay-error');
	var submit = document.getElementById('pay-submit');
	var showError = function (msg) {
		errBox.textContent = msg;
		errBox.hidden = false;
	};
	/* Messages in the page's language, from the template. */
	var msg = function (name, fallback) {
		return root.getAttribute('data-msg-' + name) || fallback;
	};
	if (typeof window.Stripe !== 'function') {
		showError(msg('load', 'The secure payment form could not be loaded. Check your connection and reload the page.'));
		return;
	}
	var kind = root.getAttribute('data-kind');
	var returnUrl = root.getAttribute('data-return-url');
	var stripe = window.Stripe(root.getAttribute('data-pk'));
	var elements = stripe.elements({ clientSecret: root.getAttribute('data-client-secret'),
	    locale: root.getAttribute('data-locale') || 'auto' });
	var element = elements.create('payment');
	var mount = document.getElementById('payment-element');
	mount.textContent = '';
	element.on('ready', function () { submit.disabled = false; });
	element.mount(mount);
	var busy = false;
	submit.addEventListener('click', function () {
		if (busy)
			return;
		busy = true;
		submit.disabled = true;
		errBox.hidden = true;
		var label = submit.textContent;
		submit.textContent = msg('busy', kind === 'setup' ? 'Saving…' : 'Processing…');
		var opts = { elements: elements, confirmParams: { return_url: returnUrl },
		    redirect: 'if_required' };
		var p = kind === 'setup' ? stripe.confirmSetup(opts) : stripe.confirmPayment(opts);
		p.then(function (res) {
			if (res.error) {
				showError(res.error.message || msg('failed', 'The payment did not go through.'));
				submit.textContent = label;
				submit.disabled = false;
				busy = false;
				return;
			}
			window.location.assign(returnUrl);
		}, function () {
			showError(msg('error', 'Something went wrong. Nothing was charged; please try again.'));
			submit.textContent = label;
			submit.disabled = false;
			busy = false;
		});
	});
})();
