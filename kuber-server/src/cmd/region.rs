//! Region commands: REGIONS, RCREATE, RDROP, RPURGE, RSELECT, RINFO.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is, text};
use super::reply::{self, err};
use crate::auth::Role;
use crate::store::{RegionSettings, StoreError};

/// The reply for a store error, with Kuber's error codes.
pub(super) fn store_error(e: StoreError) -> Frame {
    match e {
        StoreError::RegionExists(_) => reply::coded("REGIONEXISTS", e),
        StoreError::Captive(_) => reply::coded("REGIONCAPTIVE", e),
        StoreError::InvalidName(_) | StoreError::NoSuchRegion(_) => reply::err_msg(e),
    }
}

/// Switches the session to `name`, creating the region when the caller may write.
pub(super) fn switch_to(ctx: &mut Ctx<'_>, name: &str) -> Frame {
    let region = match ctx.state.store.region(name) {
        Some(region) => region,
        None if ctx.role() == Role::Reader => {
            return store_error(StoreError::NoSuchRegion(name.to_string()));
        }
        None => match ctx.state.store.get_or_create(name) {
            Ok(region) => region,
            Err(e) => return store_error(e),
        },
    };
    ctx.session.set_region(region);
    Frame::ok()
}

pub(super) fn regions(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    Frame::Array(
        ctx.state
            .store
            .region_names()
            .into_iter()
            .map(Frame::bulk)
            .collect(),
    )
}

/// `RCREATE name [description] [TTL seconds] [MAXENTRIES n]`
pub(super) fn rcreate(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let name = text(&args[1]);
    let mut settings = RegionSettings::default();
    let mut i = 2;
    let is_option =
        |i: usize| i + 1 < args.len() && (is(&args[i], "TTL") || is(&args[i], "MAXENTRIES"));
    if i < args.len() && !is_option(i) {
        settings.description = text(&args[i]);
        i += 1;
    }
    while i < args.len() {
        if !is_option(i) {
            return err(reply::SYNTAX);
        }
        let value = match int(&args[i + 1]) {
            Ok(v) if v >= 0 => v as u64,
            Ok(_) => return err(reply::NOT_INTEGER),
            Err(e) => return e,
        };
        if is(&args[i], "TTL") {
            settings.default_ttl_seconds = value;
        } else {
            settings.max_entries = value;
        }
        i += 2;
    }
    match ctx.state.store.create(&name, settings) {
        Ok(_) => Frame::ok(),
        Err(e) => store_error(e),
    }
}

pub(super) fn rdrop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    match ctx.state.store.drop_region(&text(&args[1])) {
        Ok(()) => {
            ctx.state.save_json_indexes();
            Frame::ok()
        }
        Err(e) => store_error(e),
    }
}

pub(super) fn rpurge(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let name = text(&args[1]);
    match ctx.state.store.region(&name) {
        Some(region) => {
            region.lock().clear();
            Frame::ok()
        }
        None => store_error(StoreError::NoSuchRegion(name)),
    }
}

pub(super) fn rselect(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    switch_to(ctx, &text(&args[1]))
}

