//! The one integration-test binary of kuber-protocol: property tests of the codec (round trips,
//! arbitrary chunking, arbitrary input never panicking).

mod commands;
mod frames;
mod garbage;
mod support;
