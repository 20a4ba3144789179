//! One request in, one reply out: maps protocol requests onto the service
//! and service errors onto wire errors.

use std::sync::Arc;

use secrecy::ExposeSecret;

use crate::browse::Browse;
use crate::service::{ApiCall, Service};
use pdauth_common::{Actor, ErrorCode, Reply, Request, Response, WireError};

/// Answer one request (not `Subscribe`, `Watch` or `Unwatch`, which belong
/// to the connection and are handled by its session).
pub async fn dispatch(service: &Arc<Service>, browse: &Browse, request: Request, actor: Option<Actor>) -> Reply {
    let result = match request {
        Request::Ping => Ok(Response::Pong {
            daemon_version: env!("CARGO_PKG_VERSION").to_string(),
        }),
        Request::Status | Request::Subscribe => Ok(Response::Status {
            profiles: service.statuses(),
            storage: service.storage_info().clone(),
        }),
        Request::Login { profile } => service
            .start_login(&profile, actor)
            .map(|login| Response::LoginStarted { login }),
        Request::CancelLogin { profile } => service
            .cancel_login(&profile, actor)
            .map(|_| Response::LoginCancelled { profile }),
        Request::Token { profile } => service.token(&profile, actor).await.map(|t| Response::Token {
            profile,
            access_token: t.access_token.expose_secret().to_string(),
            token_type: t.token_type,
            expires_at: t.expires_at,
        }),
        Request::Revoke { profile } => service
            .revoke(&profile, actor)
            .await
            .map(|outcome| Response::Revoked { profile, outcome }),
        Request::Refresh { profile } => service
            .refresh_now(&profile, actor)
            .await
            .map(|status| Response::Refreshed { status }),
        Request::Audit { profile, limit } => service
            .audit_entries(profile, limit)
            .await
            .map(|entries| Response::Audit { entries }),
        Request::Api {
            profile,
            path,
            query,
            method,
            body,
            paginate,
        } => {
            let call = ApiCall {
                path,
                query,
                method,
                body,
                paginate,
            };
            service.api_call(&profile, call, actor).await.map(|a| Response::Api {
                status: a.status,
                body: a.body,
                pages: a.pages,
                truncated: a.truncated,
            })
        }
        Request::List { profile, query, fresh } => browse
            .list(&profile, query, fresh)
            .await
            .map(|page| Response::List { page }),
        Request::Get {
            profile,
            resource,
            id,
            fresh,
        } => browse
            .detail(&profile, resource, &id, fresh)
            .await
            .map(|page| Response::Detail { page }),
        Request::Watch { .. } | Request::Unwatch { .. } => Err(WireError::new(
            ErrorCode::Internal,
            "watches belong to a connection; this one could not take it",
        )),
    };
    match result {
        Ok(response) => Reply::Ok(response),
        Err(error) => Reply::Error(error),
    }
}
