//! Values at the edges that broke before, for the property tests: years
//! far outside what chrono's arithmetic or PostgreSQL can hold, ISO weeks
//! of such years, instants with extreme offsets, and JSON values of every
//! kind.

use proptest::prelude::*;
use serde_json::json;

/// Years at and around the edges of chrono (±262143), PostgreSQL and the
/// supported range, and anything in between.
pub fn year() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            -262_145i64,
            -262_144,
            -262_143,
            -262_142,
            -1,
            0,
            1899,
            1900,
            9999,
            10_000,
            262_142,
            262_143,
            262_144,
        ]),
        1 => -300_000i64..300_000,
    ]
}

/// A month, week or day number: mostly at the edges.
pub fn number(edges: Vec<u32>, all: std::ops::Range<u32>) -> impl Strategy<Value = u32> {
    prop_oneof![3 => prop::sample::select(edges), 1 => all]
}

pub fn signed_year(y: i64) -> String {
    if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("+{y}")
    }
}

pub fn date() -> impl Strategy<Value = String> {
    (year(), 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{}-{m:02}-{d:02}", signed_year(y)))
}

pub fn week() -> impl Strategy<Value = String> {
    (
        year(),
        number(vec![0, 1, 2, 3, 51, 52, 53, 54], 0..60),
        any::<bool>(),
    )
        .prop_map(|(y, w, dash)| {
            let y = if y < 0 { y.to_string() } else { signed_year(y) };
            if dash {
                format!("{y}-W{w:02}")
            } else {
                format!("{y}W{w}")
            }
        })
}

pub fn instant() -> impl Strategy<Value = String> {
    (year(), 1u32..13, 1u32..29, 0u32..24, -25i32..26).prop_map(|(y, m, d, h, off)| {
        let sign = if off < 0 { '-' } else { '+' };
        format!(
            "{}-{m:02}-{d:02}T{h:02}:00:00{sign}{:02}:59",
            signed_year(y),
            off.abs()
        )
    })
}

/// Any value a parameter might be given.
pub fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        date(),
        week(),
        instant(),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "0",
            "1",
            "2",
            "-1",
            "500",
            "501",
            "4294967296",
            "day",
            "week",
            "month",
            "WFH",
            "WFO",
            "",
            " ",
        ])
        .prop_map(str::to_owned),
        "[0-9a-f]{32}",
        "\\PC{0,24}",
    ]
}

/// A JSON value a field of a change might be given: mostly of its kind,
/// at the edges, sometimes of another kind.
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![0i64, 1, 2, -1, i64::MAX, i64::MIN]).prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        "\\PC{0,240}".prop_map(|s| json!(s)),
        Just(json!(" ")),
        Just(json!(null)),
        Just(json!(1.5)),
        Just(json!([])),
    ]
}
