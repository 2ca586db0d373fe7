//! The web console's static files, compiled into the binary (no CDN, nothing to install): `/`
//! serves the single-page console, `/console/assets/*` its script and styles.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::ServerState;

const INDEX_HTML: &str = include_str!("console_assets/index.html");
const APP_JS: &str = include_str!("console_assets/app.js");
const APP_CSS: &str = include_str!("console_assets/app.css");

/// Headers every console file carries: no framing by other sites, no MIME sniffing, and a
/// content security policy that allows only the console's own script and styles.
fn secured(content_type: &'static str, body: &'static str) -> impl IntoResponse {
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
}

/// Routes for the console page and its assets.
pub fn routes() -> Router<Arc<ServerState>> {
    Router::new()
        .route(
            "/",
            get(|| async { secured("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/console/assets/app.js",
            get(|| async { secured("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/console/assets/app.css",
            get(|| async { secured("text/css; charset=utf-8", APP_CSS) }),
        )
}
