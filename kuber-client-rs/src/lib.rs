//! Kuber's client SDK core: [`KuberClient`], an async RESP client over `kuber-protocol` (pooled
//! connections, pipelines, per-call regions, re-authentication after reconnect, deadlines, RESP3
//! when the server offers it), [`KuberRestClient`] for the REST API, and [`blocking`] twins of
//! both. The Python and Java SDKs wrap this crate; they never re-implement it.
//!
//! ```no_run
//! # async fn demo() -> kuber_client::Result<()> {
//! use kuber_client::KuberClient;
//! let client = KuberClient::connect("127.0.0.1", 6380, "admin", "secret").await?;
//! client.set("greeting", "hello", None, None).await?;
//! assert_eq!(client.get("greeting", None).await?.as_deref(), Some(&b"hello"[..]));
//! client.set("greeting", "hallo", None, Some("german")).await?; // region `german`, nothing else changes
//! # Ok(()) }
//! ```

pub mod blocking;
mod client;
mod commands;
mod config;
mod connection;
mod error;
mod pool;
mod reply;
mod rest;

pub use client::{KuberClient, Pipeline};
pub use commands::{KeyInfo, Page, RegionOptions};
pub use config::ClientConfig;
pub use connection::Command;
pub use error::{Error, ErrorKind, Result};
pub use kuber_protocol::Frame;
pub use reply::frame_to_json;
pub use rest::{KuberRestClient, RestEntry};
