//! Every error reply the server sends, in one place, worded exactly as Redis words them where
//! Redis has the same error, so clients that match on error text keep working.

use bytes::Bytes;
use kuber_protocol::Frame;

/// An error frame from a static message (no allocation on hot paths).
pub const fn err(msg: &'static str) -> Frame {
    Frame::Error(Bytes::from_static(msg.as_bytes()))
}

/// `-ERR syntax error`
pub const SYNTAX: &str = "ERR syntax error";
/// A command that adds data, refused under the `noeviction` policy past `maxmemory`.
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
/// Integer argument not parseable.
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
/// Float argument not parseable.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// INCR overflow.
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
/// INCRBYFLOAT to a non-finite result.
pub const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";
/// Type mismatch.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// Missing source key.
pub const NO_SUCH_KEY: &str = "ERR no such key";
/// A write-through write that the backend could not confirm (SPEC §7: never claim durability).
pub const PERSISTENCE_UNAVAILABLE: &str = "TRYAGAIN persistence unavailable";
/// Not authenticated.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// HELLO without credentials on an unauthenticated connection.
pub const NOAUTH_HELLO: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
/// Bad credentials.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// String growth over the bulk limit.
pub const TOO_BIG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
/// SETRANGE/GETRANGE offsets.
pub const OFFSET_RANGE: &str = "ERR offset is out of range";
/// SCAN cursor not an unsigned integer.
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
/// EXPIRE option conflicts.
pub const NX_XX_GT_LT: &str = "ERR NX and XX, GT or LT options at the same time are not compatible";
/// EXPIRE GT with LT.
pub const GT_LT: &str = "ERR GT and LT options at the same time are not compatible";
/// HELLO with an unknown protocol version.
pub const NOPROTO: &str = "NOPROTO unsupported protocol version";
/// Bad client name.
pub const BAD_CLIENT_NAME: &str =
    "ERR Client names cannot contain spaces, newlines or special characters.";
/// CLIENT KILL found nobody.
pub const NO_SUCH_CLIENT: &str = "ERR No such client";
/// SELECT with a negative index.
pub const DB_INDEX_RANGE: &str = "ERR DB index is out of range";
/// Connection limit.
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
/// Source and destination are the same (COPY).
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";

/// DECRBY of i64::MIN.
pub const DECR_OVERFLOW: &str = "ERR decrement would overflow";
/// HELLO with a non-numeric version.
pub const PROTOVER_NOT_INTEGER: &str = "ERR Protocol version is not an integer or out of range";
/// CLIENT LIST ID with a bad id.
pub const INVALID_CLIENT_ID: &str = "ERR Invalid client ID";
/// CLIENT KILL ID with a bad id.
pub const CLIENT_ID_POSITIVE: &str = "ERR client-id should be greater than 0";
/// SHUTDOWN ABORT.
pub const NO_SHUTDOWN: &str = "ERR No shutdown in progress.";

/// `-ERR Syntax error in HELLO option 'x'`
pub fn hello_option(opt: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR Syntax error in HELLO option '{}'",
        printable(opt, 128)
    ))
}

/// CLIENT SETINFO with a bad value.
pub fn bad_lib_info(attr: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR {} cannot contain spaces, newlines or special characters.",
        printable(attr, 64).to_lowercase()
    ))
}

/// `-ERR Unrecognized option 'x'`
pub fn unrecognized_option(opt: &[u8]) -> Frame {
    Frame::error(format!("ERR Unrecognized option '{}'", printable(opt, 64)))
}

/// `-ERR Unknown client type 'x'`
pub fn unknown_client_type(kind: &[u8]) -> Frame {
    Frame::error(format!("ERR Unknown client type '{}'", printable(kind, 64)))
}

/// `-ERR Unsupported option x` (EXPIRE family).
pub fn unsupported_option(opt: &[u8]) -> Frame {
    Frame::error(format!("ERR Unsupported option {}", printable(opt, 64)))
}

/// An error with a Kuber error code such as `REGIONEXISTS`.
pub fn coded(code: &str, msg: impl std::fmt::Display) -> Frame {
    Frame::error(format!("{code} {msg}"))
}

/// CONFIG SET with a non-integer value.
pub fn config_not_integer(name: &str) -> Frame {
    Frame::error(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - argument couldn't be parsed into an integer"
    ))
}

/// CONFIG SET with a value the parameter rejects, with Redis's reason.
pub fn config_invalid(name: &str, reason: &str) -> Frame {
    Frame::error(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"
    ))
}

