//! Kuber: a Redis-compatible cache server with regions and mandatory authentication.
//!
//! The binary in `main.rs` is a thin wrapper around [`Server`]; tests build servers on port 0 with
//! [`Server::build`] and talk to them over real sockets.

pub mod auth;
pub mod cmd;
pub mod config;
pub mod connection;
pub mod http;
pub mod json;
pub mod metrics;
pub mod notify;
pub mod persistence;
pub mod pubsub;
pub mod query;
pub mod script;
pub mod server;
pub mod session;
pub mod state;
pub mod store;

pub use config::Config;
pub use server::{Server, ServerError};
