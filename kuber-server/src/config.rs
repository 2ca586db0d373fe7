//! Typed configuration, layered: built-in defaults → `kuber.yaml` → `KUBER_*` environment → flags.
//! Unknown keys anywhere are errors that name the key.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Yaml};
use serde::{Deserialize, Serialize};

/// The whole file: everything lives under `kuber:`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The `kuber:` section.
    pub kuber: KuberConfig,
}

/// `kuber:`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KuberConfig {
    /// Listeners and limits.
    pub server: ServerConfig,
    /// Users file.
    pub security: SecurityConfig,
    /// Memory limits and defaults.
    pub cache: CacheConfig,
    /// Persistence backend.
    pub persistence: PersistenceConfig,
    /// ZooKeeper replication.
    pub replication: ReplicationConfig,
    /// Watched import folder.
    pub autoload: AutoloadConfig,
}

/// `kuber.server`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address both listeners bind.
    pub bind: String,
    /// RESP port (0 = any free port).
    pub port: u16,
    /// HTTP port.
    pub http_port: u16,
    /// Connections accepted at once.
    pub max_clients: usize,
    /// Close connections idle this long; 0 = never.
    pub idle_timeout_seconds: u64,
    /// Folder for the users file and embedded databases.
    pub data_dir: PathBuf,
    /// Worker threads; 0 = one per available CPU.
    pub threads: usize,
    /// Largest bulk string accepted (Redis `proto-max-bulk-len`).
    pub proto_max_bulk_len: u64,
    /// Bytes of published messages a subscriber may fall behind before it is disconnected
    /// (Redis's `client-output-buffer-limit pubsub` hard limit).
    pub pubsub_output_limit_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 6380,
            http_port: 8080,
            max_clients: 10_000,
            idle_timeout_seconds: 0,
            data_dir: PathBuf::from("./data"),
            threads: 0,
            proto_max_bulk_len: 512 * 1024 * 1024,
            pubsub_output_limit_bytes: 32 * 1024 * 1024,
        }
    }
}

/// `kuber.security`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Users file; defaults to `<data_dir>/users.json`.
    pub users_file: Option<PathBuf>,
}

/// `kuber.cache`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Bytes of keys and values before eviction; 0 = unlimited.
    pub max_memory: u64,
    /// Entries per region before eviction; 0 = unlimited.
    pub max_entries_per_region: u64,
    /// TTL in seconds for new regions' writes that give none; 0 = none.
    pub default_ttl_seconds: u64,
    /// Largest JSON document text `JSET`/`JUPDATE` accept, in bytes.
    pub max_json_document_bytes: u64,
    /// What happens past `max_memory`: evict least recently used keys (a cache's choice, the
    /// default) or refuse writes with `-OOM` (Redis's default, for data that must not vanish).
    pub eviction_policy: EvictionPolicy,
}

/// `kuber.cache.eviction_policy`, named as Redis's `maxmemory-policy` values.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum EvictionPolicy {
    /// Evict an approximately least recently used key of any region.
    #[default]
    #[serde(rename = "allkeys-lru")]
    AllkeysLru,
    /// Evict nothing; refuse commands that add data.
    #[serde(rename = "noeviction")]
    Noeviction,
}

impl EvictionPolicy {
    /// The Redis name.
    pub fn as_str(self) -> &'static str {
        match self {
            EvictionPolicy::AllkeysLru => "allkeys-lru",
            EvictionPolicy::Noeviction => "noeviction",
        }
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_memory: 0,
            max_entries_per_region: 0,
            default_ttl_seconds: 0,
            // Large enough for any document a cache should hold, small enough that one request
            // cannot make the server parse hundreds of megabytes.
            max_json_document_bytes: 16 << 20,
            eviction_policy: EvictionPolicy::default(),
        }
    }
}

/// Persistence backends.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Embedded SQLite (default).
    #[default]
    Sqlite,
    /// Embedded RocksDB.
    Rocksdb,
    /// PostgreSQL server.
    Postgresql,
    /// MongoDB-wire server.
    Mongodb,
    /// Nothing durable.
    Memory,
}

/// When a write counts as done.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PersistenceMode {
    /// Queue and flush in batches.
    #[default]
    WriteBehind,
    /// Reply after the backend confirmed.
    WriteThrough,
}

