//! PostgreSQL's binary `COPY` format: a header, then per row a field count
//! and each field as a length (-1 for NULL) and its bytes, all big-endian;
//! a trailer of -1.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use attendance_core::import::Candidate;

pub(super) const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
pub(super) const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from 0001-01-01 (chrono's day 1) to 2000-01-01.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

fn put_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&8i32.to_be_bytes());
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_instant(buf: &mut Vec<u8>, at: DateTime<Utc>) {
    put_i64(buf, at.timestamp_micros() - PG_EPOCH_MICROS);
}

fn put_date(buf: &mut Vec<u8>, date: NaiveDate) {
    buf.extend_from_slice(&4i32.to_be_bytes());
    buf.extend_from_slice(&(date.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE).to_be_bytes());
}

/// (line,) employee_id, work_date, clock_in, clock_out, work_mode.
pub(super) fn put_row(buf: &mut Vec<u8>, row: &Candidate, with_line: bool) {
    let fields: i16 = if with_line { 6 } else { 5 };
    buf.extend_from_slice(&fields.to_be_bytes());
    if with_line {
        put_i64(buf, i64::try_from(row.line).unwrap_or(i64::MAX));
    }
    put_i64(buf, row.employee_id.0);
    put_date(buf, row.work_date);
    put_instant(buf, row.clock_in);
    match row.clock_out {
        Some(out) => put_instant(buf, out),
        None => buf.extend_from_slice(&(-1i32).to_be_bytes()),
    }
    let mode = row.work_mode.as_str().as_bytes();
    buf.extend_from_slice(&(mode.len() as i32).to_be_bytes());
    buf.extend_from_slice(mode);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_postgres_epochs() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert_eq!(epoch.num_days_from_ce(), PG_EPOCH_DAYS_FROM_CE);
        let midnight = epoch.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(midnight.timestamp_micros(), PG_EPOCH_MICROS);
        assert_eq!(HEADER.len(), 19);
    }
}
