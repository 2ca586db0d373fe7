//! Integration tests of `kuber-server`: servers started in-process on port 0, driven over real
//! sockets with raw RESP bytes and with the `redis` crate. One binary, so one link step.

mod lifecycle;
mod protocol;
mod redis_client;
mod support;
