//! The web console's server side: login with the same users as RESP (a session cookie that is
//! `HttpOnly` and `SameSite=Strict`, plus a CSRF token the page sends back on every write), logout,
//! and "who am I". The console page itself is served by `super::assets`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{SET_COOKIE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ApiJson, ApiResult};
use crate::auth::Identity;
use crate::state::ServerState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kuber_session";
/// A console session ends after this long without use.
const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);

/// One logged-in console.
#[derive(Clone, Debug)]
pub struct ConsoleSession {
    /// Who logged in.
    pub identity: Identity,
    /// Token the page must echo in `X-CSRF-Token` on writes.
    pub csrf: String,
    last_used: Instant,
}

/// Live console sessions by cookie token.
#[derive(Default)]
pub struct ConsoleSessions {
    sessions: Mutex<HashMap<String, ConsoleSession>>,
}

fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ConsoleSessions {
    /// Starts a session; returns (cookie token, session).
    pub fn create(&self, identity: Identity) -> (String, ConsoleSession) {
        let session = ConsoleSession {
            identity,
            csrf: token(),
            last_used: Instant::now(),
        };
        let cookie = token();
        let mut sessions = self.sessions.lock();
        sessions.retain(|_, s| s.last_used.elapsed() < IDLE_LIMIT);
        sessions.insert(cookie.clone(), session.clone());
        (cookie, session)
    }

    /// The live session for a cookie token, refreshing its idle timer.
    pub fn get(&self, cookie: &str) -> Option<ConsoleSession> {
        let mut sessions = self.sessions.lock();
        let session = sessions.get_mut(cookie)?;
        if session.last_used.elapsed() >= IDLE_LIMIT {
            sessions.remove(cookie);
            return None;
        }
        session.last_used = Instant::now();
        Some(session.clone())
    }

    /// Ends a session.
    pub fn remove(&self, cookie: &str) {
        self.sessions.lock().remove(cookie);
    }

    /// Ends every session of `username` (after a password change or disabling).
    pub fn remove_user(&self, username: &str) {
        self.sessions
            .lock()
            .retain(|_, s| &*s.identity.username != username);
    }
}

/// `POST /console/login` body.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Who the console is logged in as.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    /// User name.
    pub username: String,
    /// `ADMIN`, `USER` or `READER`.
    pub role: String,
    /// Send this back as `X-CSRF-Token` on every request that changes something.
    pub csrf: String,
}

fn info(session: &ConsoleSession) -> SessionInfo {
    SessionInfo {
        username: session.identity.username.to_string(),
        role: session.identity.role.as_str().to_owned(),
        csrf: session.csrf.clone(),
    }
}

fn set_cookie(value: &str, max_age: u64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("kuber_session=; Path=/"))
}

/// Logs the console in.
#[utoipa::path(post, path = "/console/login", tag = "console", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = super::error::ErrorBody)))]
pub async fn login(
    State(state): State<Arc<ServerState>>,
    connect: Result<
        ConnectInfo<std::net::SocketAddr>,
        axum::extract::rejection::ExtensionRejection,
    >,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let ip = connect.map_or(std::net::IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let identity = state
        .auth
        .authenticate(&request.username, request.password.as_bytes(), ip)
        .await
        .ok_or_else(|| {
            ApiError::unauthorized("invalid username-password pair or user is disabled")
        })?;
    let (cookie, session) = state.console_sessions.create(identity);
    let mut response = Json(info(&session)).into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, set_cookie(&cookie, IDLE_LIMIT.as_secs()));
    Ok(response)
}

/// Logs the console out.
#[utoipa::path(post, path = "/console/logout", tag = "console", responses((status = 204)))]
pub async fn logout(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned());
    if let Some(cookie) = cookie {
        state.console_sessions.remove(&cookie);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, set_cookie("", 0));
    response
}

/// The console's current login.
#[utoipa::path(get, path = "/console/session", tag = "console",
    responses((status = 200, body = SessionInfo), (status = 401, body = super::error::ErrorBody)))]
pub async fn session(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
) -> ApiResult<Json<SessionInfo>> {
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
        .ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    let session = state
        .console_sessions
        .get(&cookie)
        .ok_or_else(|| ApiError::unauthorized("console session expired; log in again"))?;
    Ok(Json(info(&session)))
}

/// Keeps `WWW-Authenticate` off the 401s the console gets (`/console/*`, and API calls marked with
/// `X-Requested-With`, which the page sends): browsers answer that header with their own Basic-auth
/// popup, which hides the console's login form and holds the page's `fetch` until dismissed. Other
/// API clients still get the header, as SPEC §3 asks.
pub async fn no_basic_prompt(request: Request, next: Next) -> Response {
    let console = request.uri().path().starts_with("/console/")
        || request.headers().contains_key("x-requested-with");
    let mut response = next.run(request).await;
    if console {
        response.headers_mut().remove(WWW_AUTHENTICATE);
    }
    response
}
