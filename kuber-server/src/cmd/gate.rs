//! Taking the exec gate without blocking a runtime thread on a script.
//!
//! Every command holds the gate for reading while it runs; EXEC and scripts hold it for writing.
//! EXEC holds it for microseconds, so while no script runs a command may block briefly for it.
//! A script may hold it for seconds (or until SCRIPT KILL), and on a single-threaded runtime a
//! blocked runtime thread could never serve that SCRIPT KILL: so while a script runs, commands
//! only try the gate and wait asynchronously, and once the script is past the busy threshold they
//! get `-BUSY` — except `allow-busy` commands, which run without the gate at all.

use std::time::Duration;

use bytes::Bytes;
use kuber_protocol::Frame;
use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use super::args::is;
use super::reply::err;
use super::table::{self, CommandSpec};
use crate::state::ServerState;

/// The longest a runtime thread blocks for the gate while no script runs (EXEC holds it briefly).
const BLOCK_AT_MOST: Duration = Duration::from_millis(2);
/// How often a waiting command looks at the gate again while a script holds it.
const POLL: Duration = Duration::from_millis(1);

/// True for the commands Redis flags `allow-busy`: they are served while a script runs.
pub(super) fn allows_busy(spec: &CommandSpec, args: &[Bytes]) -> bool {
    // SCRIPT KILL and FUNCTION KILL (and FUNCTION STATS) are the subcommands with the flag; the
    // table has one row per command.
    spec.has(table::ALLOW_BUSY)
        || (matches!(spec.name, "script" | "function")
            && args.get(1).is_some_and(|a| is(a, "KILL")))
        || (spec.name == "function" && args.get(1).is_some_and(|a| is(a, "STATS")))
}

/// The reply to a command refused because a script is busy.
pub(super) fn busy(state: &ServerState) -> Frame {
    err(state.scripts.busy_reply())
}

/// Holds the gate for reading, or nothing for an `allow-busy` command while a script runs; `Err`
/// is the `-BUSY` reply.
pub(super) async fn read(
    state: &ServerState,
    allow_busy: bool,
) -> Result<Option<RwLockReadGuard<'_, ()>>, Frame> {
    loop {
        if !state.scripts.is_running() {
            if let Some(guard) = state.exec_gate.try_read_for(BLOCK_AT_MOST) {
                return Ok(Some(guard));
            }
        } else if allow_busy {
            return Ok(None);
        } else if let Some(guard) = state.exec_gate.try_read() {
            return Ok(Some(guard));
        }
        if state.scripts.is_busy() {
            return Err(busy(state));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Holds the gate for writing (EXEC); `Err` is the `-BUSY` reply.
pub(super) async fn write(state: &ServerState) -> Result<RwLockWriteGuard<'_, ()>, Frame> {
    loop {
        if !state.scripts.is_running() {
            if let Some(guard) = state.exec_gate.try_write_for(BLOCK_AT_MOST) {
                return Ok(guard);
            }
        } else if let Some(guard) = state.exec_gate.try_write() {
            return Ok(guard);
        }
        if state.scripts.is_busy() {
            return Err(busy(state));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until no script runs (a new script then takes the gate on its own thread); `Err` is the
/// `-BUSY` reply.
pub(super) async fn wait_for_no_script(state: &ServerState) -> Result<(), Frame> {
    while state.scripts.is_running() {
        if state.scripts.is_busy() {
            return Err(busy(state));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}
