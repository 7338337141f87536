//! The Standard Webhooks test vector, checked against an HMAC written here
//! over `sha2` alone (RFC 2104), independent of the crate's `sign`.

use attendance_core::webhooks::WebhookSecret;
use attendance_webhooks::{DEFAULT_TOLERANCE, VerifyError, sign, verify};
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest as _, Sha256};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP: i64 = 1_614_265_330;
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// HMAC-SHA256 as RFC 2104 defines it: H((K ^ opad) || H((K ^ ipad) || m)).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = padded.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = padded.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = Sha256::new();
    inner.update(&ipad);
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(&opad);
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `v1,…` signature of a message, by the spec's recipe and the HMAC
/// above: the key is the base64 after `whsec_`.
pub(crate) fn independently_signed(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut content = format!("{msg_id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    format!("v1,{}", BASE64.encode(hmac_sha256(&key, &content)))
}

#[test]
fn the_independent_hmac_meets_rfc_4231() {
    // RFC 4231, test case 2.
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn the_spec_test_vector_signs_and_verifies() {
    assert_eq!(
        independently_signed(SECRET, MSG_ID, TIMESTAMP, BODY),
        EXPECTED
    );
    let secret = WebhookSecret::new(SECRET).unwrap();
    assert_eq!(sign(&secret, MSG_ID, TIMESTAMP, BODY), EXPECTED);

    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static(MSG_ID));
    headers.insert("webhook-timestamp", HeaderValue::from(TIMESTAMP));
    headers.insert(
        "webhook-signature",
        HeaderValue::from_static("v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    );
    let at = |ts| chrono::DateTime::from_timestamp(ts, 0).unwrap();
    assert_eq!(
        verify(
            &secret,
            &headers,
            BODY,
            at(TIMESTAMP + 10),
            DEFAULT_TOLERANCE
        ),
        Ok(())
    );
    assert_eq!(
        verify(
            &secret,
            &headers,
            b"{\"test\": 2432232315}",
            at(TIMESTAMP),
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::NoMatchingSignature)
    );
    assert_eq!(
        verify(
            &secret,
            &headers,
            BODY,
            at(TIMESTAMP + 301),
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::OutsideTolerance)
    );
}
