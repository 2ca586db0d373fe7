//! SWAPDB: two keyspaces exchange their keys. Everything that belongs to a key's data moves with
//! it (the table, the expiry index, memory counts); everything that belongs to the region stays
//! (WATCH registrations, blocked clients, statistics, limits, JSON index definitions and the
//! journal), as in Redis, where watched and blocking keys are per database number.

use bytes::Bytes;

use super::Keyspace;
use crate::persistence::Change;
use crate::store::value::Value;

/// Why two keyspaces could not be swapped.
#[derive(Debug, PartialEq, Eq)]
pub enum SwapError {
    /// A value lives only in the persistence backend under its region's name; swapping would
    /// need the backend to move it, so the command is refused and nothing changes.
    ValuesOnDisk,
}

impl Keyspace {
    /// Exchanges every key of `self` with every key of `other`. Transactions watching a key that
    /// exists on either side fail; clients blocked on a key that now holds a value are woken;
    /// each side's journal is told to replace the region's stored contents.
    pub fn swap_contents(&mut self, other: &mut Keyspace) -> Result<(), SwapError> {
        if !self.on_disk.is_empty() || !other.on_disk.is_empty() {
            return Err(SwapError::ValuesOnDisk);
        }
        // Watches first, while each key is still where its watchers saw it: a key that exists on
        // either side changes (appears, disappears or gets another value).
        self.touch_watched_present_in(other);
        other.touch_watched_present_in(self);

        std::mem::swap(&mut self.slots, &mut other.slots);
        // The slot a key lives in depends on the hasher, so it travels with the table.
        std::mem::swap(&mut self.hasher, &mut other.hasher);
        std::mem::swap(&mut self.books.len, &mut other.books.len);
        std::mem::swap(&mut self.books.expiries, &mut other.books.expiries);
        let (mine, theirs) = (self.books.memory as i64, other.books.memory as i64);
        // The global counter is unchanged: the same bytes are merely counted by the other side.
        self.books.memory = theirs as usize;
        other.books.memory = mine as usize;

        for keyspace in [self, other] {
            keyspace.rebuild_json_entries();
            keyspace.journal_whole_region();
            keyspace.wake_blocked_on_present_keys();
        }
        Ok(())
    }

    /// Marks failed every transaction watching a key of `self` that exists here or in `other`.
    fn touch_watched_present_in(&mut self, other: &Keyspace) {
        if self.watches.flags.is_empty() {
            return;
        }
        let watched: Vec<Bytes> = self.watches.flags.keys().cloned().collect();
        for key in watched {
            if self.find_live(&key) || other.find_live(&key) {
                self.watches.touch(&key);
            }
        }
    }

    /// Re-fills the JSON indexes (their definitions stay with the region) from the documents the
    /// keyspace holds now.
    fn rebuild_json_entries(&mut self) {
        if self.books.json.is_empty() {
            return;
        }
        self.books.json.clear_entries();
        for slot in &self.slots {
            for entry in slot {
                if let Value::Json(doc) = &entry.value {
                    self.books.json.insert(&entry.key, doc.value());
                }
            }
        }
    }

    /// Tells persistence that the region's stored contents are replaced: a purge, then every key
    /// now held as changed (the flusher writes their current values after the purge).
    fn journal_whole_region(&mut self) {
        let Some((region, journal)) = &self.books.journal else {
            return;
        };
        journal.push_op(Change::PurgeRegion(region.clone()));
        for slot in &self.slots {
            for entry in slot {
                journal.mark(region, &entry.key);
            }
        }
    }

