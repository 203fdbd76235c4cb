package passwords

// Test vectors produced by other implementations, never by this package.
//
// Django: Django 3.2.25 from Debian 12's python3-django, with python3-argon2
// (argon2-cffi 21.1.0) and python3-bcrypt 3.2.2, under /usr/bin/python3:
//
//	settings.configure(PASSWORD_HASHERS=[Argon2PasswordHasher, PBKDF2PasswordHasher,
//	    PBKDF2SHA1PasswordHasher, BCryptSHA256PasswordHasher]); django.setup()
//	make_password(pw, "S7aLtS7aLtS7aLtS7aLt", "pbkdf2_sha256")    # 260000 iterations
//	PBKDF2PasswordHasher().encode(pw, "S7aLtS7aLt", iterations=1000)
//	PBKDF2SHA1PasswordHasher().encode(pw, "S7aLtS7aLt", iterations=1000)
//	PBKDF2PasswordHasher().encode(nfd, "uNiCoDe", iterations=1000)
//	PBKDF2PasswordHasher().encode(nfc, "uNiCoDe", iterations=1000)
//	make_password(pw, "ArGoNsAlTaRgOnSaLt22ch", "argon2")        # m=102400,t=2,p=8
//	Argon2PasswordHasher subclass with time_cost=1, memory_cost=64, parallelism=1,
//	    .encode(pw, "smallsaltsmall")
//	make_password(pw, None, "bcrypt_sha256")                       # cost 12
//	BCryptSHA256PasswordHasher subclass with rounds=4: .encode(pw, salt()), .encode(nfc, salt())
//
// libargon2: the reference "argon2" command (Debian package argon2,
// 0~20171227), whose "$argon2..." output becomes Django's form with an
// "argon2" prefix:
//
//	echo -n "$pw" | argon2 0123456789abcdef -id -t 2 -k 19456 -p 1 -l 32 -e
//	echo -n "$pw" | argon2 0123456789abcdef -id -t 1 -k 64 -p 1 -l 32 -e
//	echo -n "$pw" | argon2 saltsaltsalt -i -t 3 -k 256 -p 2 -l 32 -e
//	echo -n "$pw" | argon2 0123456789abcdef -id -t 2 -k 19456 -p 1 -l 32 -v 10 -e
//	echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 24 -e
//
// argon2-cffi, the library Django's Argon2PasswordHasher uses, for an argon2i
// hash with the parameters Django 1.10 to 3.1 wrote:
//
//	argon2.low_level.hash_secret(pw, b"legacysaltsalt", time_cost=2, memory_cost=512,
//	    parallelism=2, hash_len=16, type=Type.I)
//
// htpasswd (Debian package apache2-utils 2.4) for a $2y$ bcrypt hash over the
// hex SHA-256 digest:
//
//	htpasswd -nbBC 5 "" "$(printf %s "$pw" | sha256sum | cut -d' ' -f1)"
//
// Python's hashlib for inputs at and over the length limit:
//
//	"pbkdf2_sha256$1000$longsalt$" + base64.b64encode(
//	    hashlib.pbkdf2_hmac("sha256", b"a" * n, b"longsalt", 1000)).decode()  # n = 1024, 1025
//
// RFC 6070 section 2, PBKDF2-HMAC-SHA1 with P="password", S="salt", dkLen=20,
// for c=1 (0c60c80f961f0e71f3a9b524af6012062fe037a6) and c=4096
// (4b007901b765489abead49d926f721d065a429c1), in standard base64.

const (
	// vectorPassword is the password ("pw" above) of every vector except the
	// RFC ones.
	vectorPassword = "correct horse battery staple"
	// vectorNFC and vectorNFD are "Ångström café" in NFC and NFD
	// (UTF-8 c3856e67737472c3b66d20636166c3a9 and
	// 41cc8a6e677374726fcc886d2063616665cc81).
	vectorNFC = "\u00c5ngstr\u00f6m caf\u00e9"
	vectorNFD = "A\u030angstro\u0308m cafe\u0301"
)

