//! `/api/v1/users`: the console's users page (ADMIN only). Changes rewrite the users file with
//! Argon2id hashes, exactly as `kuber-server hash-password` would produce them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::auth::{Role, UserChange};
use crate::state::ServerState;

/// A user as the API shows it (never the hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// Login name.
    pub username: String,
    /// `ADMIN`, `USER` and/or `READER`.
    pub roles: Vec<String>,
    /// False when the user may not log in.
    pub enabled: bool,
}

fn admin_only(caller: &Caller) -> ApiResult<()> {
    if caller.identity.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "managing users needs the ADMIN role",
        ))
    }
}

fn view(state: &ServerState, name: &str) -> Option<UserView> {
    state
        .auth
        .list_users()
        .into_iter()
        .find(|(n, _, _)| n == name)
        .map(|(username, roles, enabled)| UserView {
            username,
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            enabled,
        })
}

/// All users.
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, body = [UserView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<Arc<ServerState>>,
    caller: Caller,
) -> ApiResult<Json<Vec<UserView>>> {
    admin_only(&caller)?;
    Ok(Json(
        state
            .auth
            .list_users()
            .into_iter()
            .map(|(username, roles, enabled)| UserView {
                username,
                roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
                enabled,
            })
            .collect(),
    ))
}

fn parse_roles(roles: &[String]) -> ApiResult<Vec<Role>> {
    roles
        .iter()
        .map(|r| match r.to_ascii_uppercase().as_str() {
            "ADMIN" => Ok(Role::Admin),
            "USER" => Ok(Role::User),
            "READER" => Ok(Role::Reader),
            other => Err(ApiError::bad_request(format!(
                "unknown role '{other}': use ADMIN, USER or READER"
            ))),
        })
        .collect()
}

/// `POST /users` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: 1–64 characters of `[A-Za-z0-9_.-]`.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub username: String,
    /// Clear-text password (at least 8 characters); stored as an Argon2id hash.
    #[schema(min_length = 8)]
    pub password: String,
    /// Roles (default `["READER"]`).
    #[serde(default)]
    pub roles: Option<Vec<String>>,
}

async fn apply(state: &Arc<ServerState>, change: UserChange) -> ApiResult<bool> {
    let auth = state.auth.clone();
    tokio::task::spawn_blocking(move || auth.change_user(change))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string()))?
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string()))
}

fn check_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "password must have at least 8 characters",
        ));
    }
    Ok(())
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_user(
    State(state): State<Arc<ServerState>>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<Response> {
    admin_only(&caller)?;
    let valid_name = !body.username.is_empty()
        && body.username.len() <= 64
        && body
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid_name {
        return Err(ApiError::bad_request(
            "username must be 1-64 characters of [A-Za-z0-9_.-]",
        ));
    }
    check_password(&body.password)?;
    let roles = parse_roles(body.roles.as_deref().unwrap_or(&["READER".to_owned()]))?;
    let created = apply(
        &state,
        UserChange {
            username: body.username.clone(),
            create: true,
            password: Some(body.password),
            roles: Some(roles),
            enabled: Some(true),
        },
    )
    .await?;
    if !created {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            format!("user '{}' already exists", body.username),
        ));
    }
    let user = view(&state, &body.username).ok_or_else(|| ApiError::not_found("user vanished"))?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

/// Path of one user.
#[derive(Deserialize, IntoParams)]
pub struct UserPath {
    /// Login name.
    pub username: String,
}

/// `PUT /users/{username}` body: what to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// New password (at least 8 characters).
    #[serde(default)]
    #[schema(min_length = 8)]
    pub password: Option<String>,
    /// New roles.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// Enable or disable the login.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Changes a user's password, roles or enabled flag; ends that user's console sessions.
#[utoipa::path(put, path = "/users/{username}", tag = "users", params(UserPath), request_body = UserUpdate,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<Arc<ServerState>>,
    caller: Caller,
    ApiPath(p): ApiPath<UserPath>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserView>> {
    admin_only(&caller)?;
    if let Some(password) = &body.password {
        check_password(password)?;
    }
    let roles = body.roles.as_deref().map(parse_roles).transpose()?;
    if *caller.identity.username == p.username
        && (body.enabled == Some(false)
            || roles.as_ref().is_some_and(|r| !r.contains(&Role::Admin)))
    {
        return Err(ApiError::bad_request(
            "an admin cannot disable or demote their own login",
        ));
    }
    let changed = apply(
        &state,
        UserChange {
            username: p.username.clone(),
            create: false,
            password: body.password,
            roles,
            enabled: body.enabled,
        },
    )
    .await?;
    if !changed {
        return Err(ApiError::not_found(format!("no user '{}'", p.username)));
    }
    state.console_sessions.remove_user(&p.username);
    view(&state, &p.username)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no user '{}'", p.username)))
}
