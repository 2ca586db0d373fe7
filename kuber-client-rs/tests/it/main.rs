//! Integration tests of `kuber-client` against the real `kuber-server` binary.

mod blocking;
mod commands;
mod robustness;
mod server;
