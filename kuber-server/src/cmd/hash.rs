//! Hash commands: HSET, HGET and the rest of the hash family.

use super::table::CommandSpec;

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[];
