//! The `kuber-server` binary: parses flags, loads configuration, starts the server, waits for
//! SIGINT/SIGTERM. `kuber-server hash-password` prints an Argon2id hash of a password read from stdin.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use kuber_server::Server;
use kuber_server::config::{Config, Overrides};
use kuber_server::store::SystemClock;

#[derive(Parser)]
#[command(
    name = "kuber-server",
    version,
    about = "Kuber: a Redis-compatible cache with regions, JSON and authentication"
)]
struct Cli {
    /// YAML configuration file (kuber.yaml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to bind.
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// RESP port (0 = any free port).
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// HTTP port.
    #[arg(long, value_name = "N")]
    http_port: Option<u16>,
    /// Data folder; the users file defaults to DIR/users.json.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Users file.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Reads a password from stdin and prints its Argon2id hash for the users file.
    HashPassword,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::HashPassword) = cli.command {
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .context("reading the password from stdin")?;
        let password = password.strip_suffix('\n').unwrap_or(&password);
        let password = password.strip_suffix('\r').unwrap_or(password);
        if password.is_empty() {
            bail!("no password on stdin");
        }
        println!(
            "{}",
            kuber_server::auth::password::hash_password(password.as_bytes())
        );
        return Ok(());
    }

    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let overrides = Overrides {
        bind: cli.bind,
        port: cli.port,
        http_port: cli.http_port,
        data_dir: cli.data_dir,
        users_file: cli.users,
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = Config::load(cli.config.as_deref(), &env, &overrides)?;
    let admin_password = std::env::var("KUBER_ADMIN_PASSWORD").ok();

    let threads = match config.kuber.server.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    };
    // With one CPU a single-threaded runtime avoids work-stealing overhead entirely, like Redis's
    // event loop; Argon2 still runs on the blocking pool.
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    };
    runtime.block_on(async move {
        let (server, generated) = Server::build(config.clone(), Arc::new(SystemClock), admin_password).await?;
        if let Some(password) = generated {
            println!(
                "Generated password for user 'admin': {password}\n(shown once; stored hashed in {})",
                config.users_file().display()
            );
        }
        println!("Kuber RESP listening on {}", server.local_addr());
        println!(
            "Kuber HTTP (REST API /api/v1, console /, metrics /metrics) listening on http://{}",
            server.http_addr()
        );
        server.run(shutdown_signal()).await;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
