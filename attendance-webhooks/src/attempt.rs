//! One HTTP attempt of one delivery, and the short, secret-free account of
//! how it went that the delivery log keeps.

use std::error::Error as _;
use std::net::IpAddr;
use std::time::Duration;

use attendance_core::webhooks::{DueDelivery, MAX_DELIVERY_ERROR};
use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url};

use crate::config::DeliveryConfig;
use crate::policy::RefusedAddress;
use crate::sign::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign};

/// The most of a failed response's body kept in the delivery log.
const MAX_BODY_EXCERPT: usize = 200;

/// An attempt that did not end in a 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The status, if the endpoint answered.
    pub(crate) status: Option<u16>,
    /// What went wrong, short, without the URL.
    pub(crate) error: String,
}

impl Failure {
    fn new(status: Option<u16>, error: String) -> Self {
        Self {
            status,
            error: truncate(error),
        }
    }
}

/// Sends `due` once, stamped `at`: its 2xx status, or how it failed.
pub(crate) async fn send(
    http: &Client,
    config: &DeliveryConfig,
    due: &DueDelivery,
    at: DateTime<Utc>,
) -> Result<u16, Failure> {
    let body = due
        .event
        .body()
        .map_err(|_| Failure::new(None, "the event could not be serialized".to_owned()))?;
    let url = Url::parse(due.url.as_str())
        .map_err(|e| Failure::new(None, format!("the endpoint's URL does not parse: {e}")))?;
    // A literal address is connected to without a lookup, so the resolver
    // never sees it: check it here.
    let literal = url
        .host_str()
        .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|host| host.parse::<IpAddr>().ok());
    if let Some(ip) = literal {
        config
            .address_policy()
            .check(ip)
            .map_err(|refused| Failure::new(None, refused.to_string()))?;
    }
    let msg_id = due.event.message_id();
    let timestamp = at.timestamp();
    let signature = sign(&due.secret, &msg_id, timestamp, &body);
    let header = |value: &str| {
        HeaderValue::from_str(value)
            .map_err(|_| Failure::new(None, "a header could not be encoded".to_owned()))
    };
    let request = http
        .post(url)
        .header(WEBHOOK_ID, header(&msg_id)?)
        .header(WEBHOOK_TIMESTAMP, HeaderValue::from(timestamp))
        .header(WEBHOOK_SIGNATURE, header(&signature)?)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body);
    let mut response = request
        .send()
        .await
        .map_err(|e| Failure::new(None, describe(&e, config.request_timeout())))?;
    let status = response.status();
    // Read (a bounded part of) the body so that the connection can be
    // reused; the rest is dropped with it.
    let mut excerpt = Vec::new();
    let mut read = 0usize;
    while read < config.max_response_bytes() {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read = read.saturating_add(chunk.len());
                let room = MAX_BODY_EXCERPT.saturating_sub(excerpt.len());
                excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            // A 2xx whose body does not arrive still said "received".
            Err(_) => break,
        }
    }
    drop(response);
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let mut error = format!("HTTP {}", status.as_u16());
    let text: String = String::from_utf8_lossy(&excerpt)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if status.is_redirection() {
        error.push_str(" (redirects are not followed)");
    } else if !text.is_empty() {
        error.push_str(": ");
        error.push_str(text);
    }
    Err(Failure::new(Some(status.as_u16()), error))
}

/// A transport error in a few words: a refused address as such, a time-out
/// with its limit, anything else as reqwest's and its causes' messages,
/// never the URL (whose path or query may hold a token).
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<RefusedAddress>() {
            return refused.to_string();
        }
        cause = e.source();
    }
    if err.is_timeout() {
        return format!("timed out after {} ms", timeout.as_millis());
    }
    let mut message = if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut cause = err.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = e.source();
    }
    message
}

/// Cuts `error` to what the delivery log keeps.
fn truncate(mut error: String) -> String {
    if let Some((at, _)) = error.char_indices().nth(MAX_DELIVERY_ERROR) {
        error.truncate(at);
    }
    error
}
