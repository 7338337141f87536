//! Extractors whose every rejection is a [`Problem`], and the parsing of
//! individual values (ids, dates, instants) with messages that name the
//! field and say what was expected.
//!
//! axum's own `Json`/`Query` rejections carry serde's wording, which can
//! name Rust types (`expected i64`, `expected struct ClockIn`); these
//! extractors translate it into words a client understands.

use std::str::FromStr;

use attendance_core::domain::{IsoWeek, check_supported_date, check_supported_instant};
use attendance_core::idempotency::{IdempotencyKey, KEY_FIELD};
use attendance_core::{EmployeeId, Entity, TeamId, WorkMode};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A JSON request body: `Content-Type: application/json` (or `+json`), a
/// well-formed JSON object, every required member present and typed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Problem::unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Problem::payload_too_large(None),
                _ => Problem::bad_request("the request body could not be read"),
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Whether the request declares a JSON body.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5
            && essence
                .get(essence.len() - 5..)
                .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json"))
            && essence
                .get(..12)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("application/")))
}

/// Deserializes a body, turning serde's errors into problems.
///
/// The body is deserialized straight into `T`, never into a generic JSON
/// value first: that would cost about ten times the body's size in memory
/// for a body of many small values, and stop at the
/// first member the type refuses. Only an object is accepted (serde would
/// also build a struct from an array); anything else is first checked for
/// syntax without building it, so that malformed JSON stays a 400.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let kind = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => {
            return Err(Problem::malformed_json(
                "the body is empty; send a JSON object",
            ));
        }
        Some(b'{') => None,
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        Some(_) => Some("a number"),
    };
    if let Some(kind) = kind {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|err| malformed(&err))?;
        return Err(Problem::validation(
            "body",
            format!("must be a JSON object, got {kind}"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let err = err.into_inner();
        if err.classify() != serde_json::error::Category::Data {
            return malformed(&err);
        }
        // A body that is not JSON at all is a 400 even when a member before
        // the flaw is wrong; this pass checks syntax and builds nothing.
        if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            return malformed(&syntax);
        }
        field_problem((path != ".").then_some(path), &message_of(&err), "body")
    })?;
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// The 400 for a body that is not JSON, with where it stops being JSON.
fn malformed(err: &serde_json::Error) -> Problem {
    Problem::malformed_json(format!(
        "the body is not valid JSON (line {}, column {})",
        err.line(),
        err.column()
    ))
}

/// serde_json's message without the position it appends.
fn message_of(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&position).unwrap_or(&text).to_owned()
}

/// The query string, deserialized into `T` (whose fields are optional
/// strings, parsed one by one by the handler for precise messages).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct QueryParams<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(QueryParams)
            .map_err(|err| field_problem(None, &err.to_string(), "query"))
    }
}

/// The `Idempotency-Key` header, when sent, in the caller's
/// [`IdempotencyScope`](crate::IdempotencyScope) (the shared empty scope
/// when no layer set one). Sent twice, or not printable ASCII of 1 to 255
/// bytes: 422 naming the header.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdempotencyHeader(pub(crate) Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(KEY_FIELD).iter();
        let Some(value) = values.next() else {
            return Ok(Self(None));
        };
        if values.next().is_some() {
            return Err(Problem::validation(KEY_FIELD, "send the header once"));
        }
        let key = value
            .to_str()
            .map_err(|_| Problem::validation(KEY_FIELD, "must be printable ASCII characters"))?;
        let scope = parts
            .extensions
            .get::<crate::IdempotencyScope>()
            .map_or("", |scope| scope.0.as_str());
        Ok(Self(Some(IdempotencyKey::new(scope, key)?)))
    }
}

/// A 422 from a serde message about `path` (when serde knew it);
/// `whole` names the input when neither the message nor the path does.
fn field_problem(path: Option<String>, message: &str, whole: &str) -> Problem {
    let (named, detail) = explain(message);
    Problem::validation(named.or(path).unwrap_or_else(|| whole.to_owned()), detail)
}