    /// Signals every key a client is blocked on that now holds a value ("SWAPDB awakes blocked
    /// client").
    fn wake_blocked_on_present_keys(&mut self) {
        if self.waiters.is_empty() {
            return;
        }
        let keys: Vec<Bytes> = self.waiters.keys().cloned().collect();
        for key in keys {
            if self.find_live(&key) {
                self.signal_ready(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::{server, settle, spawn_run};

    #[tokio::test]
    async fn swapdb_exchanges_keys_ttls_and_counts() {
        let s = server();
        let mut c = s.client(Role::Admin);
        c.run("SET a 1").await;
        c.run("SET t 2 PX 100000").await;
        c.run("SELECT 1").await;
        c.run("RPUSH l x y").await;
        assert_eq!(c.run("SWAPDB 0 1").await, "+OK\r\n");
        // This client is still on database 1, which now holds database 0's keys.
        assert_eq!(c.run("DBSIZE").await, ":2\r\n");
        assert_eq!(c.run("GET a").await, "$1\r\n1\r\n");
        let pttl = c.run("PTTL t").await;
        let ms: i64 = pttl.trim_start_matches(':').trim_end().parse().unwrap();
        assert!((90_000..=100_000).contains(&ms), "{pttl}");
        assert_eq!(c.run("EXISTS l").await, ":0\r\n");
        c.run("SELECT 0").await;
        assert_eq!(c.run("LRANGE l 0 -1").await, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
        assert_eq!(c.run("DBSIZE").await, ":1\r\n");
        // The keys stay usable: writes land in the table they moved to.
        c.run("SET b 3").await;
        assert_eq!(c.run("DBSIZE").await, ":2\r\n");
        s.assert_memory_consistent();
    }

    #[tokio::test]
    async fn swapdb_answers_like_redis_on_bad_input() {
        let s = server();
        let mut c = s.client(Role::Admin);
        assert_eq!(c.run("SWAPDB 0 0").await, "+OK\r\n");
        assert_eq!(c.run("SWAPDB x 1").await, "-ERR invalid first DB index\r\n");
        assert_eq!(
            c.run("SWAPDB 1 y").await,
            "-ERR invalid second DB index\r\n"
        );
        assert_eq!(
            c.run("SWAPDB -1 1").await,
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            c.run("SWAPDB 1").await,
            "-ERR wrong number of arguments for 'swapdb' command\r\n"
        );
        let mut user = s.client(Role::User);
        assert!(user.run("SWAPDB 0 1").await.starts_with("-NOPERM"));
    }

    #[tokio::test]
    async fn swapdb_fails_transactions_watching_keys_that_change() {
        let s = server();
        let mut c = s.client(Role::Admin);
        let mut other = s.client(Role::Admin);
        // The watched key exists: SWAPDB removes it from this database.
        c.run("SET x 30").await;
        c.run("WATCH x").await;
        other.run("SWAPDB 0 1").await;
        c.run("MULTI").await;
        c.run("PING").await;
        assert_eq!(c.run("EXEC").await, "*-1\r\n");
        // The watched key is missing here but exists on the other side: SWAPDB creates it.
        c.run("WATCH x").await;
        other.run("SWAPDB 0 1").await;
        c.run("MULTI").await;
        c.run("PING").await;
        assert_eq!(c.run("EXEC").await, "*-1\r\n");
        // Missing on both sides: nothing changes.
        c.run("WATCH nothing").await;
        other.run("SWAPDB 0 1").await;
        c.run("MULTI").await;
        c.run("PING").await;
        assert_eq!(c.run("EXEC").await, "*1\r\n+PONG\r\n");
    }

    #[tokio::test]
    async fn swapdb_wakes_a_client_blocked_on_a_key_that_arrives() {
        let s = server();
        let mut admin = s.client(Role::Admin);
        admin.run("SELECT 1").await;
        admin.run("RPUSH q job").await;
        let waiter = spawn_run!(s.client(Role::Admin), "BLPOP q 0");
        settle().await;
        assert!(!waiter.is_finished());
        admin.run("SWAPDB 0 1").await;
        let (_, reply) = waiter.await.unwrap();
        assert_eq!(reply, "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
    }

    #[tokio::test]
    async fn swapdb_keeps_json_indexes_with_their_region() {
        let s = server();
        let mut c = s.client(Role::Admin);
        c.run("JINDEX CREATE default city_idx $.city HASH").await;
        c.run("SELECT 1").await;
        c.run_args(vec![
            "JSET".into(),
            "p1".into(),
            r#"{"city":"Oslo"}"#.into(),
        ])
        .await;
        c.run("SWAPDB 0 1").await;
        c.run("SELECT 0").await;
        let found = c.run("JSEARCH $.city=Oslo").await;
        assert!(found.contains("p1"), "{found}");
        assert!(
            c.run("JSEARCH $.city=Oslo EXPLAIN")
                .await
                .contains("city_idx")
        );
    }
}
