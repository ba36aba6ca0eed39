-- The local demo site that `npm start` ensures (docs/operations.md): public key pk_demo, secret key sk_demo.
-- Only for local development; production keys are always generated. Placeholders are filled by
-- scripts/lib/local-server.mjs with quoted literals it computes itself (no outside input).
INSERT INTO sites (id, name, public_key, secret_hash, hash_key, origins, settings, created_at, updated_at)
VALUES ('site_demo', 'Touchline demo (local)', 'pk_demo', :secret_hash, :hash_key, :origins, '{}', :now, :now)
ON CONFLICT (id) DO UPDATE SET origins = excluded.origins, secret_hash = excluded.secret_hash, updated_at = excluded.updated_at;