/// Rewrites a serde error message into `(field named by it, detail)`
/// without Rust type names.
pub(crate) fn explain(message: &str) -> (Option<String>, String) {
    if let Some(field) = between(message, "missing field `", "`") {
        return (Some(field.to_owned()), String::from("is required"));
    }
    if let Some(field) = between(message, "unknown field `", "`") {
        let expected = message
            .split_once(", expected ")
            .map(|(_, e)| e.replace('`', "\""));
        let detail = match expected {
            Some(expected) => format!("is not a known field; expected {expected}"),
            None => String::from("is not a known field"),
        };
        return (Some(field.to_owned()), detail);
    }
    if let Some(field) = between(message, "duplicate field `", "`") {
        return (
            Some(field.to_owned()),
            String::from("is given more than once"),
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let got = excerpt(&got.replace('`', ""), 60);
            return (
                None,
                match friendly_expectation(expected) {
                    Some(expected) => format!("must be {expected}, got {got}"),
                    None => format!("has the wrong type, got {got}"),
                },
            );
        }
    }
    (None, String::from("has an invalid value"))
}

/// serde's `expected …` for the types our wire structs use, in JSON words.
fn friendly_expectation(expected: &str) -> Option<&'static str> {
    Some(match expected.trim() {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "f32" | "f64" => "a number",
        "a string" | "a borrowed string" => "a string",
        "a boolean" => "true or false",
        "a sequence" => "an array",
        "a map" => "a JSON object",
        e if e.starts_with("struct ") => "a JSON object",
        _ => return None,
    })
}

/// The text between `start` and the next `end` in `s`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The first `max` characters of `s`, with an ellipsis when cut.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// A value of the query string or body that is required.
pub(crate) fn required<T>(field: &'static str, value: Option<T>) -> Result<T, Problem> {
    value.ok_or_else(|| Problem::validation(field, "is required"))
}

/// An integer id from the query string.
pub(crate) fn parse_i64(field: &'static str, value: &str) -> Result<i64, Problem> {
    value.trim().parse().map_err(|_| {
        Problem::validation(
            field,
            format!("must be an integer id, got \"{}\"", excerpt(value, 40)),
        )
    })
}

/// The id in a path such as `/teams/{id}`: one that is not an integer
/// names nothing, so it is a 404 like any unknown id.
pub(crate) fn path_id(entity: Entity, raw: &str) -> Result<i64, Problem> {
    raw.parse()
        .map_err(|_| Problem::not_found(format!("{entity} \"{}\" not found", excerpt(raw, 40))))
}

/// A team id from a path.
pub(crate) fn team_path(raw: &str) -> Result<TeamId, Problem> {
    path_id(Entity::Team, raw).map(TeamId)
}

/// An employee id from a path.
pub(crate) fn employee_path(raw: &str) -> Result<EmployeeId, Problem> {
    path_id(Entity::Employee, raw).map(EmployeeId)
}

/// A `YYYY-MM-DD` date in the years core supports
/// ([`check_supported_date`]).
pub(crate) fn parse_date(field: &'static str, value: &str) -> Result<NaiveDate, Problem> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        Problem::validation(
            field,
            format!(
                "must be a date as YYYY-MM-DD, got \"{}\"",
                excerpt(value, 40)
            ),
        )
    })?;
    Ok(check_supported_date(field, date)?)
}

/// An RFC 3339 instant, converted to UTC, in the years core supports
/// ([`check_supported_instant`]).
pub(crate) fn parse_instant(field: &'static str, value: &str) -> Result<DateTime<Utc>, Problem> {
    let at = DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Problem::validation(
                field,
                format!(
                    "must be an RFC 3339 instant such as 2026-03-02T08:55:00Z, got \"{}\"",
                    excerpt(value, 60)
                ),
            )
        })?;
    Ok(check_supported_instant(field, at)?)
}

/// An ISO week `YYYY-Www` that lies, with the week before it (which a
/// weekly summary compares with), in the years core supports: 1900-W02 to
/// 9999-W51.
pub(crate) fn parse_week(field: &'static str, value: &str) -> Result<IsoWeek, Problem> {
    let week: IsoWeek = value.parse()?;
    // The Monday first: `previous` and `sunday` are only defined well
    // inside chrono's range.
    check_supported_date(field, week.monday())?;
    check_supported_date(field, week.previous().monday())?;
    check_supported_date(field, week.sunday())?;
    Ok(week)
}