/// `kuber.persistence`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PersistenceConfig {
    /// Which backend.
    pub backend: Backend,
    /// Write-behind or write-through.
    pub mode: PersistenceMode,
    /// Write-behind: the longest a change waits in the journal before it is flushed.
    pub flush_interval_ms: u64,
    /// A flush starts early once this many keys are waiting; also the most changes per backend
    /// transaction.
    pub batch_size: usize,
    /// Keys that may wait in the journal; writers wait (never dropped) while it is full.
    pub max_queue: usize,
    /// SQLite settings.
    pub sqlite: PathSetting,
    /// RocksDB settings.
    pub rocksdb: PathSetting,
    /// PostgreSQL settings.
    pub postgresql: UrlSetting,
    /// MongoDB settings.
    pub mongodb: MongoSetting,
}

impl Default for PersistenceConfig {
    fn default() -> Self {
        Self {
            backend: Backend::default(),
            mode: PersistenceMode::default(),
            flush_interval_ms: 100,
            batch_size: 10_000,
            max_queue: 200_000,
            sqlite: PathSetting::default(),
            rocksdb: PathSetting::default(),
            postgresql: UrlSetting::default(),
            mongodb: MongoSetting::default(),
        }
    }
}

/// `{ path: … }`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PathSetting {
    /// File or folder.
    pub path: Option<PathBuf>,
}

/// `{ url: … }`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UrlSetting {
    /// Connection URL.
    pub url: Option<String>,
}

/// `{ uri: …, database: … }`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MongoSetting {
    /// Connection URI.
    pub uri: Option<String>,
    /// Database name.
    pub database: Option<String>,
}

/// `kuber.replication`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicationConfig {
    /// Off by default.
    pub enabled: bool,
    /// ZooKeeper connect string.
    pub zookeeper: String,
    /// Root znode.
    pub root: String,
    /// Node id, `auto` for a generated one.
    pub node_id: String,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            zookeeper: "127.0.0.1:2181".into(),
            root: "/kuber".into(),
            node_id: "auto".into(),
        }
    }
}

/// `kuber.autoload`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AutoloadConfig {
    /// Off by default.
    pub enabled: bool,
    /// Folder with `inbox/` and `outbox/`; defaults to `<data_dir>/autoload`.
    pub dir: Option<PathBuf>,
}

/// Settings given as command-line flags; they win over every other layer.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--bind`
    pub bind: Option<String>,
    /// `--port`
    pub port: Option<u16>,
    /// `--http-port`
    pub http_port: Option<u16>,
    /// `--data-dir`
    pub data_dir: Option<PathBuf>,
    /// `--users`
    pub users_file: Option<PathBuf>,
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads defaults, then `file` (if given, it must exist), then `KUBER_SECTION__KEY` variables
    /// from `env`, then `overrides`.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Yaml::file_exact(path));
        }
        // Only double-underscore variables are settings: KUBER_ADMIN_PASSWORD and the like are not.
        let mut vars = String::new();
        for (name, value) in env {
            if let Some(rest) = name.strip_prefix("KUBER_").filter(|r| r.contains("__")) {
                let path = rest.to_ascii_lowercase().replace("__", ".");
                figment = figment.merge(Serialized::global(
                    &format!("kuber.{path}"),
                    env_value(value),
                ));
                vars.push_str(name);
            }
        }
        let mut config: Config = figment.extract().map_err(|e| ConfigError(describe(e)))?;
        let server = &mut config.kuber.server;
        if let Some(bind) = &overrides.bind {
            server.bind = bind.clone();
        }
        if let Some(port) = overrides.port {
            server.port = port;
        }
        if let Some(port) = overrides.http_port {
            server.http_port = port;
        }
        if let Some(dir) = &overrides.data_dir {
            server.data_dir = dir.clone();
        }
        if let Some(users) = &overrides.users_file {
            config.kuber.security.users_file = Some(users.clone());
        } else if overrides.data_dir.is_some() {
            // --data-dir moves the users file with it unless --users says otherwise.
            config.kuber.security.users_file = None;
        }
        config.validate()?;
        Ok(config)
    }

    /// The users file path in effect.
    pub fn users_file(&self) -> PathBuf {
        self.kuber
            .security
            .users_file
            .clone()
            .unwrap_or_else(|| self.kuber.server.data_dir.join("users.json"))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let server = &self.kuber.server;
        if server.max_clients == 0 {
            return Err(ConfigError(
                "kuber.server.max_clients must be at least 1".into(),
            ));
        }
        if server.proto_max_bulk_len < 1024 {
            return Err(ConfigError(
                "kuber.server.proto_max_bulk_len must be at least 1024".into(),
            ));
        }
        Ok(())
    }
}

