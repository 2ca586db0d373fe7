//! The web console's static files, compiled into the binary (no CDN, nothing to install): `/`
//! serves the single-page console, `/console/assets/*` its scripts (ES modules), styles and icon.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::ApiError;
use crate::state::ServerState;

const INDEX_HTML: &str = include_str!("console_assets/index.html");

const JS: &str = "text/javascript; charset=utf-8";

/// Every file under `/console/assets/`: name, content type, body. A new console file is added
/// here and nowhere else.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("console_assets/app.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("console_assets/favicon.svg"),
    ),
    ("app.js", JS, include_str!("console_assets/app.js")),
    ("api.js", JS, include_str!("console_assets/api.js")),
    ("ui.js", JS, include_str!("console_assets/ui.js")),
    ("chart.js", JS, include_str!("console_assets/chart.js")),
    (
        "dashboard.js",
        JS,
        include_str!("console_assets/dashboard.js"),
    ),
    ("regions.js", JS, include_str!("console_assets/regions.js")),
    ("keys.js", JS, include_str!("console_assets/keys.js")),
    ("entry.js", JS, include_str!("console_assets/entry.js")),
    ("query.js", JS, include_str!("console_assets/query.js")),
    ("users.js", JS, include_str!("console_assets/users.js")),
];

/// Headers every console file carries: no framing by other sites, no MIME sniffing, and a
/// content security policy that allows only the console's own scripts and styles.
fn secured(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => secured(content_type, body),
        None => ApiError::not_found(format!("no console asset '{name}'")).into_response(),
    }
}

/// Routes for the console page and its assets.
pub fn routes() -> Router<Arc<ServerState>> {
    Router::new()
        .route(
            "/",
            get(|| async { secured("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route("/console/assets/{name}", get(asset))
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every file the page or a module refers to is served, so a missing registration fails here
    /// rather than as a blank page.
    #[test]
    fn every_referenced_asset_is_registered() {
        let mut sources = vec![super::INDEX_HTML];
        sources.extend(ASSETS.iter().map(|(_, _, body)| *body));
        for source in sources {
            for part in source.split("/console/assets/").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == name),
                    "'{name}' is referenced but not in ASSETS"
                );
            }
        }
    }
}