/// CONFIG SET with a value out of range.
pub fn config_out_of_range(name: &str, min: i64, max: i64) -> Frame {
    Frame::error(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - argument must be between {min} and {max} inclusive"
    ))
}

/// MULTI inside MULTI.
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
/// EXEC outside a transaction.
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
/// DISCARD outside a transaction.
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
/// WATCH after MULTI.
pub const WATCH_IN_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
/// EXEC after a queueing error.
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
/// A NO_MULTI command inside MULTI.
pub const NOT_IN_MULTI: &str = "ERR Command not allowed inside a transaction";

/// DEBUG subcommands Kuber does not have.
pub fn debug_unsupported(sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR DEBUG {} is not supported by Kuber",
        printable(sub, 64).to_ascii_uppercase()
    ))
}

/// A RESP2 subscriber ran something other than subscription commands.
pub fn subscribed_context(command: &str) -> Frame {
    Frame::error(format!(
        "ERR Can't execute '{command}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    ))
}

/// SETBIT/GETBIT offset.
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
/// SETBIT value other than 0 or 1.
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";

/// `-ERR wrong number of arguments for 'cmd' command`
pub fn wrong_arity(name: &str) -> Frame {
    Frame::error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// `-ERR unknown command 'x', with args beginning with: 'a' 'b' `
pub fn unknown_command(args: &[Bytes]) -> Frame {
    let mut msg = format!(
        "ERR unknown command '{}', with args beginning with: ",
        printable(&args[0], 128)
    );
    for arg in args.iter().skip(1) {
        if msg.len() >= 128 {
            break;
        }
        msg.push_str(&format!("'{}' ", printable(arg, 128 - msg.len().min(128))));
    }
    Frame::error(msg)
}

/// `-ERR unknown subcommand 'x'. Try CMD HELP.`
pub fn unknown_subcommand(cmd: &str, sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        printable(sub, 128),
        cmd.to_ascii_uppercase()
    ))
}

/// `-NOPERM User u has no permissions to run the 'cmd' command`
pub fn noperm(user: &str, command: &str) -> Frame {
    Frame::error(format!(
        "NOPERM User {user} has no permissions to run the '{command}' command"
    ))
}

/// `-ERR invalid expire time in 'cmd' command`
pub fn invalid_expire(name: &str) -> Frame {
    Frame::error(format!("ERR invalid expire time in '{name}' command"))
}

/// An arbitrary `ERR` message.
pub fn err_msg(msg: impl std::fmt::Display) -> Frame {
    Frame::error(format!("ERR {msg}"))
}

/// Client bytes made safe to echo in an error line: no CR/LF, cut at `max` bytes.
pub fn printable(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).replace(['\r', '\n'], " ")
}

/// LPOP/RPOP count that is negative or not an integer.
pub const LIST_COUNT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// LSET past either end.
pub const LIST_INDEX_RANGE: &str = "ERR index out of range";
/// LPOS RANK 0.
pub const LIST_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
/// LPOS COUNT negative or not an integer.
pub const LIST_COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
/// LPOS MAXLEN negative or not an integer.
pub const LIST_MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
/// BLPOP/BRPOP/BLMOVE timeout that is not a number.
pub const LIST_TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
/// BLPOP/BRPOP/BLMOVE timeout below zero (or too large to represent, as in Redis).
pub const LIST_TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";

/// HINCRBY on a field whose value is not an integer.
pub const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
/// HINCRBYFLOAT on a field whose value is not a float.
pub const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
/// HINCRBYFLOAT with an infinite increment.
pub const HASH_INCR_NAN_OR_INF: &str = "ERR value is NaN or Infinity";
/// HRANDFIELD count too large (Redis: WITHVALUES past ±LONG_MAX/2; Kuber also caps repeats).
pub const HASH_OUT_OF_RANGE: &str = "ERR value is out of range";
/// HRANDFIELD count of i64::MIN (Redis's wording, grammar included).
pub const HASH_COUNT_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// SPOP with a negative or non-numeric count.
pub const SET_COUNT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// SRANDMEMBER with a count of -2^63 (its magnitude does not fit).
pub const SET_RANDOM_COUNT_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
/// SRANDMEMBER with a negative count past Kuber's bound on repeated members (not in Redis).
pub const SET_TOO_MANY_REPEATS: &str =
    "ERR value is out of range, a negative count must be at least -1048576";
