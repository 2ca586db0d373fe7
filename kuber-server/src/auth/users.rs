//! The users file: `{"users":[{"username","password","roles":[…],"enabled":true}]}` with hashed
//! passwords, and the bootstrap that writes it on first start.

use std::collections::HashMap;
use std::path::Path;

use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

use super::password::{hash_password, is_supported_hash};
use super::{AuthError, Role};

/// One user as stored in the file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    /// Login name.
    pub username: String,
    /// Argon2 or bcrypt hash in PHC / modular-crypt form; never clear text.
    pub password: String,
    /// Granted roles; the strongest one applies.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// A disabled user cannot log in.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<UserRecord>,
}

/// Reads and validates a users file.
pub fn load(path: &Path) -> Result<HashMap<String, UserRecord>, AuthError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| AuthError::Io(path.display().to_string(), e))?;
    let file: UsersFile = serde_json::from_str(&text)
        .map_err(|e| AuthError::Format(path.display().to_string(), e.to_string()))?;
    let mut users = HashMap::new();
    for user in file.users {
        if !is_supported_hash(&user.password) {
            return Err(AuthError::ClearTextPassword {
                path: path.display().to_string(),
                username: user.username,
            });
        }
        if users.insert(user.username.clone(), user).is_some() {
            return Err(AuthError::Format(
                path.display().to_string(),
                "a username appears twice".into(),
            ));
        }
    }
    Ok(users)
}

/// Writes the users file with owner-only permissions.
pub fn save(path: &Path, users: &HashMap<String, UserRecord>) -> Result<(), AuthError> {
    let mut list: Vec<UserRecord> = users.values().cloned().collect();
    list.sort_by(|a, b| a.username.cmp(&b.username));
    let text = serde_json::to_string_pretty(&UsersFile { users: list }).expect("users serialise");
    let io = |e| AuthError::Io(path.display().to_string(), e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n").map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Writes a users file holding only `admin`. Returns the users and, when no password was given,
/// the generated one (to be printed once; it is stored only as a hash).
pub fn bootstrap(
    path: &Path,
    admin_password: Option<String>,
) -> Result<(HashMap<String, UserRecord>, Option<String>), AuthError> {
    let (password, generated) = match admin_password.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => {
            let p: String = rand::rng()
                .sample_iter(&Alphanumeric)
                .take(24)
                .map(char::from)
                .collect();
            (p, true)
        }
    };
    let admin = UserRecord {
        username: "admin".into(),
        password: hash_password(password.as_bytes()),
        roles: vec![Role::Admin],
        enabled: true,
    };
    let users = HashMap::from([(admin.username.clone(), admin)]);
    save(path, &users)?;
    Ok((users, generated.then_some(password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_writes_a_hashed_admin_and_load_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/users.json");
        let (_, generated) = bootstrap(&path, None).unwrap();
        let generated = generated.unwrap();
        assert_eq!(generated.len(), 24);
        let users = load(&path).unwrap();
        let admin = &users["admin"];
        assert!(admin.password.starts_with("$argon2id$"));
        assert!(!std::fs::read_to_string(&path).unwrap().contains(&generated));
        assert_eq!(admin.roles, vec![Role::Admin]);
        let (_, none) = bootstrap(&path, Some("given".into())).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn clear_text_passwords_are_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        std::fs::write(
            &path,
            r#"{"users":[{"username":"bob","password":"hunter2","roles":["USER"]}]}"#,
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("bob") && err.contains("kuber-server hash-password"),
            "{err}"
        );
    }

    #[test]
    fn unknown_fields_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        std::fs::write(&path, r#"{"users":[],"extra":1}"#).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("extra"));
    }
}
