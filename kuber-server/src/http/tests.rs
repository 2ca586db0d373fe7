//! Router tests without a socket (`oneshot`): every route, its success and its error statuses, the
//! error body shape, authentication, roles, body limits and the OpenAPI document.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::router;
use crate::auth::{Role, UserChange};
use crate::cmd::testing::{TestServer, server};

const ADMIN: (&str, &str) = ("admin", "secret");
const READER: (&str, &str) = ("reader", "reader-password");

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts an error reply with the standard body.
    fn error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
}

fn app() -> (TestServer, Router) {
    let s = server();
    // The unit-test authenticator is shared: add the reader once (a second add is refused).
    let _ = s.state.auth.change_user(UserChange {
        username: READER.0.into(),
        create: true,
        password: Some(READER.1.into()),
        roles: Some(vec![Role::Reader]),
        enabled: Some(true),
    });
    let router = router(s.state.clone());
    (s, router)
}

fn basic((user, password): (&str, &str)) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    auth: Option<(&str, &str)>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(creds) = auth {
        request = request.header(header::AUTHORIZATION, basic(creds));
    }
    let body = match body {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    raw(app, request.body(body).unwrap()).await
}

async fn raw(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn admin(app: &Router, method: &str, uri: &str, body: Option<Value>) -> Reply {
    send(app, method, uri, Some(ADMIN), body).await
}

#[tokio::test]
async fn authentication_is_required_except_for_ping_and_health() {
    let (_s, app) = app();
    assert_eq!(
        send(&app, "GET", "/api/v1/ping", None, None).await.json(),
        json!({"pong": true})
    );
    assert_eq!(
        send(&app, "GET", "/health", None, None).await.status,
        StatusCode::OK
    );
    for uri in [
        "/api/v1/regions",
        "/api/v1/info",
        "/api/regions",
        "/api/v1/cache/default/k",
    ] {
        let reply = send(&app, "GET", uri, None, None).await;
        reply.error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
        assert_eq!(
            reply.headers[header::WWW_AUTHENTICATE],
            "Basic realm=\"kuber\""
        );
    }
    send(
        &app,
        "GET",
        "/api/v1/regions",
        Some(("admin", "wrong")),
        None,
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let garbled = Request::get("/api/v1/regions")
        .header(header::AUTHORIZATION, "Basic ***")
        .body(Body::empty())
        .unwrap();
    raw(&app, garbled)
        .await
        .error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
}

#[tokio::test]
async fn system_routes() {
    let (_s, app) = app();
    let info = admin(&app, "GET", "/api/v1/info", None).await;
    assert_eq!(info.status, StatusCode::OK);
    assert!(
        info.json()["server"]["redis_version"].is_string(),
        "{}",
        info.text
    );
    let status = admin(&app, "GET", "/api/v1/status", None).await;
    assert_eq!(status.json()["status"], "ok");
    let stats = admin(&app, "GET", "/api/v1/stats", None).await.json();
    assert!(
        stats["regions"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["name"] == "default"))
    );
    let metrics = send(&app, "GET", "/metrics", None, None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .text
            .contains("kuber_commands_total{command=\"info\",result=\"ok\"} 1\n"),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains("kuber_command_duration_seconds_bucket{command=\"info\",le=\"+Inf\"} 1\n")
    );
    assert!(
        metrics
            .text
            .contains("kuber_region_keys{region=\"default\"} 0\n")
    );
    send(&app, "GET", "/api/v1/nope", Some(ADMIN), None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    send(&app, "DELETE", "/api/v1/ping", None, None)
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn regions_lifecycle_and_errors() {
    let (_s, app) = app();
    let created = admin(
        &app,
        "POST",
        "/api/v1/regions",
        Some(json!({"name": "web", "description": "sessions", "defaultTtl": 60, "maxEntries": 10})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["defaultTtl"], 60);
    admin(
        &app,
        "POST",
        "/api/v1/regions",
        Some(json!({"name": "web"})),
    )
    .await
    .error(StatusCode::CONFLICT, "CONFLICT");
    admin(
        &app,
        "POST",
        "/api/v1/regions",
        Some(json!({"name": "bad name!"})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(&app, "POST", "/api/v1/regions", Some(json!({"name": 5})))
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "POST",
        "/api/v1/regions",
        Some(json!({"name": "x", "extra": 1})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let bad_json = Request::post("/api/v1/regions")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    raw(&app, bad_json)
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    // A body without a content type is still read as JSON (SPEC §6 answers 400 or success only).
    let no_type = Request::post("/api/v1/regions")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .body(Body::from(r#"{"name":"typeless"}"#))
        .unwrap();
    assert_eq!(raw(&app, no_type).await.status, StatusCode::CREATED);
    admin(&app, "DELETE", "/api/v1/regions/typeless", None).await;
    admin(
        &app,
        "POST",
        "/api/v1/regions",
        Some(json!({"name": "y", "defaultTtl": 1.5})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");

    let names: Vec<String> = admin(&app, "GET", "/api/v1/regions", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["default", "web"]);
    assert_eq!(
        admin(&app, "GET", "/api/v1/regions/web", None).await.json()["description"],
        "sessions"
    );
    admin(&app, "GET", "/api/v1/regions/nope", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(
        &app,
        "PUT",
        "/api/v1/cache/web/k",
        Some(json!({"value": "v"})),
    )
    .await;
    assert_eq!(
        admin(&app, "POST", "/api/v1/regions/web/purge", None)
            .await
            .json(),
        json!({"name": "web", "done": true})
    );
    admin(&app, "GET", "/api/v1/cache/web/k", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(&app, "POST", "/api/v1/regions/nope/purge", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(&app, "DELETE", "/api/v1/regions/default", None)
        .await
        .error(StatusCode::CONFLICT, "CONFLICT");
    assert_eq!(
        admin(&app, "DELETE", "/api/v1/regions/web", None)
            .await
            .status,
        StatusCode::OK
    );
    admin(&app, "DELETE", "/api/v1/regions/web", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    // The alias serves the same routes.
    assert_eq!(
        send(&app, "GET", "/api/regions/default", Some(ADMIN), None)
            .await
            .json()["name"],
        "default"
    );
}

#[tokio::test]
async fn entries_ttl_and_keys() {
    let (_s, app) = app();
    let put = admin(
        &app,
        "PUT",
        "/api/v1/cache/default/user%2F1%20%C3%A9",
        Some(json!({"value": "hello", "ttl": 100})),
    )
    .await;
    assert_eq!(
        put.json(),
        json!({"key": "user/1 é", "value": "hello", "type": "string", "ttl": 100})
    );
    let got = admin(&app, "GET", "/api/v1/cache/default/user%2F1%20%C3%A9", None)
        .await
        .json();
    assert_eq!(
        got,
        json!({"key": "user/1 é", "value": "hello", "type": "string", "ttl": 100})
    );
    assert_eq!(
        admin(
            &app,
            "PUT",
            "/api/v1/cache/default/n",
            Some(json!({"value": 42}))
        )
        .await
        .json()["value"],
        "42"
    );
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/n",
        Some(json!({"value": {"a": 1}})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/n",
        Some(json!({"value": "x", "ttl": 0})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/n",
        Some(json!({"value": "x", "ttl": -1})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    // A write into a missing region creates it, as RSELECT does.
    assert_eq!(
        admin(
            &app,
            "PUT",
            "/api/v1/cache/fresh/k",
            Some(json!({"value": "v"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    admin(&app, "GET", "/api/v1/cache/ghost/k", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");

    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/n/ttl", None)
            .await
            .json(),
        json!({"key": "n", "ttl": -1})
    );
    assert_eq!(
        admin(
            &app,
            "POST",
            "/api/v1/cache/default/n/expire",
            Some(json!({"seconds": 30}))
        )
        .await
        .json(),
        json!({"key": "n", "ttl": 30})
    );
    assert_eq!(
        admin(&app, "DELETE", "/api/v1/cache/default/n/expire", None)
            .await
            .json(),
        json!({"key": "n", "ttl": -1})
    );
    admin(
        &app,
        "POST",
        "/api/v1/cache/default/missing/expire",
        Some(json!({"seconds": 30})),
    )
    .await
    .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(&app, "GET", "/api/v1/cache/default/missing/ttl", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(
        &app,
        "POST",
        "/api/v1/cache/default/n/expire",
        Some(json!({"seconds": "soon"})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");

    let mset = admin(
        &app,
        "POST",
        "/api/v1/cache/default/mset",
        Some(json!({"entries": {"a": "1", "b": "2"}, "ttl": 50})),
    )
    .await;
    assert_eq!(mset.json(), json!({"stored": 2}));
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/a/ttl", None)
            .await
            .json()["ttl"],
        50
    );
    let mget = admin(
        &app,
        "POST",
        "/api/v1/cache/default/mget",
        Some(json!({"keys": ["a", "zz", "b"]})),
    )
    .await;
    assert_eq!(mget.json(), json!({"values": ["1", null, "2"]}));
    admin(
        &app,
        "POST",
        "/api/v1/cache/default/mget",
        Some(json!({"keys": []})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");

    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_owned();
    loop {
        let page = admin(
            &app,
            "GET",
            &format!("/api/v1/cache/default/keys?pattern=*&count=2&cursor={cursor}"),
            None,
        )
        .await
        .json();
        seen.extend(
            page["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_owned()),
        );
        cursor = page["cursor"].as_str().unwrap().to_owned();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(
        seen,
        ["a", "b", "n", "user/1 é"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let page = admin(
        &app,
        "GET",
        "/api/v1/cache/default/keys?pattern=n&details=true",
        None,
    )
    .await
    .json();
    assert_eq!(
        page["details"],
        json!([{"key": "n", "type": "string", "ttl": -1}])
    );
    assert!(
        admin(&app, "GET", "/api/v1/cache/default/keys?pattern=a", None)
            .await
            .json()
            .get("details")
            .is_none(),
        "details only when asked for"
    );
    admin(&app, "GET", "/api/v1/cache/default/keys?cursor=x", None)
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(&app, "GET", "/api/v1/cache/default/keys?count=0", None)
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");

    assert_eq!(
        admin(&app, "DELETE", "/api/v1/cache/default/a", None)
            .await
            .json(),
        json!({"key": "a", "deleted": true})
    );
    assert_eq!(
        admin(&app, "DELETE", "/api/v1/cache/default/a", None)
            .await
            .json(),
        json!({"key": "a", "deleted": false})
    );
    // Other types are shown by type.
    let mut c = _s.client(Role::User);
    assert_eq!(c.run("RPUSH l x y").await, ":2\r\n");
    assert_eq!(c.run("ZADD z 1.5 m").await, ":1\r\n");
    assert_eq!(c.run("XADD s 1-0 a 1 b 2").await, "$3\r\n1-0\r\n");
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/l", None)
            .await
            .json()["value"],
        json!(["x", "y"])
    );
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/z", None)
            .await
            .json()["value"],
        json!([{"member": "m", "score": 1.5}])
    );
    let stream = admin(&app, "GET", "/api/v1/cache/default/s", None)
        .await
        .json();
    assert_eq!(stream["type"], "stream");
    assert_eq!(
        stream["value"],
        json!([{"id": "1-0", "fields": {"a": "1", "b": "2"}}])
    );
    // Path traversal in a key is just a key.
    assert_eq!(
        admin(
            &app,
            "PUT",
            "/api/v1/cache/default/..%2F..%2Fetc%2Fpasswd",
            Some(json!({"value": "v"}))
        )
        .await
        .json()["key"],
        "../../etc/passwd"
    );
    // Invalid UTF-8 after percent-decoding.
    admin(&app, "GET", "/api/v1/cache/default/%FF%FE", None)
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
}

#[tokio::test]
async fn hashes() {
    let (_s, app) = app();
    assert_eq!(
        admin(
            &app,
            "PUT",
            "/api/v1/cache/default/h/hash/f1",
            Some(json!({"value": "v1"}))
        )
        .await
        .json(),
        json!({"field": "f1", "value": "v1"})
    );
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/h/hash/f2",
        Some(json!({"value": true})),
    )
    .await;
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/h/hash", None)
            .await
            .json(),
        json!({"f1": "v1", "f2": "true"})
    );
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/h/hash/f1", None)
            .await
            .json(),
        json!({"field": "f1", "value": "v1"})
    );
    admin(&app, "GET", "/api/v1/cache/default/h/hash/zz", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(&app, "GET", "/api/v1/cache/default/nohash/hash", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(
        admin(&app, "DELETE", "/api/v1/cache/default/h/hash/f1", None)
            .await
            .json(),
        json!({"field": "f1", "deleted": true})
    );
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/s",
        Some(json!({"value": "str"})),
    )
    .await;
    admin(&app, "GET", "/api/v1/cache/default/s/hash", None)
        .await
        .error(StatusCode::CONFLICT, "WRONG_TYPE");
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/s/hash/f",
        Some(json!({"value": "v"})),
    )
    .await
    .error(StatusCode::CONFLICT, "WRONG_TYPE");
}

#[tokio::test]
async fn json_documents_and_search() {
    let (_s, app) = app();
    let doc = json!({"name": "Ann", "age": 31, "roles": ["admin"]});
    let put = admin(
        &app,
        "PUT",
        "/api/v1/json/default/u1",
        Some(json!({"value": doc, "ttl": 60})),
    )
    .await;
    assert_eq!(put.json(), doc);
    assert_eq!(
        admin(&app, "GET", "/api/v1/json/default/u1", None)
            .await
            .json(),
        doc
    );
    assert_eq!(
        admin(&app, "GET", "/api/v1/json/default/u1?path=%24.name", None)
            .await
            .json(),
        json!("Ann")
    );
    admin(&app, "GET", "/api/v1/json/default/u1?path=%24.nope", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(&app, "GET", "/api/v1/json/default/u1?path=%24%5B%3F", None)
        .await
        .error(StatusCode::BAD_REQUEST, "INVALID_PATH");
    let merged = admin(
        &app,
        "PATCH",
        "/api/v1/json/default/u1",
        Some(json!({"age": 32, "city": "Oslo"})),
    )
    .await;
    assert_eq!(
        merged.json(),
        json!({"name": "Ann", "age": 32, "roles": ["admin"], "city": "Oslo"})
    );
    assert_eq!(
        admin(&app, "GET", "/api/v1/cache/default/u1", None)
            .await
            .json()["type"],
        "json"
    );
    admin(
        &app,
        "PUT",
        "/api/v1/json/default/u2",
        Some(json!({"value": {"age": 20}})),
    )
    .await;
    let page = admin(
        &app,
        "POST",
        "/api/v1/json/default/search",
        Some(json!({"query": "$.age>25", "limit": 10})),
    )
    .await;
    assert_eq!(
        page.json(),
        json!({"results": [{"key": "u1", "value": merged.json()}], "cursor": "0"})
    );
    let first = admin(
        &app,
        "POST",
        "/api/v1/json/default/search",
        Some(json!({"query": "$.age>1", "limit": 1})),
    )
    .await
    .json();
    assert_eq!(first["results"][0]["key"], "u1");
    let second = admin(
        &app,
        "POST",
        "/api/v1/json/default/search",
        Some(json!({"query": "$.age>1", "limit": 1, "cursor": first["cursor"]})),
    )
    .await
    .json();
    assert_eq!(
        (
            second["results"][0]["key"].clone(),
            second["cursor"].clone()
        ),
        (json!("u2"), json!("0"))
    );
    admin(
        &app,
        "POST",
        "/api/v1/json/default/search",
        Some(json!({"query": "$.age >"})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "INVALID_QUERY");
    admin(
        &app,
        "POST",
        "/api/v1/json/default/search",
        Some(json!({"query": "a=1", "limit": 0})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    assert_eq!(
        admin(
            &app,
            "DELETE",
            "/api/v1/json/default/u1?path=%24.city",
            None
        )
        .await
        .json(),
        json!({"key": "u1", "deleted": true})
    );
    assert_eq!(
        admin(&app, "DELETE", "/api/v1/json/default/u1", None)
            .await
            .json(),
        json!({"key": "u1", "deleted": true})
    );
    admin(&app, "GET", "/api/v1/json/default/u1", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let bad = Request::put("/api/v1/json/default/u3")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"value": {"a": }"#))
        .unwrap();
    raw(&app, bad)
        .await
        .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/str",
        Some(json!({"value": "s"})),
    )
    .await;
    admin(
        &app,
        "PATCH",
        "/api/v1/json/default/str",
        Some(json!({"a": 1})),
    )
    .await
    .error(StatusCode::CONFLICT, "WRONG_TYPE");
}

#[tokio::test]
async fn import_and_export() {
    let (_s, app) = app();
    let report = admin(&app, "POST", "/api/v1/cache/default/import", Some(json!({"entries": [
        {"key": "a", "value": "1"}, {"key": "", "value": "x"}, {"key": "doc", "value": {"x": 1}, "ttl": 100}, {"key": "t", "value": "v", "ttl": 0}
    ]}))).await;
    assert_eq!(
        report.json(),
        json!({"imported": 2, "errors": [
        {"row": 2, "message": "key must not be empty"}, {"row": 4, "message": "ttl must be at least 1 second"}]})
    );
    let ndjson = Request::post("/api/v1/cache/default/import")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from("{\"key\":\"n1\",\"value\":\"v\"}\nnot json\n\n{\"key\":\"n2\",\"value\":\"w\",\"ttl\":5}\n"))
        .unwrap();
    let report = raw(&app, ndjson).await.json();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["errors"][0]["row"], 2);
    let csv = Request::post("/api/v1/cache/default/import")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(
            "key,value,ttl\nc1,\"hello, world\",\nc2,x,soon\n",
        ))
        .unwrap();
    assert_eq!(
        raw(&app, csv).await.json(),
        json!({"imported": 1, "errors": [{"row": 2, "message": "ttl 'soon' is not a whole number"}]})
    );
    let xml = Request::post("/api/v1/cache/default/import")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "application/xml")
        .body(Body::from("<a/>"))
        .unwrap();
    raw(&app, xml)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");

    let export = admin(&app, "GET", "/api/v1/cache/default/export?pattern=*", None).await;
    assert_eq!(export.headers[header::CONTENT_TYPE], "application/x-ndjson");
    let mut lines: Vec<Value> = export
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    let keys: Vec<&str> = lines.iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "c1", "doc", "n1", "n2"]);
    assert_eq!(lines[1]["value"], "hello, world");
    assert_eq!(
        (
            lines[2]["type"].clone(),
            lines[2]["value"].clone(),
            lines[2]["ttl"].clone()
        ),
        (json!("json"), json!({"x": 1}), json!(100))
    );
    admin(&app, "GET", "/api/v1/cache/nope/export", None)
        .await
        .error(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let (_s, app) = app();
    let big = "x".repeat(super::MAX_BODY_BYTES + 1);
    let request = Request::put("/api/v1/cache/default/big")
        .header(header::AUTHORIZATION, basic(ADMIN))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!("{{\"value\":\"{big}\"}}")))
        .unwrap();
    raw(&app, request)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn readers_read_but_cannot_write() {
    let (_s, app) = app();
    admin(
        &app,
        "PUT",
        "/api/v1/cache/default/k",
        Some(json!({"value": "v"})),
    )
    .await;
    assert_eq!(
        send(&app, "GET", "/api/v1/cache/default/k", Some(READER), None)
            .await
            .json()["value"],
        "v"
    );
    for (method, uri, body) in [
        (
            "PUT",
            "/api/v1/cache/default/k",
            Some(json!({"value": "w"})),
        ),
        ("DELETE", "/api/v1/cache/default/k", None),
        ("POST", "/api/v1/regions", Some(json!({"name": "r"}))),
        ("PUT", "/api/v1/json/default/j", Some(json!({"value": {}}))),
        ("GET", "/api/v1/users", None),
    ] {
        send(&app, method, uri, Some(READER), body)
            .await
            .error(StatusCode::FORBIDDEN, "FORBIDDEN");
    }
}

#[tokio::test]
async fn users_are_managed_by_admins() {
    let (s, app) = app();
    let name = format!("u{}", rand::random::<u32>());
    let created = admin(
        &app,
        "POST",
        "/api/v1/users",
        Some(json!({"username": name, "password": "long-enough", "roles": ["USER"]})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json(),
        json!({"username": name, "roles": ["USER"], "enabled": true})
    );
    admin(
        &app,
        "POST",
        "/api/v1/users",
        Some(json!({"username": name, "password": "long-enough"})),
    )
    .await
    .error(StatusCode::CONFLICT, "CONFLICT");
    admin(
        &app,
        "POST",
        "/api/v1/users",
        Some(json!({"username": "x y", "password": "long-enough"})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "POST",
        "/api/v1/users",
        Some(json!({"username": "short", "password": "1"})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    admin(
        &app,
        "POST",
        "/api/v1/users",
        Some(json!({"username": "r", "password": "long-enough", "roles": ["ROOT"]})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    assert_eq!(
        send(
            &app,
            "GET",
            "/api/v1/regions",
            Some((&name, "long-enough")),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let disabled = admin(
        &app,
        "PUT",
        &format!("/api/v1/users/{name}"),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(disabled.json()["enabled"], false);
    send(
        &app,
        "GET",
        "/api/v1/regions",
        Some((&name, "long-enough")),
        None,
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    admin(
        &app,
        "PUT",
        &format!("/api/v1/users/{name}"),
        Some(json!({"enabled": true, "password": "another-one"})),
    )
    .await;
    assert_eq!(
        send(
            &app,
            "GET",
            "/api/v1/regions",
            Some((&name, "another-one")),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    admin(
        &app,
        "PUT",
        "/api/v1/users/nobody",
        Some(json!({"enabled": true})),
    )
    .await
    .error(StatusCode::NOT_FOUND, "NOT_FOUND");
    admin(
        &app,
        "PUT",
        "/api/v1/users/admin",
        Some(json!({"enabled": false})),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let listed = admin(&app, "GET", "/api/v1/users", None).await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == name.as_str())
    );
    assert!(
        !listed.to_string().contains("argon2"),
        "hashes never leave the server"
    );
    // The users file on disk holds the hash, not the password.
    let file = std::fs::read_to_string(s.state.auth.path()).unwrap();
    assert!(file.contains(&name) && !file.contains("another-one"));
}

#[tokio::test]
async fn console_sessions_use_cookies_and_csrf_tokens() {
    let (_s, app) = app();
    let login = send(
        &app,
        "POST",
        "/console/login",
        None,
        Some(json!({"username": "admin", "password": "secret"})),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let cookie = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let token = cookie.split(';').next().unwrap().to_owned();
    let csrf = login.json()["csrf"].as_str().unwrap().to_owned();
    let with_cookie = |method: &str, uri: &str, csrf: Option<&str>| {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, token.clone());
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        r.header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"value":"v"}"#))
            .unwrap()
    };
    assert_eq!(
        raw(&app, with_cookie("GET", "/api/v1/regions", None))
            .await
            .status,
        StatusCode::OK
    );
    raw(&app, with_cookie("PUT", "/api/v1/cache/default/c", None))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN");
    raw(
        &app,
        with_cookie("PUT", "/api/v1/cache/default/c", Some("forged")),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN");
    assert_eq!(
        raw(
            &app,
            with_cookie("PUT", "/api/v1/cache/default/c", Some(&csrf))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        raw(&app, with_cookie("GET", "/console/session", None))
            .await
            .json()["role"],
        "ADMIN"
    );
    assert_eq!(
        raw(&app, with_cookie("POST", "/console/logout", None))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    raw(&app, with_cookie("GET", "/api/v1/regions", None))
        .await
        .error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    send(
        &app,
        "POST",
        "/console/login",
        None,
        Some(json!({"username": "admin", "password": "nope"})),
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    // The console's 401s carry no WWW-Authenticate (a browser would pop up its Basic-auth dialog);
    // other clients' do.
    let session = send(&app, "GET", "/console/session", None, None).await;
    session.error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert!(!session.headers.contains_key(header::WWW_AUTHENTICATE));
    let from_page = raw(
        &app,
        Request::builder()
            .uri("/api/v1/regions")
            .header("x-requested-with", "kuber-console")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    from_page.error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert!(!from_page.headers.contains_key(header::WWW_AUTHENTICATE));
    let other = send(&app, "GET", "/api/v1/regions", None, None).await;
    assert_eq!(
        other.headers[header::WWW_AUTHENTICATE],
        "Basic realm=\"kuber\""
    );
    let page = send(&app, "GET", "/", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
}

/// Every route the router serves under /api/v1 is in the OpenAPI document, and nothing else is.
#[tokio::test]
async fn openapi_lists_every_route() {
    let (_s, app) = app();
    let doc = send(&app, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    // The routes the router answers: probe each documented one for "not 404/405 from routing",
    // and probe every SPEC §6 route to be documented.
    let spec_routes = [
        "GET /api/v1/ping",
        "GET /api/v1/info",
        "GET /api/v1/status",
        "GET /api/v1/stats",
        "GET /api/v1/regions",
        "POST /api/v1/regions",
        "GET /api/v1/regions/{name}",
        "DELETE /api/v1/regions/{name}",
        "POST /api/v1/regions/{name}/purge",
        "GET /api/v1/cache/{region}/{key}",
        "PUT /api/v1/cache/{region}/{key}",
        "DELETE /api/v1/cache/{region}/{key}",
        "GET /api/v1/cache/{region}/keys",
        "POST /api/v1/cache/{region}/mget",
        "POST /api/v1/cache/{region}/mset",
        "GET /api/v1/cache/{region}/{key}/ttl",
        "POST /api/v1/cache/{region}/{key}/expire",
        "DELETE /api/v1/cache/{region}/{key}/expire",
        "GET /api/v1/cache/{region}/{key}/hash",
        "GET /api/v1/cache/{region}/{key}/hash/{field}",
        "PUT /api/v1/cache/{region}/{key}/hash/{field}",
        "DELETE /api/v1/cache/{region}/{key}/hash/{field}",
        "GET /api/v1/json/{region}/{key}",
        "PUT /api/v1/json/{region}/{key}",
        "PATCH /api/v1/json/{region}/{key}",
        "DELETE /api/v1/json/{region}/{key}",
        "POST /api/v1/json/{region}/search",
        "POST /api/v1/cache/{region}/import",
        "GET /api/v1/cache/{region}/export",
        "GET /api/v1/users",
        "POST /api/v1/users",
        "PUT /api/v1/users/{username}",
    ];
    for route in spec_routes {
        assert!(documented.contains(route), "{route} is not in openapi.json");
    }
    assert_eq!(
        documented.len(),
        spec_routes.len(),
        "documented but not expected: {:?}",
        documented
            .iter()
            .filter(|r| !spec_routes.contains(&r.as_str()))
            .collect::<Vec<_>>()
    );
    for route in &documented {
        let (method, path) = route.split_once(' ').unwrap();
        let uri = path
            .replace("{name}", "default")
            .replace("{region}", "default")
            .replace("{key}", "k")
            .replace("{field}", "f")
            .replace("{username}", "admin");
        let reply = send(&app, method, &uri, Some(ADMIN), None).await;
        let routed = !(reply.status == StatusCode::METHOD_NOT_ALLOWED
            || (reply.status == StatusCode::NOT_FOUND && reply.text.contains("no such route")));
        assert!(
            routed,
            "{route} is documented but the router does not serve it: {} {}",
            reply.status, reply.text
        );
    }
}
