//! Priorities: `GET /priorities` (paginated), the objects incidents' `priority` shows.

use axum::extract::{RawQuery, State};

use super::page::Paging;
use super::query::Params;
use super::refs::Ctx;
use super::{ApiResult, ok};
use crate::state::Shared;

/// `GET /priorities`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let paging = Paging::parse(&Params::parse(raw.as_deref()))?;
    let ctx = Ctx::new(&state);
    let len = state.data.priorities.len();
    let items = paging.window(len).map(|p| ctx.priority(p)).collect();
    Ok(ok(paging.envelope("priorities", items, len)))
}
