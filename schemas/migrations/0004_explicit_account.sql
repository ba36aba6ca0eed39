-- An account_domain sent with an email (CRM, offline touches) overrides the email's domain
-- (docs/identity-and-privacy.md), and a later identification by email alone must not undo it. account_explicit = 1 marks a
-- contact whose account was given explicitly; the latest explicit account wins.
ALTER TABLE contacts ADD COLUMN account_explicit INTEGER NOT NULL DEFAULT 0;