/// `RINFO [name]`, the current region by default.
pub(super) fn rinfo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let region = match args.get(1) {
        None => ctx.session.region.clone(),
        Some(name) if args.len() == 2 => match ctx.state.store.region(&text(name)) {
            Some(region) => region,
            None => return store_error(StoreError::NoSuchRegion(text(name))),
        },
        Some(_) => return err(reply::SYNTAX),
    };
    Frame::Bulk(Bytes::from(region.info_json().to_string()))
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn regions_are_isolated_keyspaces() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("REGIONS").await, "*1\r\n$7\r\ndefault\r\n");
        assert_eq!(
            c.run("RCREATE users \"the users\" TTL 60 MAXENTRIES 100")
                .await,
            "+OK\r\n"
        );
        assert_eq!(
            c.run("RCREATE users").await,
            "-REGIONEXISTS region 'users' already exists\r\n"
        );
        assert_eq!(
            c.run("RCREATE bad-name").await,
            "-ERR invalid region name 'bad-name': use 1-64 characters of [A-Za-z0-9_] with at least one letter\r\n"
        );
        assert_eq!(c.run("RCREATE x desc TTL").await, "-ERR syntax error\r\n");
        c.run("SET k default-value").await;
        assert_eq!(c.run("RSELECT users").await, "+OK\r\n");
        assert_eq!(c.run("GET k").await, "$-1\r\n");
        c.run("SET k users-value").await;
        assert_eq!(c.run("SELECT default").await, "+OK\r\n");
        assert_eq!(c.run("GET k").await, "$13\r\ndefault-value\r\n");
        assert_eq!(
            c.run("REGIONS").await,
            "*2\r\n$7\r\ndefault\r\n$5\r\nusers\r\n"
        );
        assert_eq!(
            c.run("SELECT -1").await,
            "-ERR DB index is out of range\r\n"
        );
    }

    #[tokio::test]
    async fn rinfo_reports_settings_and_stats() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RCREATE users \"the users\" TTL 60 MAXENTRIES 2")
            .await;
        c.run("RSELECT users").await;
        for k in ["a", "b", "c"] {
            c.run(&format!("SET {k} v")).await;
        }
        c.run("GET nope").await;
        let reply = c.run("RINFO users").await;
        let json: serde_json::Value =
            serde_json::from_str(reply.split("\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(json["name"], "users");
        assert_eq!(json["description"], "the users");
        assert_eq!(json["defaultTtl"], 60);
        assert_eq!(json["maxEntries"], 2);
        assert_eq!(json["entries"], 2);
        assert_eq!(json["stats"]["evicted"], 1);
        assert_eq!(json["stats"]["sets"], 3);
        assert_eq!(json["stats"]["misses"], 1);
        assert!(json["memoryBytes"].as_u64().unwrap() > 0);
        assert_eq!(
            c.run("RINFO nope").await,
            "-ERR region 'nope' does not exist\r\n"
        );
    }

    #[tokio::test]
    async fn drop_and_purge_need_admin() {
        let s = server();
        let mut user = s.client(Role::User);
        let mut admin = s.client(Role::Admin);
        user.run("RSELECT temp").await;
        user.run("SET k v").await;
        assert_eq!(
            user.run("RPURGE temp").await,
            "-NOPERM User app has no permissions to run the 'rpurge' command\r\n"
        );
        assert_eq!(admin.run("RPURGE temp").await, "+OK\r\n");
        assert_eq!(user.run("DBSIZE").await, ":0\r\n");
        user.run("SET k v").await;
        assert_eq!(admin.run("RDROP temp").await, "+OK\r\n");
        assert_eq!(
            admin.run("RDROP temp").await,
            "-ERR region 'temp' does not exist\r\n"
        );
        assert_eq!(
            admin.run("RDROP default").await,
            "-REGIONCAPTIVE region 'default' cannot be dropped\r\n"
        );
        // The user's session carries on in a fresh, empty region of the same name.
        assert_eq!(user.run("GET k").await, "$-1\r\n");
        assert_eq!(
            admin.run("REGIONS").await,
            "*2\r\n$7\r\ndefault\r\n$4\r\ntemp\r\n"
        );
    }

    #[tokio::test]
    async fn readers_cannot_create_regions() {
        let s = server();
        let mut reader = s.client(Role::Reader);
        assert_eq!(
            reader.run("RSELECT fresh").await,
            "-ERR region 'fresh' does not exist\r\n"
        );
        assert_eq!(
            reader.run("RCREATE fresh").await,
            "-NOPERM User reader has no permissions to run the 'rcreate' command\r\n"
        );
        assert_eq!(reader.run("RSELECT default").await, "+OK\r\n");
    }
}
