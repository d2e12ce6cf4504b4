-- The language of an account's client pages, emails and PDFs (issue 13):
-- staff set it on the account, the client switches it in the portal.
-- Catalogs live in www/templates/i18n/<language>.txt.
ALTER TABLE accounts
  ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT 'en',
  ADD CONSTRAINT accounts_language_known CHECK (language IN ('en', 'es'));
