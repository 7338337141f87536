//! Pieces every resource uses: the work mode, local times, the health body,
//! the page size, and schemas whose text is written from core's constants.

use std::borrow::Cow;

use attendance_core::store::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Where a session was worked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WorkMode {
    /// Work from home.
    #[serde(rename = "WFH")]
    Wfh,
    /// Work from office.
    #[serde(rename = "WFO")]
    Wfo,
}

impl From<attendance_core::WorkMode> for WorkMode {
    fn from(mode: attendance_core::WorkMode) -> Self {
        match mode {
            attendance_core::WorkMode::Wfh => Self::Wfh,
            attendance_core::WorkMode::Wfo => Self::Wfo,
        }
    }
}

/// `{"status": "ok"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` on a 200.
    #[schema(example = "ok")]
    pub status: String,
}

/// The `limit` of a listing, as documented: a whole number from 1 to
/// [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent. Only its schema is
/// used; core's `PageRequest::new` does the check, with the same constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize;

impl PartialSchema for PageSize {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some(format!(
                "Page size, 1–{MAX_PAGE_SIZE}; default {DEFAULT_PAGE_SIZE}."
            )))
            .minimum(Some(1))
            .maximum(Some(MAX_PAGE_SIZE))
            .default(Some(DEFAULT_PAGE_SIZE.into()))
            .into()
    }
}

impl ToSchema for PageSize {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PageSize")
    }
}

/// A string property whose description is written at run time (from a
/// constant of core), with an example; `nullable` for an optional member.
// `example` rather than `examples`: the derived schemas beside these write
// `example`, and one document should use one form.
#[allow(deprecated)]
pub(crate) fn described_string(
    description: String,
    example: &'static str,
    nullable: bool,
) -> ObjectBuilder {
    let schema_type = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .description(Some(description))
        .example(Some(example.into()))
}

/// A local time of day as `HH:MM`, or `HH:MM:SS` when it has seconds.
pub(crate) fn format_time(t: NaiveTime) -> String {
    if t.second() == 0 && t.nanosecond() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}
