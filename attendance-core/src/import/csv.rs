//! The CSV form of an import, read with the `csv` crate (RFC 4180: quoted
//! fields may hold commas, doubled quotes and line breaks), so a record is
//! what a spreadsheet or `psql \copy` meant, not what a split on commas
//! makes of it.

use std::str::FromStr;

use chrono::NaiveDate;

use super::{ImportRow, RejectReason, RejectedRow, parse_instant};
use crate::domain::{EmployeeId, WorkMode};

/// Longest field read, in bytes. No value of a record comes near it (an
/// instant with nanoseconds and an offset is 38 bytes); a longer one is
/// refused before it is parsed, and never quoted whole in the report.
const MAX_FIELD_BYTES: usize = 256;

/// Longest value quoted in a refusal, in characters.
const MAX_QUOTED_CHARS: usize = 64;

/// The records of `bytes`, numbered by the line each starts on, and the
/// records that could not be read.
pub(super) fn read(bytes: &[u8]) -> (Vec<(u64, ImportRow)>, Vec<RejectedRow>) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = Lines::new(bytes);
    loop {
        let line = lines.at(reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // Reading from memory without a fixed field count, the
                // reader has no error it can recover from: report and stop.
                let line = e.position().map_or(line, |p| lines.at(p.byte()));
                let detail = format!("the CSV text cannot be read: {e}");
                rejected.push(RejectedRow {
                    line,
                    reason: RejectReason::Malformed { detail },
                });
                break;
            }
        }
        let line = record.position().map_or(line, |p| lines.at(p.byte()));
        match fields(&record) {
            Ok(fields) => {
                let blank = matches!(fields.as_slice(), [only] if only.is_empty());
                if blank || (line == 1 && is_header(&fields)) {
                    continue;
                }
                match parse_record(&fields) {
                    Ok(row) => rows.push((line, row)),
                    Err(reason) => rejected.push(RejectedRow { line, reason }),
                }
            }
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    (rows, rejected)
}

/// Line numbers of byte offsets, counted from the text itself: the line a
/// record starts on, blank lines before it skipped, for offsets that only
/// grow (amortised O(1) each).
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: u64) -> u64 {
        let mut to = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // Blank lines before a record belong to no record.
        while let Some(b'\r' | b'\n') = self.bytes.get(to) {
            to += 1;
        }
        if to > self.offset {
            let newlines = self.bytes[self.offset..to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = to;
        }
        self.line
    }
}

/// A record's fields as text, each without its blanks and, when it still
/// has them (a quoted field padded with blanks outside its quotes), its
/// enclosing double quotes.
fn fields(record: &csv::ByteRecord) -> Result<Vec<&str>, RejectReason> {
    (1..)
        .zip(record.iter())
        .map(|(n, raw)| {
            if raw.len() > MAX_FIELD_BYTES {
                return Err(RejectReason::Malformed {
                    detail: format!(
                        "field {n} is {} bytes long, more than the {MAX_FIELD_BYTES} any value needs",
                        raw.len()
                    ),
                });
            }
            let text = std::str::from_utf8(raw).map_err(|_| RejectReason::Malformed {
                detail: format!("field {n} is not UTF-8 text"),
            })?;
            let trimmed = text.trim();
            Ok(trimmed
                .strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .map_or(trimmed, str::trim))
        })
        .collect()
}