/// Environment values are typed like YAML scalars: numbers and booleans become numbers and booleans.
fn env_value(value: &str) -> figment::value::Value {
    serde_yaml_scalar(value)
}

fn serde_yaml_scalar(value: &str) -> figment::value::Value {
    use figment::value::Value;
    if let Ok(n) = value.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(n) = value.parse::<i64>() {
        return Value::from(n);
    }
    match value {
        "true" => Value::from(true),
        "false" => Value::from(false),
        _ => Value::from(value.to_string()),
    }
}

fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let path = e.path.join(".");
            let what = e.kind.to_string();
            let origin = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if path.is_empty() {
                format!("{what}{origin}")
            } else {
                format!("{what} in `{path}`{origin}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_match_the_spec() {
        let c = Config::load(None, &[], &Overrides::default()).unwrap();
        assert_eq!(c.kuber.server.port, 6380);
        assert_eq!(c.kuber.server.http_port, 8080);
        assert_eq!(c.kuber.server.bind, "127.0.0.1");
        assert_eq!(c.kuber.persistence.backend, Backend::Sqlite);
        assert_eq!(c.users_file(), PathBuf::from("./data/users.json"));
    }

    #[test]
    fn layers_file_env_flags() {
        let f = write(
            "kuber:\n  server: { port: 7000, http_port: 9000 }\n  persistence: { backend: memory, mode: write-through }\n",
        );
        let env = vec![
            ("KUBER_SERVER__PORT".to_string(), "7001".to_string()),
            ("KUBER_ADMIN_PASSWORD".into(), "x".into()),
        ];
        let c = Config::load(
            Some(f.path()),
            &env,
            &Overrides {
                data_dir: Some("/tmp/k".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.kuber.server.port, 7001);
        assert_eq!(c.kuber.server.http_port, 9000);
        assert_eq!(c.kuber.persistence.backend, Backend::Memory);
        assert_eq!(c.kuber.persistence.mode, PersistenceMode::WriteThrough);
        assert_eq!(c.users_file(), PathBuf::from("/tmp/k/users.json"));
        let c = Config::load(
            Some(f.path()),
            &env,
            &Overrides {
                port: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.kuber.server.port, 1);
    }

    #[test]
    fn eviction_policy_takes_redis_names() {
        let f = write("kuber:\n  cache: { max_memory: 1000, eviction_policy: noeviction }\n");
        let c = Config::load(Some(f.path()), &[], &Overrides::default()).unwrap();
        assert_eq!(c.kuber.cache.eviction_policy, EvictionPolicy::Noeviction);
        let env = vec![(
            "KUBER_CACHE__EVICTION_POLICY".to_string(),
            "allkeys-lru".to_string(),
        )];
        let c = Config::load(Some(f.path()), &env, &Overrides::default()).unwrap();
        assert_eq!(c.kuber.cache.eviction_policy, EvictionPolicy::AllkeysLru);
        let f = write("kuber:\n  cache: { eviction_policy: volatile-ttl }\n");
        let err = Config::load(Some(f.path()), &[], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("volatile-ttl"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let f = write("kuber:\n  server: { prot: 7000 }\n");
        let err = Config::load(Some(f.path()), &[], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("prot"), "{err}");
        let env = vec![("KUBER_CACHE__MAX_MEMROY".to_string(), "1".to_string())];
        let err = Config::load(None, &env, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_memroy"), "{err}");
    }

    #[test]
    fn bad_values_are_errors() {
        let f = write("kuber:\n  persistence: { backend: oracle }\n");
        let err = Config::load(Some(f.path()), &[], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("oracle") || err.contains("backend"), "{err}");
        assert!(
            Config::load(
                Some(Path::new("/nonexistent.yaml")),
                &[],
                &Overrides::default()
            )
            .is_err()
        );
    }
}
