// Package passwords hashes and verifies account passwords and enforces the
// password policy.
//
// New hashes are argon2id in the encoding that Django's Argon2PasswordHasher
// writes, so the Django Auth Service and the importer can still read the
// database:
//
//	argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with a 16-byte random salt and a 32-byte key, both in standard base64
// without padding. [Hasher.Verify] also accepts every other format a Django
// database may hold: argon2i, pbkdf2_sha256, pbkdf2_sha1 and bcrypt_sha256.
// A stored value that starts with "!" is Django's unusable-password marker
// and never matches. Each verification recomputes the key with the parameters
// stored in the encoding and compares it in constant time.
//
// Passwords are normalized to Unicode NFC before hashing. Rows hashed before
// that rule (imported or legacy rows) are checked against the raw input first
// and then against its NFC form, and any match sets needsRehash so that the
// caller stores a new hash.
//
// A [Hasher] limits how many hashes run at once, because each argon2id
// computation holds its whole memory cost (19 MiB by default) until it ends.
// A caller that cannot get a slot within the configured wait gets [ErrBusy].
//
// [Policy] checks a new password against the length limits, the username and
// e-mail address, an embedded list of common passwords and, optionally, the
// Have I Been Pwned range API.
package passwords