/// SINTERCARD with a bad numkeys.
pub const SET_NUMKEYS: &str = "ERR numkeys should be greater than 0";
/// SINTERCARD numkeys larger than the arguments that follow.
pub const SET_NUMKEYS_ARGS: &str = "ERR Number of keys can't be greater than number of args";
/// SINTERCARD with a bad LIMIT.
pub const SET_LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

/// ZADD with both NX and XX.
pub const ZSET_XX_NX: &str = "ERR XX and NX options at the same time are not compatible";
/// ZADD with GT, LT and NX combined.
pub const ZSET_GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
/// ZADD INCR with more than one pair.
pub const ZSET_INCR_PAIR: &str = "ERR INCR option supports a single increment-element pair";
/// ZADD INCR / ZINCRBY adding -inf to +inf.
pub const ZSET_NAN: &str = "ERR resulting score is not a number (NaN)";
/// A bad score range bound (ZRANGEBYSCORE, ZCOUNT …).
pub const ZSET_MINMAX_FLOAT: &str = "ERR min or max is not a float";
/// A bad lex range bound (ZRANGEBYLEX, ZLEXCOUNT …).
pub const ZSET_MINMAX_LEX: &str = "ERR min or max not valid string range item";
/// ZRANGE … LIMIT without BYSCORE or BYLEX.
pub const ZSET_LIMIT_RANK: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
/// ZRANGE … BYLEX WITHSCORES.
pub const ZSET_WITHSCORES_LEX: &str =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
/// ZPOPMIN/ZPOPMAX with a negative or non-numeric count.
pub const ZSET_COUNT_POSITIVE: &str = "ERR value is out of range, must be positive";

/// LMPOP/BLMPOP with a COUNT below 1.
pub const LIST_MPOP_COUNT: &str = "ERR count should be greater than 0";
/// CLIENT UNBLOCK with a reason other than TIMEOUT or ERROR.
pub const CLIENT_UNBLOCK_REASON: &str = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
/// What a blocked client receives from CLIENT UNBLOCK … ERROR.
pub const CLIENT_UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
/// SORT without ALPHA meeting a weight that is not a number.
pub const LIST_SORT_NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";
/// ZUNIONSTORE/ZINTERSTORE with a weight that is not a float (or NaN).
pub const ZSET_WEIGHT_FLOAT: &str = "ERR weight value is not a float";
/// ZMPOP/BZMPOP COUNT that is not a positive integer.
pub const ZSET_COUNT_GT0: &str = "ERR count should be greater than 0";
/// ZRANDMEMBER count of -2^63 (its magnitude does not fit).
pub const ZSET_RANDOM_COUNT_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
/// ZRANDMEMBER WITHSCORES count past ±2^62, or a negative count past Kuber's bound on repeats.
pub const ZSET_OUT_OF_RANGE: &str = "ERR value is out of range";

/// ZUNION/ZINTER/ZDIFF/ZINTERCARD (and STORE forms) with numkeys below 1.
pub fn zset_at_least_one_key(command: &str) -> Frame {
    Frame::error(format!(
        "ERR at least 1 input key is needed for '{command}' command"
    ))
}

/// LCS over a key that holds another type.
pub const LCS_NOT_STRINGS: &str = "ERR The specified keys must contain string values";
/// LCS with both LEN and IDX.
pub const LCS_LEN_AND_IDX: &str =
    "ERR If you want both the length and indexes, please just use IDX.";
/// LCS whose table would exceed the bulk length limit.
pub const LCS_TOO_LARGE: &str =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

/// CONFIG SET of a memory setting with a value that is not a memory amount.
pub fn config_not_memory(name: &str) -> Frame {
    Frame::error(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - argument must be a memory value"
    ))
}

/// A stream ID argument that does not parse.
pub const STREAM_BAD_ID: &str = "ERR Invalid stream ID specified as stream command argument";
/// `(id` of a range start that cannot be incremented.
pub const STREAM_BAD_START: &str = "ERR invalid start ID for the interval";
/// `(id` of a range end that cannot be decremented.
pub const STREAM_BAD_END: &str = "ERR invalid end ID for the interval";
/// XADD with `0-0`.
pub const STREAM_ID_ZERO: &str = "ERR The ID specified in XADD must be greater than 0-0";
/// XADD with an ID at or below the last one.
pub const STREAM_ID_SMALL: &str =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
/// XADD on a stream whose last ID is the largest possible.
pub const STREAM_EXHAUSTED: &str =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
/// XADD/XTRIM with both MAXLEN and MINID.
pub const STREAM_MAXLEN_MINID: &str =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
/// Negative MAXLEN.
pub const STREAM_MAXLEN_NEGATIVE: &str = "ERR The MAXLEN argument must be >= 0.";
/// Negative LIMIT.
pub const STREAM_LIMIT_NEGATIVE: &str = "ERR The LIMIT argument must be >= 0.";
/// LIMIT without MAXLEN or MINID.
pub const STREAM_LIMIT_NO_STRATEGY: &str =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
/// LIMIT with an exact trim.
pub const STREAM_LIMIT_NO_APPROX: &str =
    "ERR syntax error, LIMIT cannot be used without the special ~ option";
