//! Password hashing: Argon2id PHC strings for new hashes, Argon2 or bcrypt hashes accepted on load.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// Hashes `password` with Argon2id and a random salt, returning the PHC string.
pub fn hash_password(password: &[u8]) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password, &salt)
        .expect("Argon2 with default parameters cannot fail")
        .to_string()
}

/// True when `stored` looks like a supported hash (and not a clear-text password).
pub fn is_supported_hash(stored: &str) -> bool {
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return true;
    }
    PasswordHash::new(stored).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

/// Verifies `password` against a stored hash. Slow by design (tens of milliseconds): call it off the
/// async workers. The underlying libraries compare digests in constant time.
pub fn verify_password(password: &[u8], stored: &str) -> bool {
    if stored.starts_with("$2") {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default().verify_password(password, &hash).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let hash = hash_password(b"secret");
        assert!(hash.starts_with("$argon2id$"));
        assert!(is_supported_hash(&hash));
        assert!(verify_password(b"secret", &hash));
        assert!(!verify_password(b"Secret", &hash));
    }

    #[test]
    fn bcrypt_is_accepted_and_clear_text_is_not() {
        let hash = bcrypt::hash("pw", 4).unwrap();
        assert!(is_supported_hash(&hash));
        assert!(verify_password(b"pw", &hash));
        assert!(!is_supported_hash("hunter2"));
        assert!(!verify_password(b"hunter2", "hunter2"));
    }
}
