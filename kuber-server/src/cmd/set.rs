//! Set commands.

use super::table::CommandSpec;

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[];
