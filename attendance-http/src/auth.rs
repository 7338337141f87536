//! Who a request acts as.

use attendance_core::access::Principal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::problem::Problem;

/// The principal of a request, as authentication found it: handlers take
/// it as an argument. Authentication puts the [`Principal`] into the
/// request's extensions before any handler runs; a request without one
/// (a router whose authentication was left out) is refused as
/// unauthenticated rather than served as anyone.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(Problem::unauthenticated)
    }
}
