//! First steps with the Rust RESP client: `cargo run -p kuber-client --example resp`.
//! Server from KUBER_HOST / KUBER_PORT (127.0.0.1:6380), user KUBER_USER / KUBER_PASSWORD.

use kuber_client::{KuberClient, Pipeline, RegionOptions};
use serde_json::json;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> kuber_client::Result<()> {
    let host = env("KUBER_HOST", "127.0.0.1");
    let port: u16 = env("KUBER_PORT", "6380")
        .parse()
        .expect("KUBER_PORT is a port number");
    let client = KuberClient::connect(
        host,
        port,
        env("KUBER_USER", "admin"),
        env("KUBER_PASSWORD", "secret"),
    )
    .await?;

    client.set("greeting", "hello", None, None).await?;
    let greeting = client.get("greeting", None).await?;
    println!(
        "greeting = {:?}",
        greeting.as_deref().map(String::from_utf8_lossy)
    );

    // A region of its own, without changing the region of other calls.
    if !client.list_regions().await?.iter().any(|r| r == "sessions") {
        client
            .create_region(
                "sessions",
                &RegionOptions {
                    ttl: Some(3600),
                    ..Default::default()
                },
            )
            .await?;
    }
    client
        .set("user:42", "alice", None, Some("sessions"))
        .await?;
    println!(
        "sessions ttl of user:42 = {}",
        client.ttl("user:42", Some("sessions")).await?
    );

    client
        .json_set(
            "order:1",
            &json!({"id": 1, "total": 42.5, "status": "paid"}),
            None,
            None,
            None,
        )
        .await?;
    for (key, doc) in client.json_search("status=paid", None, None).await? {
        println!("paid: {key} -> {doc}");
    }

    let mut pipeline = Pipeline::new();
    for i in 0..100 {
        pipeline.set(format!("counter:{i}"), i.to_string());
    }
    let replies = client.run_pipeline(&pipeline).await?;
    println!("pipelined {} SETs", replies.len());
    client.close();
    Ok(())
}
