//! The CSV form of an import.

use std::str::FromStr;

use chrono::NaiveDate;

use super::{ImportRow, RejectReason, RejectedRow, parse_instant};
use crate::domain::{EmployeeId, WorkMode};

/// The rows of `text` by line, and the records that could not be read.
pub(super) fn read(text: &str) -> (Vec<(u64, ImportRow)>, Vec<RejectedRow>) {
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (line, record) in (1..).zip(text.lines()) {
        let record = record.trim();
        if record.is_empty() || (line == 1 && is_header(record)) {
            continue;
        }
        match parse_record(record) {
            Ok(row) => rows.push((line, row)),
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    (rows, rejected)
}

/// A header starts with a letter, quoted or not; a record with a digit.
fn is_header(record: &str) -> bool {
    record
        .trim_start_matches('"')
        .starts_with(|c: char| c.is_ascii_alphabetic())
}

/// A field without its blanks and, when it has them, its enclosing double
/// quotes (spreadsheets quote freely; none of our values holds a comma).
fn field(raw: &str) -> &str {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(trimmed, str::trim)
}

/// Parses one record `employee_id,clock_in,clock_out,work_mode[,work_date]`
/// without allocating unless it is refused.
fn parse_record(record: &str) -> Result<ImportRow, RejectReason> {
    let malformed = |detail: String| RejectReason::Malformed { detail };
    let count = || malformed(too_few_or_many(record.split(',').count()));
    let mut fields = record.split(',').map(field);
    let (Some(employee_id), Some(clock_in), Some(clock_out), Some(work_mode)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(count());
    };
    let work_date =
        match (fields.next(), fields.next()) {
            (None | Some(""), None) => None,
            (Some(value), None) => Some(NaiveDate::from_str(value).map_err(|_| {
                malformed(format!("work_date {value:?} is not a date (YYYY-MM-DD)"))
            })?),
            (_, Some(_)) => return Err(count()),
        };
    let employee_id = employee_id
        .parse::<i64>()
        .map_err(|_| malformed(format!("employee_id {employee_id:?} is not an integer")))?;
    let instant = |name: &str, value: &str| {
        parse_instant(value)
            .map_err(|e| malformed(format!("{name} {value:?} is not an instant: {e}")))
    };
    let clock_in = instant("clock_in", clock_in)?;
    let clock_out = match clock_out {
        "" => None,
        value => Some(instant("clock_out", value)?),
    };
    let work_mode = WorkMode::from_str(work_mode).map_err(|_| RejectReason::WorkMode {
        value: work_mode.to_owned(),
    })?;
    Ok(ImportRow {
        employee_id: EmployeeId(employee_id),
        work_mode,
        clock_in,
        clock_out,
        work_date,
    })
}

fn too_few_or_many(found: usize) -> String {
    format!(
        "expected 4 or 5 comma-separated fields \
         (employee_id,clock_in,clock_out,work_mode[,work_date]), found {found}"
    )
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn records_parse_or_say_why_not() {
        let row = parse_record("7, 2026-03-02T07:55:00Z,2026-03-02T16:05:00+00:00,wfo,2026-03-02")
            .unwrap();
        assert_eq!(row.employee_id, EmployeeId(7));
        assert_eq!(row.work_mode, WorkMode::Wfo);
        assert_eq!(row.clock_out, Some(at("2026-03-02T16:05:00Z")));
        assert_eq!(row.work_date, "2026-03-02".parse().ok());
        let open = parse_record("7,2026-03-02T07:55:00Z,,WFH").unwrap();
        assert_eq!(open.clock_out, None);
        for (record, expected) in [
            ("7,2026-03-02T07:55:00Z,,WFH,x", "work_date"),
            ("x,2026-03-02T07:55:00Z,,WFH", "employee_id"),
            ("7,yesterday,,WFH", "clock_in"),
            ("7,2026-03-02 07:55:00,,WFH", "no UTC offset"),
            ("7,2026-03-02T07:55:00Z,2026-03-02 16:05,WFH", "clock_out"),
            ("7,2026-03-02T07:55:00Z", "4 or 5"),
            ("7,2026-03-02T07:55:00Z,,WFH,2026-03-02,x", "4 or 5"),
        ] {
            let reason = parse_record(record).unwrap_err();
            assert!(reason.to_string().contains(expected), "{record}: {reason}");
        }
        assert_eq!(
            parse_record("7,2026-03-02T07:55:00Z,,home").unwrap_err(),
            RejectReason::WorkMode {
                value: "home".into()
            }
        );
    }

    #[test]
    fn headers_blank_lines_and_bad_records_keep_their_line_numbers() {
        let (rows, rejected) = read(
            "\u{feff}employee_id,clock_in,clock_out,work_mode\n\
             7,2026-03-02T07:55:00Z,,WFH\n\n\
             nonsense\n\
             8,2026-03-02T07:55:00Z,,WFO\n",
        );
        let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 5]);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 4);
    }

    #[test]
    fn postgres_and_spreadsheet_records_are_read() {
        // `COPY (SELECT employee_id, clock_in, clock_out, work_mode,
        // work_date …) TO STDOUT (FORMAT csv, HEADER)`, TimeZone Europe/Berlin.
        let (rows, rejected) = read(
            "employee_id,clock_in,clock_out,work_mode,work_date\r\n\
             7,2026-03-02 08:55:00.123456+01,2026-03-02 17:05:00+01,WFO,2026-03-02\r\n\
             7,2026-03-03 08:55:00+01,,WFH,2026-03-03\r\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(rows[0].1.clock_in, at("2026-03-02T07:55:00.123456Z"));
        assert_eq!(rows[0].1.clock_out, Some(at("2026-03-02T16:05:00Z")));
        assert_eq!(rows[1].1.clock_out, None);
        // A spreadsheet that quotes every cell, header included.
        let (rows, rejected) = read(
            "\"employee_id\",\"clock_in\",\"clock_out\",\"work_mode\"\n\
             \"7\",\"2026-03-02 07:55:00Z\",\"\",\"WFH\"\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1.clock_in, at("2026-03-02T07:55:00Z"));
    }
}
