//! First steps with the Rust REST client: `cargo run -p kuber-client --example rest`.
//! Server from KUBER_HOST / KUBER_HTTP_PORT (127.0.0.1:8080), user KUBER_USER / KUBER_PASSWORD.

use kuber_client::KuberRestClient;
use serde_json::json;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> kuber_client::Result<()> {
    let port: u16 = env("KUBER_HTTP_PORT", "8080")
        .parse()
        .expect("KUBER_HTTP_PORT is a port number");
    let rest = KuberRestClient::new(
        env("KUBER_HOST", "127.0.0.1"),
        port,
        env("KUBER_USER", "admin"),
        env("KUBER_PASSWORD", "secret"),
    )?;
    println!("ping: {}", rest.ping().await?);
    rest.set("path/with/slashes", "value", Some(60), None)
        .await?;
    println!("get: {:?}", rest.get("path/with/slashes", None).await?);
    rest.json_set("doc:1", &json!({"name": "Ada", "age": 36}), None, None)
        .await?;
    println!(
        "search: {}",
        rest.json_search("age>30", Some(10), None, None).await?
    );
    Ok(())
}