/// A header starts with a letter; a record with a digit.
fn is_header(fields: &[&str]) -> bool {
    fields
        .first()
        .is_some_and(|f| f.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// `value` for a refusal, cut to [`MAX_QUOTED_CHARS`].
fn quoted(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{:?}…", &value[..end]),
        None => format!("{value:?}"),
    }
}

/// Parses one record `employee_id,clock_in,clock_out,work_mode[,work_date]`.
fn parse_record(fields: &[&str]) -> Result<ImportRow, RejectReason> {
    let malformed = |detail: String| RejectReason::Malformed { detail };
    let count = || malformed(too_few_or_many(fields.len()));
    let (employee_id, clock_in, clock_out, work_mode, work_date) = match *fields {
        [e, i, o, m] => (e, i, o, m, None),
        [e, i, o, m, d] => (e, i, o, m, Some(d)),
        _ => return Err(count()),
    };
    let work_date = match work_date {
        None | Some("") => None,
        Some(value) => Some(NaiveDate::from_str(value).map_err(|_| {
            malformed(format!(
                "work_date {} is not a date (YYYY-MM-DD)",
                quoted(value)
            ))
        })?),
    };
    let employee_id = employee_id.parse::<i64>().map_err(|_| {
        malformed(format!(
            "employee_id {} is not an integer",
            quoted(employee_id)
        ))
    })?;
    let instant = |name: &str, value: &str| {
        parse_instant(value)
            .map_err(|e| malformed(format!("{name} {} is not an instant: {e}", quoted(value))))
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

    /// The one record of `text`, after a header line.
    fn parse_one(text: &str) -> Result<ImportRow, RejectReason> {
        let (mut rows, mut rejected) = read(format!("employee_id\n{text}").as_bytes());
        assert_eq!(rows.len() + rejected.len(), 1, "{text}");
        match rows.pop() {
            Some((_, row)) => Ok(row),
            None => Err(rejected.remove(0).reason),
        }
    }

    fn read_str(text: &str) -> (Vec<(u64, ImportRow)>, Vec<RejectedRow>) {
        read(text.as_bytes())
    }

    #[test]
    fn records_parse_or_say_why_not() {
        let row =
            parse_one("7, 2026-03-02T07:55:00Z,2026-03-02T16:05:00+00:00,wfo,2026-03-02").unwrap();
        assert_eq!(row.employee_id, EmployeeId(7));
        assert_eq!(row.work_mode, WorkMode::Wfo);
        assert_eq!(row.clock_out, Some(at("2026-03-02T16:05:00Z")));
        assert_eq!(row.work_date, "2026-03-02".parse().ok());
        let open = parse_one("7,2026-03-02T07:55:00Z,,WFH").unwrap();
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
            let reason = parse_one(record).unwrap_err();
            assert!(reason.to_string().contains(expected), "{record}: {reason}");
        }
        assert_eq!(
            parse_one("7,2026-03-02T07:55:00Z,,home").unwrap_err(),
            RejectReason::WorkMode {
                value: "home".into()
            }
        );
    }

    #[test]
    fn headers_blank_lines_and_bad_records_keep_their_line_numbers() {
        let (rows, rejected) = read_str(
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
        let (rows, rejected) = read_str(
            "employee_id,clock_in,clock_out,work_mode,work_date\r\n\
             7,2026-03-02 08:55:00.123456+01,2026-03-02 17:05:00+01,WFO,2026-03-02\r\n\
             7,2026-03-03 08:55:00+01,,WFH,2026-03-03\r\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(rows[0].1.clock_in, at("2026-03-02T07:55:00.123456Z"));
        assert_eq!(rows[0].1.clock_out, Some(at("2026-03-02T16:05:00Z")));
        assert_eq!(rows[1].1.clock_out, None);
        // A spreadsheet that quotes every cell, header included.
        let (rows, rejected) = read_str(
            "\"employee_id\",\"clock_in\",\"clock_out\",\"work_mode\"\n\
             \"7\",\"2026-03-02 07:55:00Z\",\"\",\"WFH\"\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1.clock_in, at("2026-03-02T07:55:00Z"));
    }

    #[test]
    fn a_quoted_comma_stays_inside_its_field() {
        // Split on commas, this record would have six fields and be
        // refused for its count; read as CSV, its work mode is wrong.
        let reason = parse_one("7,2026-03-02T07:55:00Z,,\"WFH, mostly\",2026-03-02").unwrap_err();
        assert_eq!(
            reason,
            RejectReason::WorkMode {
                value: "WFH, mostly".into()
            }
        );
    }

    #[test]
    fn doubled_quotes_are_one_quote() {
        let reason = parse_one("7,2026-03-02T07:55:00Z,,\"W\"\"FH\"").unwrap_err();
        assert_eq!(
            reason,
            RejectReason::WorkMode {
                value: "W\"FH".into()
            }
        );
    }

    #[test]
    fn a_quoted_line_break_keeps_the_record_on_its_first_line() {
        let (rows, rejected) = read_str(
            "7,2026-03-02T07:55:00Z,,\"WF\nH\"\r\n\
             8,2026-03-02T07:55:00Z,,WFO\r\n",
        );
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert_eq!(rejected[0].line, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 3, "the second record starts on line 3");
    }

    #[test]
    fn crlf_and_a_byte_order_mark_are_read() {
        let (rows, rejected) = read_str(
            "\u{feff}\"employee_id\",clock_in,clock_out,work_mode\r\n\
             7,2026-03-02T07:55:00Z,,WFH\r\n\r\n\
             8,2026-03-02T07:55:00Z,,WFO\r\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 4]);
        assert_eq!(rows[1].1.work_mode, WorkMode::Wfo);
    }

    #[test]
    fn a_ragged_row_is_refused_alone() {
        let (rows, rejected) = read_str(
            "7,2026-03-02T07:55:00Z,,WFH\n\
             8,2026-03-02T07:55:00Z\n\
             9,2026-03-02T07:55:00Z,,WFO\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 2);
        assert!(
            rejected[0].reason.to_string().contains("found 2"),
            "{}",
            rejected[0].reason
        );
    }

    #[test]
    fn a_huge_field_is_refused_without_being_quoted_whole() {
        let huge = "7".repeat(10 * 1024 * 1024);
        let text = format!("{huge},2026-03-02T07:55:00Z,,WFH\n8,2026-03-02T07:55:00Z,,WFO\n");
        let (rows, rejected) = read_str(&text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rejected.len(), 1);
        let reason = rejected[0].reason.to_string();
        assert!(
            reason.contains("field 1 is 10485760 bytes long"),
            "{reason}"
        );
        assert!(reason.len() < 200, "the report stays small: {reason}");
    }

    #[test]
    fn a_long_value_is_quoted_cut() {
        let long = "x".repeat(200);
        let reason = parse_one(&format!("{long},2026-03-02T07:55:00Z,,WFH"))
            .unwrap_err()
            .to_string();
        assert!(
            reason.contains(&format!("{:?}…", "x".repeat(64))),
            "{reason}"
        );
        assert!(!reason.contains(&"x".repeat(65)), "{reason}");
    }

    #[test]
    fn invalid_utf8_is_refused_row_by_row() {
        let mut text = b"7,2026-03-02T07:55:00Z,,WF\xffH\n".to_vec();
        text.extend_from_slice(b"8,2026-03-02T07:55:00Z,,WFO\n");
        let (rows, rejected) = read(&text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 1);
        assert!(
            rejected[0]
                .reason
                .to_string()
                .contains("field 4 is not UTF-8"),
            "{}",
            rejected[0].reason
        );
    }
}
