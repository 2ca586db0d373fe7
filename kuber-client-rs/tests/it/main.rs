//! Integration tests of `kuber-client` against the real `kuber-server` binary.

mod blocking;
mod commands;
mod rest;
mod robustness;
mod server;
