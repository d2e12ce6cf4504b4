// Stripe's documented test cards, test PaymentMethod ids and ACH test
// accounts, and the outcome each one produces in the sandbox.
//
// outcome:
//   ok                 charge succeeds
//   decline            charge fails (and so does attaching / a SetupIntent,
//                      unless attach: true)
//   auth_always        3-D Secure on every payment (4000002760003184)
//   auth_setup         3-D Secure on setup / on-session; off-session payments
//                      after a successful setup succeed (4000002500003155)
//   dispute            charge succeeds, then a dispute is opened (...0259)

export const DECLINES = {
	generic_decline: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
	insufficient_funds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
	lost_card: { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' },
	stolen_card: { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' },
	fraudulent: { code: 'card_declined', decline_code: 'fraudulent', message: 'Your card was declined.' },
	expired_card: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' },
	incorrect_cvc: { code: 'incorrect_cvc', decline_code: 'incorrect_cvc', message: "Your card's security code is incorrect.", param: 'cvc' },
	processing_error: { code: 'processing_error', decline_code: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
	authentication_required: { code: 'authentication_required', decline_code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' },
};

// number -> { brand, funding, outcome, decline?, attach? }
export const TEST_CARDS = {
	'4242424242424242': { brand: 'visa', funding: 'credit', outcome: 'ok' },
	'4000056655665556': { brand: 'visa', funding: 'debit', outcome: 'ok' },
	'5555555555554444': { brand: 'mastercard', funding: 'credit', outcome: 'ok' },
	'2223003122003222': { brand: 'mastercard', funding: 'credit', outcome: 'ok' },
	'5200828282828210': { brand: 'mastercard', funding: 'debit', outcome: 'ok' },
	'378282246310005': { brand: 'amex', funding: 'credit', outcome: 'ok' },
	'371449635398431': { brand: 'amex', funding: 'credit', outcome: 'ok' },
	'6011111111111117': { brand: 'discover', funding: 'credit', outcome: 'ok' },
	'4000000000000002': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'generic_decline' },
	'4000000000009995': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'insufficient_funds' },
	'4000000000009987': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'lost_card' },
	'4000000000009979': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'stolen_card' },
	'4100000000000019': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'fraudulent' },
	'4000000000000069': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'expired_card' },
	'4000000000000127': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'incorrect_cvc' },
	'4000000000000119': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'processing_error' },
	'4000000000000341': { brand: 'visa', funding: 'credit', outcome: 'decline', decline: 'generic_decline', attach: true },
	'4000002760003184': { brand: 'visa', funding: 'credit', outcome: 'auth_always' },
	'4000002500003155': { brand: 'visa', funding: 'credit', outcome: 'auth_setup' },
	'4000000000000259': { brand: 'visa', funding: 'credit', outcome: 'dispute' },
};

// Test PaymentMethod ids (usable directly, server-side) -> card number.
export const TEST_PMS = {
	pm_card_visa: '4242424242424242',
	pm_card_visa_debit: '4000056655665556',
	pm_card_mastercard: '5555555555554444',
	pm_card_mastercard_debit: '5200828282828210',
	pm_card_amex: '378282246310005',
	pm_card_discover: '6011111111111117',
	pm_card_chargeCustomerFail: '4000000000000341',
	pm_card_authenticationRequired: '4000002760003184',
	pm_card_authenticationRequiredOnSetup: '4000002500003155',
	pm_card_chargeDeclined: '4000000000000002',
	pm_card_visa_chargeDeclined: '4000000000000002',
	pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
	pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
	pm_card_visa_chargeDeclinedLostCard: '4000000000009987',
	pm_card_visa_chargeDeclinedStolenCard: '4000000000009979',
	pm_card_chargeDeclinedFraudulent: '4100000000000019',
	pm_card_radarBlock: '4100000000000019',
	pm_card_chargeDeclinedExpiredCard: '4000000000000069',
	pm_card_visa_chargeDeclinedExpiredCard: '4000000000000069',
	pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
	pm_card_visa_chargeDeclinedIncorrectCvc: '4000000000000127',
	pm_card_chargeDeclinedProcessingError: '4000000000000119',
	pm_card_visa_chargeDeclinedProcessingError: '4000000000000119',
	pm_card_createDispute: '4000000000000259',
};

export const TEST_ROUTING = '110000000';

// ACH: account number -> outcome after the processing delay.
export const ACH_FAILURES = {
	account_closed: "The customer's bank account has been closed.",
	no_account: "The customer's bank account could not be located.",
	insufficient_funds: "The customer's account has insufficient funds to cover this payment.",
	debit_not_authorized: 'The customer has notified their bank that this payment was unauthorized.',
};

export const TEST_BANK_ACCOUNTS = {
	'000123456789': { outcome: 'ok' },
	'000111111113': { outcome: 'fail', failure: 'account_closed' },
	'000111111116': { outcome: 'fail', failure: 'no_account' },
	'000222222227': { outcome: 'fail', failure: 'insufficient_funds' },
	'000333333335': { outcome: 'fail', failure: 'debit_not_authorized' },
};

export const TEST_BANK_PMS = {
	pm_usBankAccount_success: '000123456789',
	pm_usBankAccount_accountClosed: '000111111113',
	pm_usBankAccount_noAccount: '000111111116',
	pm_usBankAccount_insufficientFunds: '000222222227',
	pm_usBankAccount_debitNotAuthorized: '000333333335',
};

export function cardBrand(num) {
	if (/^4/.test(num))
		return 'visa';
	if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(num))
		return 'mastercard';
	if (/^3[47]/.test(num))
		return 'amex';
	if (/^(6011|65|64[4-9])/.test(num))
		return 'discover';
	if (/^35/.test(num))
		return 'jcb';
	if (/^3(0[0-5]|[689])/.test(num))
		return 'diners';
	if (/^62/.test(num))
		return 'unionpay';
	return 'unknown';
}

export function luhn(num) {
	let sum = 0;
	let dbl = false;
	for (let i = num.length - 1; i >= 0; i--) {
		let d = num.charCodeAt(i) - 48;
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 === 0;
}

export function abaValid(r) {
	if (!/^\d{9}$/.test(r))
		return false;
	const d = [...r].map(Number);
	return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 === 0;
}