/// A local time as `HH:MM` or `HH:MM:SS`.
pub(crate) fn parse_time(field: &'static str, value: &str) -> Result<NaiveTime, Problem> {
    let value = value.trim();
    NaiveTime::parse_from_str(value, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S"))
        .map_err(|_| {
            Problem::validation(
                field,
                format!(
                    "must be a local time as HH:MM, got \"{}\"",
                    excerpt(value, 40)
                ),
            )
        })
}

/// The `limit` of a listing as a number. Its range is core's to check
/// (`PageRequest::new`, with the constants the OpenAPI document quotes), so
/// a whole number outside `u32` is passed on saturated rather than refused
/// here, and the client reads core's message with the bounds.
pub(crate) fn parse_page_size(value: &str) -> Result<u32, Problem> {
    let digits = value.trim();
    if let Ok(n) = digits.parse::<u32>() {
        return Ok(n);
    }
    let (negative, magnitude) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits.strip_prefix('+').unwrap_or(digits)),
    };
    if !magnitude.is_empty() && magnitude.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(if negative { 0 } else { u32::MAX });
    }
    Err(Problem::validation(
        "limit",
        format!("must be a whole number, got \"{}\"", excerpt(value, 20)),
    ))
}

/// `WFH` or `WFO`.
pub(crate) fn parse_work_mode(value: &str) -> Result<WorkMode, Problem> {
    WorkMode::from_str(value).map_err(Problem::from)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        employee_id: i64,
        limit: Option<u32>,
        is_manager: Option<bool>,
        name: Option<String>,
    }

    fn problem(json: &str) -> Problem {
        parse_json::<Body>(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let p = problem("{}");
        assert_eq!(p.status, 422);
        assert_eq!(p.extensions.errors[0].field, "employee_id");
        assert_eq!(p.extensions.errors[0].detail, "is required");

        let p = problem(r#"{"employee_id": 1, "employe": 2}"#);
        assert_eq!(p.extensions.errors[0].field, "employe");
        assert!(
            p.extensions.errors[0].detail.contains("\"employee_id\""),
            "{p:?}"
        );
    }

    #[test]
    fn wrong_types_are_explained_without_rust_names() {
        for (json, field, expected) in [
            (r#"{"employee_id": "seven"}"#, "employee_id", "an integer"),
            (
                r#"{"employee_id": 1, "limit": -1}"#,
                "limit",
                "a non-negative integer",
            ),
            (
                r#"{"employee_id": 1, "is_manager": "yes"}"#,
                "is_manager",
                "true or false",
            ),
            (r#"{"employee_id": 1, "name": 5}"#, "name", "a string"),
        ] {
            let p = problem(json);
            assert_eq!(p.status, 422, "{json}");
            assert_eq!(p.extensions.errors[0].field, field, "{json}");
            assert!(
                p.extensions.errors[0].detail.contains(expected),
                "{json}: {p:?}"
            );
            for rust in ["i64", "u32", "bool", "String", "struct", "Body"] {
                assert!(!p.detail.contains(rust), "{json}: {}", p.detail);
            }
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_validation_problem() {
        let p = problem("[1, 2]");
        assert_eq!(p.status, 422);
        assert_eq!(p.extensions.errors[0].field, "body");
        assert!(!p.detail.contains("Body"), "{}", p.detail);
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for json in [r#"{"employee_id": 1"#, "{'a': 1}", "", "{} {}"] {
            let p = problem(json);
            assert_eq!(p.status, 400, "{json}");
            assert_eq!(p.type_uri, crate::problem::types::MALFORMED_JSON);
        }
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("text/x+json", false),
            ("json", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), ok, "{value}");
        }
    }

    #[test]
    fn values() {
        assert!(parse_date("from", "2026-03-02").is_ok());
        assert_eq!(
            parse_date("from", "02/03/2026")
                .unwrap_err()
                .extensions
                .errors[0]
                .field,
            "from"
        );
        assert_eq!(
            parse_instant("at", "2026-03-02T09:00:00+01:00").unwrap(),
            "2026-03-02T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(parse_instant("at", "2026-03-02 09:00").is_err());
        assert_eq!(
            parse_time("late_after", "09:45").unwrap(),
            NaiveTime::from_hms_opt(9, 45, 0).unwrap()
        );
        assert!(parse_time("late_after", "9.45").is_err());
        assert_eq!(path_id(Entity::Team, "abc").unwrap_err().status, 404);
        assert_eq!(parse_page_size(" 25 ").unwrap(), 25);
        // Out of `u32`: saturated for core's range check to name its bounds.
        assert_eq!(parse_page_size("-3").unwrap(), 0);
        assert_eq!(parse_page_size("99999999999").unwrap(), u32::MAX);
        for bad in ["ten", "", "-", "2.5", "1e3"] {
            assert_eq!(
                parse_page_size(bad).unwrap_err().extensions.errors[0].field,
                "limit"
            );
        }
        assert_eq!(parse_i64("team_id", "x").unwrap_err().status, 422);
    }
}
