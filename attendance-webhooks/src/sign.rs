//! Standard Webhooks signatures: what the worker sends and what a receiver
//! checks.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the
//! signature is `v1,` and the base64 of its HMAC-SHA256 under the secret's
//! key. A `webhook-signature` header may carry several, separated by
//! spaces (a receiver rotating secrets, or a sender adding schemes), and a
//! message is genuine when any `v1` one matches.

use std::time::Duration;

use attendance_core::webhooks::WebhookSecret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{KeyInit as _, Mac as _};
use reqwest::header::HeaderMap;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The header with the message id, the same for every attempt.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header with the attempt's instant, in Unix seconds.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header with the signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// How far a message's timestamp may be from the receiver's clock, either
/// way, before [`verify`] refuses it as a possible replay: five minutes,
/// as the specification recommends.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The scheme prefix of the signatures this crate makes and checks.
const SCHEME: &str = "v1";

/// The `webhook-signature` value for a message: `v1,<base64>`.
///
/// Every [`WebhookSecret`] holds a valid key (its constructors and its
/// `Deserialize` check it), so signing cannot fail.
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, msg_id, timestamp, body).finalize().into_bytes();
    format!("{SCHEME},{}", BASE64.encode(tag))
}

/// Why [`verify`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is missing or is not text.
    #[error("the {0} header is missing or not text")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("the webhook-timestamp header is not a Unix time in seconds")]
    InvalidTimestamp,
    /// The timestamp is further from now than the tolerance allows.
    #[error("the message's timestamp is outside the tolerance (a replay, or a skewed clock)")]
    OutsideTolerance,
    /// No `v1` signature in the header matches the message.
    #[error("no signature matches the message")]
    NoMatchingSignature,
}

/// Checks a received message as a receiver should: the headers are there,
/// the timestamp is within `tolerance` of `now` (either way; see
/// [`DEFAULT_TOLERANCE`]), and one of the `v1` signatures matches, compared
/// in constant time.
///
/// # Errors
/// A [`VerifyError`] saying which check failed.
pub fn verify(
    secret: &WebhookSecret,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let msg_id = header(WEBHOOK_ID)?;
    let timestamp: i64 = header(WEBHOOK_TIMESTAMP)?
        .trim()
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;
    let signatures = header(WEBHOOK_SIGNATURE)?;
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.timestamp().abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(VerifyError::OutsideTolerance);
    }
    let expected = mac(secret, msg_id, timestamp, body);
    let matches = signatures
        .split(' ')
        .filter_map(|signature| signature.split_once(','))
        .filter(|(scheme, _)| *scheme == SCHEME)
        .filter_map(|(_, encoded)| BASE64.decode(encoded).ok())
        // `verify_slice` compares in constant time.
        .any(|tag| expected.clone().verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

/// The MAC over a message's signed content, ready to finalize or compare.
fn mac(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // No WebhookSecret holds an invalid key, and HMAC takes a key of any
    // length; were either not so, the message would be signed with an
    // empty key, which no receiver accepts.
    let key = secret.key().unwrap_or_default();
    let mut mac =
        HmacSha256::new_from_slice(&key).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn secret() -> WebhookSecret {
        WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
    }

    fn headers(id: &str, ts: i64, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(WEBHOOK_ID, HeaderValue::from_str(id).unwrap());
        headers.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(ts));
        headers.insert(WEBHOOK_SIGNATURE, HeaderValue::from_str(signature).unwrap());
        headers
    }

    fn at(ts: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(ts, 0).unwrap()
    }

    #[test]
    fn a_signature_verifies_among_others_and_only_for_its_message() {
        let (id, ts, body) = ("msg_1", 1_700_000_000, br#"{"a":1}"#.as_slice());
        let good = sign(&secret(), id, ts, body);
        let other = sign(&WebhookSecret::generate().unwrap(), id, ts, body);
        let header = format!("v1a,xyz {other} v1,!!notbase64 {good}");
        let tolerance = DEFAULT_TOLERANCE;
        assert_eq!(
            verify(
                &secret(),
                &headers(id, ts, &header),
                body,
                at(ts),
                tolerance
            ),
            Ok(())
        );
        for (h, b) in [
            (headers("msg_2", ts, &good), body),
            (headers(id, ts + 1, &good), body),
            (headers(id, ts, &good), br#"{"a":2}"#.as_slice()),
            (headers(id, ts, &other), body),
            (headers(id, ts, &good.replacen("v1,", "v2,", 1)), body),
        ] {
            assert_eq!(
                verify(&secret(), &h, b, at(ts), tolerance),
                Err(VerifyError::NoMatchingSignature)
            );
        }
    }

    #[test]
    fn the_timestamp_must_be_within_the_tolerance_either_way() {
        let (id, ts, body) = ("msg_1", 1_700_000_000, b"{}".as_slice());
        let h = headers(id, ts, &sign(&secret(), id, ts, body));
        let tolerance = Duration::from_secs(300);
        for now in [ts - 300, ts + 300] {
            assert_eq!(verify(&secret(), &h, body, at(now), tolerance), Ok(()));
        }
        for now in [ts - 301, ts + 301] {
            assert_eq!(
                verify(&secret(), &h, body, at(now), tolerance),
                Err(VerifyError::OutsideTolerance)
            );
        }
    }

    #[test]
    fn missing_or_malformed_headers_are_named() {
        let mut h = headers("msg_1", 1, "v1,AAAA");
        h.insert(WEBHOOK_TIMESTAMP, HeaderValue::from_static("soon"));
        assert_eq!(
            verify(&secret(), &h, b"", at(1), DEFAULT_TOLERANCE),
            Err(VerifyError::InvalidTimestamp)
        );
        for name in [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE] {
            let mut h = headers("msg_1", 1, "v1,AAAA");
            h.remove(name);
            assert_eq!(
                verify(&secret(), &h, b"", at(1), DEFAULT_TOLERANCE),
                Err(VerifyError::MissingHeader(name))
            );
        }
    }
}
