//! The HTTP side of Kuber on `http_port`: the REST API of SPEC §6 under `/api/v1` (and the `/api`
//! alias), its OpenAPI document generated from the handlers, the web console, `/metrics` and
//! `/health`. Handlers run RESP commands through the one dispatcher (see `caller.rs`).

pub mod api;
pub mod assets;
pub mod caller;
pub mod console;
pub mod error;
pub mod system;
pub mod transfer;
pub mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::ServerState;
use error::ApiError;

/// Largest request body the API accepts (imports included); larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 32 << 20;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kuber REST API", description = "Regions, keys, hashes and JSON documents of a Kuber cache (SPEC §6). Every route except /ping needs HTTP Basic auth."),
    modifiers(&BasicAuth),
    security(("basic" = [])),
    tags((name = "system"), (name = "regions"), (name = "cache"), (name = "hash"), (name = "json"), (name = "users"))
)]
struct ApiDoc;

struct BasicAuth;

impl utoipa::Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The API routes (paths relative to `/api/v1`) with their OpenAPI description.
fn api_routes() -> OpenApiRouter<Arc<ServerState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::ping))
        .routes(routes!(api::info))
        .routes(routes!(api::status))
        .routes(routes!(api::stats))
        .routes(routes!(api::list_regions, api::create_region))
        .routes(routes!(api::get_region, api::delete_region))
        .routes(routes!(api::purge_region))
        .routes(routes!(api::list_keys))
        .routes(routes!(api::mget))
        .routes(routes!(api::mset))
        .routes(routes!(transfer::import))
        .routes(routes!(transfer::export))
        .routes(routes!(api::get_entry, api::put_entry, api::delete_entry))
        .routes(routes!(api::get_ttl))
        .routes(routes!(api::expire, api::persist))
        .routes(routes!(api::hash_all))
        .routes(routes!(api::hash_get, api::hash_put, api::hash_delete))
        .routes(routes!(api::json_search))
        .routes(routes!(
            api::json_get,
            api::json_put,
            api::json_patch,
            api::json_delete
        ))
        .routes(routes!(users::list_users, users::add_user))
        .routes(routes!(users::update_user))
}

/// The OpenAPI document, with paths under `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = OpenApiRouter::<Arc<ServerState>>::new()
        .nest("/api/v1", api_routes())
        .split_for_parts();
    api
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "method not allowed on this route",
    )
}

/// The whole HTTP application.
pub fn router(state: Arc<ServerState>) -> Router {
    let (api, doc) = OpenApiRouter::<Arc<ServerState>>::new()
        .nest("/api/v1", api_routes())
        .split_for_parts();
    let doc = Arc::new(doc);
    let v1 = api_routes().split_for_parts().0;
    let spec = move || {
        let doc = doc.clone();
        async move { axum::Json(doc.as_ref().clone()) }
    };
    Router::new()
        .merge(api)
        // The `/api` alias serves the same routes (SPEC §6).
        .nest("/api", v1)
        .route("/api/v1/openapi.json", get(spec.clone()))
        .route("/api/openapi.json", get(spec))
        .route("/health", get(system::health))
        .route("/metrics", get(system::metrics))
        .route("/console/login", axum::routing::post(console::login))
        .route("/console/logout", axum::routing::post(console::logout))
        .route("/console/session", get(console::session))
        .merge(assets::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(console::no_basic_prompt))
        .with_state(state)
}

/// Serves HTTP on `listener` until the server shuts down.
pub async fn serve(listener: TcpListener, state: Arc<ServerState>) {
    let mut stop = state.shutdown_signal();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let shutdown = async move {
        crate::state::stopping(&mut stop).await;
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(error = %e, "HTTP server failed");
    }
}

#[cfg(test)]
mod tests;
