//! Authentication and authorisation: users, roles, login with slowed failures, permission checks.
//!
//! Verifying an Argon2 hash costs tens of milliseconds, so it runs on the blocking pool. After a
//! successful login a keyed SHA-256 of the password is remembered per user, so clients that open many
//! connections (pools, redis-benchmark) pay the slow hash once; the digest is compared in constant time
//! and is useless without the per-process random key.

pub mod password;
pub mod throttle;
pub mod users;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use throttle::Throttle;
use users::UserRecord;

/// What a user may do. Ordered from least to most powerful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// Read-only access to data.
    #[serde(alias = "reader")]
    Reader,
    /// Read and write data, create regions.
    #[serde(alias = "user")]
    User,
    /// Everything: users, dropping and purging regions, FLUSHALL, CONFIG SET, SHUTDOWN.
    #[serde(alias = "admin")]
    Admin,
}

impl Role {
    /// The role's name as written in the users file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "READER",
            Role::User => "USER",
            Role::Admin => "ADMIN",
        }
    }
}

/// A logged-in user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Login name.
    pub username: Arc<str>,
    /// Strongest granted role.
    pub role: Role,
}

/// A user to add (`create`) or change: fields left `None` keep their value.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    /// Login name.
    pub username: String,
    /// True to add a new user, false to change an existing one.
    pub create: bool,
    /// New clear-text password (hashed before it is stored).
    pub password: Option<String>,
    /// New roles.
    pub roles: Option<Vec<Role>>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// Why the users file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Reading or writing the file failed.
    #[error("users file {0}: {1}")]
    Io(String, std::io::Error),
    /// The file is not valid.
    #[error("users file {0}: {1}")]
    Format(String, String),
    /// A password is not hashed.
    #[error(
        "users file {path}: user '{username}' has a clear-text password; store a hash instead: \
         `echo -n 'the-password' | kuber-server hash-password` prints one"
    )]
    ClearTextPassword {
        /// The file.
        path: String,
        /// The offending user.
        username: String,
    },
}

/// Checks credentials against the users file.
pub struct Authenticator {
    users: RwLock<HashMap<String, UserRecord>>,
    path: PathBuf,
    verified: Mutex<HashMap<String, [u8; 32]>>,
    cache_key: [u8; 32],
    throttle: Throttle,
    /// Verified against for unknown users so that timing does not reveal which usernames exist.
    dummy_hash: String,
}

impl Authenticator {
    /// Opens the users file, writing one with `admin` if it does not exist. Returns the generated
    /// admin password when one was made (to be printed once).
    pub fn open(
        path: &Path,
        admin_password: Option<String>,
    ) -> Result<(Self, Option<String>), AuthError> {
        let (users, generated) = if path.exists() {
            (users::load(path)?, None)
        } else {
            users::bootstrap(path, admin_password)?
        };
        let mut cache_key = [0u8; 32];
        rand::rng().fill_bytes(&mut cache_key);
        let auth = Self {
            users: RwLock::new(users),
            path: path.to_path_buf(),
            verified: Mutex::new(HashMap::new()),
            cache_key,
            throttle: Throttle::default(),
            dummy_hash: password::hash_password(b"kuber-dummy-password"),
        };
        Ok((auth, generated))
    }

    /// The users file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.read().len()
    }

    /// Every user without the password hash: (name, roles, enabled), sorted by name.
    pub fn list_users(&self) -> Vec<(String, Vec<Role>, bool)> {
        let mut users: Vec<_> = self
            .users
            .read()
            .values()
            .map(|u| (u.username.clone(), u.roles.clone(), u.enabled))
            .collect();
        users.sort();
        users
    }

    /// Adds a user (false when the name is taken) or changes one, then rewrites the users file.
    /// A new password is hashed here (on the caller's thread: call from a blocking context);
    /// changing a password or disabling a user forgets its verified-credential cache entry.
    pub fn change_user(&self, change: UserChange) -> Result<bool, AuthError> {
        let hash = change
            .password
            .as_deref()
            .map(|p| password::hash_password(p.as_bytes()));
        let mut users = self.users.write();
        let exists = users.contains_key(&change.username);
        if change.create == exists {
            return Ok(false);
        }
        let mut next = users.clone();
        let record = next
            .entry(change.username.clone())
            .or_insert_with(|| UserRecord {
                username: change.username.clone(),
                password: String::new(),
                roles: vec![Role::Reader],
                enabled: true,
            });
        if let Some(hash) = hash {
            record.password = hash;
        }
        if let Some(roles) = change.roles {
            record.roles = roles;
        }
        if let Some(enabled) = change.enabled {
            record.enabled = enabled;
        }
        users::save(&self.path, &next)?;
        *users = next;
        self.verified.lock().remove(&change.username);
        Ok(true)
    }

    fn digest(&self, username: &str, password: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.cache_key);
        h.update((username.len() as u64).to_le_bytes());
        h.update(username.as_bytes());
        h.update(password);
        h.finalize().into()
    }

    /// Checks a username and password. On failure waits as long as the throttle asks before
    /// returning, so a client hammering AUTH slows only itself.
    pub async fn authenticate(
        self: &Arc<Self>,
        username: &str,
        password: &[u8],
        peer: IpAddr,
    ) -> Option<Identity> {
        let record = self.users.read().get(username).cloned();
        let identity = match record {
            Some(user) if user.enabled => {
                let digest = self.digest(username, password);
                let cached = self
                    .verified
                    .lock()
                    .get(username)
                    .is_some_and(|d| bool::from(d.ct_eq(&digest)));
                let ok = cached || {
                    let (password, hash) = (password.to_vec(), user.password.clone());
                    tokio::task::spawn_blocking(move || password::verify_password(&password, &hash))
                        .await
                        .unwrap_or(false)
                };
                if ok {
                    self.verified.lock().insert(username.to_string(), digest);
                }
                ok.then(|| Identity {
                    username: Arc::from(username),
                    role: user.roles.iter().copied().max().unwrap_or(Role::Reader),
                })
            }
            _ => {
                let (password, hash) = (password.to_vec(), self.dummy_hash.clone());
                let _ = tokio::task::spawn_blocking(move || {
                    password::verify_password(&password, &hash)
                })
                .await;
                None
            }
        };
        match identity {
            Some(identity) => {
                self.throttle.record_success(peer);
                Some(identity)
            }
            None => {
                let delay = self.throttle.record_failure(peer);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn authenticates_known_users_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        let (auth, generated) = Authenticator::open(&path, Some("pw".into())).unwrap();
        assert!(generated.is_none());
        let auth = Arc::new(auth);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let id = auth.authenticate("admin", b"pw", ip).await.unwrap();
        assert_eq!(id.role, Role::Admin);
        // second login takes the cached path and still checks the password
        assert!(auth.authenticate("admin", b"pw", ip).await.is_some());
        assert!(auth.authenticate("admin", b"nope", ip).await.is_none());
        assert!(auth.authenticate("ghost", b"pw", ip).await.is_none());
    }
}
