//! The daemon's real [`Source`]: the service's PagerDuty client, which
//! brings the token, the rate budget and the pagination.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::Source;
use crate::service::Service;
use pdauth_common::WireError;
use pdauth_common::browse::{DetailPage, ListPage, ListQuery, Resource};

pub struct ServiceSource(pub Arc<Service>);

impl Source for ServiceSource {
    fn list(&self, profile: String, query: ListQuery) -> BoxFuture<'static, Result<ListPage, WireError>> {
        let service = self.0.clone();
        async move { service.fetch_list(&profile, &query).await }.boxed()
    }

    fn detail(
        &self,
        profile: String,
        resource: Resource,
        id: String,
    ) -> BoxFuture<'static, Result<DetailPage, WireError>> {
        let service = self.0.clone();
        async move { service.fetch_detail(&profile, resource, &id).await }.boxed()
    }
}