const (
	djangoPBKDF2SHA256Default = "pbkdf2_sha256$260000$S7aLtS7aLtS7aLtS7aLt$BchteLlvuAI5m3mgrfUhuNMtDDnEU9tDLa53O596J04="
	djangoPBKDF2SHA256        = "pbkdf2_sha256$1000$S7aLtS7aLt$/NxhoqTMhe/iEgQhbdtTPjSl/sEko063zHcXAlcTW90="
	djangoPBKDF2SHA1          = "pbkdf2_sha1$1000$S7aLtS7aLt$hGXR9BnLDGp03SZOGYoxQHjyunY="
	djangoPBKDF2SHA256OfNFD   = "pbkdf2_sha256$1000$uNiCoDe$5va3qEef7loGXGxd7ALVaikI/giEOs747jmSsKklua8="
	djangoPBKDF2SHA256OfNFC   = "pbkdf2_sha256$1000$uNiCoDe$in9RWx040w0wWSc091xtgnE4dOSr9enZLh4Fhfu9B1k="
	djangoArgon2idDefault     = "argon2$argon2id$v=19$m=102400,t=2,p=8$QXJHb05zQWxUYVJnT25TYUx0MjJjaA$7BUBR+P04Ud8CVlGGvfIsg"
	djangoArgon2idSmall       = "argon2$argon2id$v=19$m=64,t=1,p=1$c21hbGxzYWx0c21hbGw$JN43Ax8p5pL4DdSf4acb5w"
	djangoBcryptSHA256Default = "bcrypt_sha256$$2b$12$hxqfVA0870eRl6TuzqlKgeKm/TOYfu6Uv.CUdHl9aFRvFRaoegxo6"
	djangoBcryptSHA256        = "bcrypt_sha256$$2b$04$6lArOpobeYFXV3JgR0KJmeOLx1pNfwzBlJujcaAixEtrM2rkpqPH."
	djangoBcryptSHA256OfNFC   = "bcrypt_sha256$$2b$04$8ljIypc9u71Pg1YdyzpxLeQpXiq398mtZgNF.fDJ4Gy05FGmytP1i"

	refArgon2idCurrent   = "argon2$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$gy5SuVm5Z7Vw7keB9se9p87QGcomaseB/S2U1OhTsM0"
	refArgon2idCheap     = "argon2$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0"
	refArgon2i           = "argon2$argon2i$v=19$m=256,t=3,p=2$c2FsdHNhbHRzYWx0$tOs3gv9bHKq87wkJInTOtP9F5WqCc73qL6VgwFrWwSc"
	refArgon2idVersion1  = "argon2$argon2id$v=16$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$/4B9IQLNXUwqaY0TRpcIkX0VsyAGGSQr5jo467LMJc0"
	refArgon2idReadme    = "argon2$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$F1jG2CV3/Nr+yRuIsPKw0J9r4s7cJHBU"
	cffiArgon2iLegacy    = "argon2$argon2i$v=19$m=512,t=2,p=2$bGVnYWN5c2FsdHNhbHQ$+qO0SnoHJh1Sw2RQxqLYTg"
	htpasswdBcryptSHA256 = "bcrypt_sha256$$2y$05$adB8u3eopxrj1sWLyYHGwuQorvHQebS9NmKv6TdhtMhfu.z4vIq2q"

	hashlibPBKDF2Of1024Bytes = "pbkdf2_sha256$1000$longsalt$I6Nw0HqXER64Y3bsbf6znm8wHlmALBd5q94sT4OTWa0="
	hashlibPBKDF2Of1025Bytes = "pbkdf2_sha256$1000$longsalt$qCfgoXOYVVgO0MFe7Qi21Z3VlrEeQC3HKuQpWj/IFQo="

	rfc6070SHA1Iter1    = "pbkdf2_sha1$1$salt$DGDID5YfDnHzqbUkr2ASBi/gN6Y="
	rfc6070SHA1Iter4096 = "pbkdf2_sha1$4096$salt$SwB5AbdlSJq+rUnZJvch0GWkKcE="
)