/// XTRIM without MAXLEN or MINID.
pub const STREAM_XTRIM_NO_STRATEGY: &str =
    "ERR syntax error, XTRIM must be called with a trimming strategy";
/// XSETID below the last entry.
pub const STREAM_SETID_SMALL: &str =
    "ERR The ID specified in XSETID is smaller than the target stream top item";
/// XSETID below the max deleted ID.
pub const STREAM_SETID_BELOW_DELETED: &str =
    "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id";
/// XSETID MAXDELETEDID above the new last ID.
pub const STREAM_SETID_DELETED_ABOVE: &str =
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
/// XSETID ENTRIESADDED below the length.
pub const STREAM_SETID_ADDED_SMALL: &str =
    "ERR The entries_added specified in XSETID is smaller than the target stream length";
/// XSETID negative ENTRIESADDED.
pub const STREAM_ENTRIES_ADDED_NEGATIVE: &str = "ERR entries_added must be positive";
/// ENTRIESREAD below -1.
pub const STREAM_ENTRIES_READ: &str = "ERR value for ENTRIESREAD must be positive or -1";
/// XGROUP on a missing key without MKSTREAM.
pub const STREAM_XGROUP_NO_KEY: &str = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
/// XGROUP CREATE of an existing group.
pub const STREAM_BUSYGROUP: &str = "BUSYGROUP Consumer Group name already exists";
/// XREADGROUP without GROUP.
pub const STREAM_MISSING_GROUP: &str = "ERR Missing GROUP option for XREADGROUP";
/// XREAD with GROUP.
pub const STREAM_XREAD_GROUP: &str =
    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
/// XREAD with NOACK.
pub const STREAM_XREAD_NOACK: &str =
    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
/// XREADGROUP with `$`.
pub const STREAM_XREADGROUP_DOLLAR: &str = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.";
/// XREAD with `>`.
pub const STREAM_XREAD_GT: &str = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.";
/// A blocked XREADGROUP whose group was destroyed.
pub const STREAM_GROUP_GONE: &str =
    "NOGROUP the consumer group this client was blocked on no longer exists";
/// A blocked XREADGROUP whose stream was deleted or replaced.
pub const STREAM_KEY_GONE: &str = "UNBLOCKED the stream key no longer exists";
/// XREAD BLOCK with a bad timeout.
pub const STREAM_TIMEOUT_NOT_INTEGER: &str = "ERR timeout is not an integer or out of range";
/// XREAD BLOCK with a negative timeout.
pub const STREAM_TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";
/// XAUTOCLAIM COUNT out of range.
pub const STREAM_AUTOCLAIM_COUNT: &str = "ERR COUNT must be > 0";

/// `-NOGROUP No such key 'k' or consumer group 'g'` (XPENDING, XCLAIM, XAUTOCLAIM), with
/// `suffix` appended (XREADGROUP's ` in XREADGROUP with GROUP option`).
pub fn stream_nogroup(key: &[u8], group: &[u8], suffix: &str) -> Frame {
    Frame::error(format!(
        "NOGROUP No such key '{}' or consumer group '{}'{suffix}",
        printable(key, 128),
        printable(group, 128)
    ))
}

/// `-NOGROUP No such consumer group 'g' for key name 'k'` (XGROUP, XINFO).
pub fn stream_nogroup_for_key(group: &[u8], key: &[u8]) -> Frame {
    Frame::error(format!(
        "NOGROUP No such consumer group '{}' for key name '{}'",
        printable(group, 128),
        printable(key, 128)
    ))
}

/// `-ERR Unbalanced 'xread' list of streams: …`
pub fn stream_unbalanced(command: &str, symbol: char) -> Frame {
    Frame::error(format!(
        "ERR Unbalanced '{command}' list of streams: for each stream key an ID or '{symbol}' must be specified."
    ))
}

/// `-ERR unknown subcommand or wrong number of arguments for 'sub'. Try CMD HELP.`
pub fn subcommand_syntax(command: &str, sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        printable(sub, 128),
        command.to_ascii_uppercase()
    ))
}
