//! The CSV form of an import.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use super::{ImportRow, RejectReason, RejectedRow};
use crate::domain::{EmployeeId, WorkMode};

/// The rows of `text` by line, and the records that could not be read.
pub(super) fn read(text: &str) -> (Vec<(u64, ImportRow)>, Vec<RejectedRow>) {
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (line, record) in (1..).zip(text.lines()) {
        let record = record.trim();
        if record.is_empty() || (line == 1 && record.starts_with(|c: char| c.is_ascii_alphabetic()))
        {
            continue;
        }
        match parse_record(record) {
            Ok(row) => rows.push((line, row)),
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    (rows, rejected)
}

/// Parses one record `employee_id,clock_in,clock_out,work_mode[,work_date]`.
fn parse_record(record: &str) -> Result<ImportRow, RejectReason> {
    let malformed = |detail: String| RejectReason::Malformed { detail };
    let fields: Vec<&str> = record.split(',').map(str::trim).collect();
    let [employee_id, clock_in, clock_out, work_mode, rest @ ..] = fields.as_slice() else {
        return Err(malformed(too_few_or_many(fields.len())));
    };
    let work_date =
        match rest {
            [] | [""] => None,
            [value] => Some(NaiveDate::from_str(value).map_err(|_| {
                malformed(format!("work_date {value:?} is not a date (YYYY-MM-DD)"))
            })?),
            _ => return Err(malformed(too_few_or_many(fields.len()))),
        };
    let employee_id = employee_id
        .parse::<i64>()
        .map_err(|_| malformed(format!("employee_id {employee_id:?} is not an integer")))?;
    let instant = |name: &str, value: &str| {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| malformed(format!("{name} {value:?} is not an RFC 3339 instant: {e}")))
    };
    let clock_in = instant("clock_in", clock_in)?;
    let clock_out = match *clock_out {
        "" => None,
        value => Some(instant("clock_out", value)?),
    };
    let work_mode = WorkMode::from_str(work_mode).map_err(|_| RejectReason::WorkMode {
        value: (*work_mode).to_owned(),
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
}
