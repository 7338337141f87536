//! The CSV file: RFC 4180 through the `csv` crate, cut into chunks as the
//! rows arrive.

use std::fmt::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use attendance_core::export::{LockTally, TimesheetRow, TimesheetStream};
use attendance_core::{Error, Result};
use chrono::{Datelike, NaiveDate};
use futures_core::Stream;

use crate::line::{COLUMNS, Cell, Line, Totals};

/// A chunk is handed on once it holds this much: large enough that a
/// socket write or a file write is worth its call, small enough that the
/// file never gathers in memory.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Rows in, CSV chunks out.
pub(crate) struct CsvChunks<'a> {
    rows: TimesheetStream<'a>,
    /// `None` once the stream has ended (or failed).
    encoder: Option<Encoder>,
    tally: LockTally,
}

impl<'a> CsvChunks<'a> {
    pub(crate) fn new(rows: TimesheetStream<'a>) -> Self {
        Self {
            rows,
            encoder: Some(Encoder::new()),
            tally: LockTally::default(),
        }
    }

    pub(crate) fn tally(&self) -> LockTally {
        self.tally
    }
}

impl Stream for CsvChunks<'_> {
    type Item = Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(encoder) = this.encoder.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            if encoder.len() >= CHUNK_BYTES {
                return Poll::Ready(Some(Ok(encoder.take())));
            }
            let item = match this.rows.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(item) => item,
            };
            let done = match item {
                Some(Ok(row)) => {
                    this.tally.add(&row);
                    match encoder.row(&row) {
                        Ok(()) => continue,
                        Err(e) => Err(e),
                    }
                }
                Some(Err(e)) => Err(e),
                None => encoder.finish().map(|()| encoder.take()),
            };
            // The end, or an error: nothing is written after either.
            this.encoder = None;
            return Poll::Ready(Some(done));
        }
    }
}

/// The writer of lines into the current chunk.
struct Encoder {
    out: csv::Writer<Vec<u8>>,
    totals: Totals,
    /// Formats one whole number.
    int: itoa::Buffer,
    /// Holds one formatted day count or date; reused so a row allocates
    /// nothing.
    number: String,
    /// Holds one neutralised text cell.
    text: String,
    /// Starts each row: the header or the last row ended the previous one.
    header_written: bool,
}

impl Encoder {
    fn new() -> Self {
        Self {
            out: writer(),
            totals: Totals::default(),
            int: itoa::Buffer::new(),
            number: String::new(),
            text: String::new(),
            header_written: false,
        }
    }

    /// Bytes in the chunk (each line is flushed into it as it ends).
    fn len(&self) -> usize {
        self.out.get_ref().len()
    }

    fn take(&mut self) -> Vec<u8> {
        // Every line was flushed, so nothing is left in the writer's buffer.
        std::mem::replace(&mut self.out, writer())
            .into_inner()
            .unwrap_or_default()
    }

    fn header(&mut self) -> Result<()> {
        if !self.header_written {
            self.header_written = true;
            self.out.write_record(COLUMNS).map_err(Error::backend)?;
            self.out.flush().map_err(Error::backend)?;
        }
        Ok(())
    }

    fn row(&mut self, row: &TimesheetRow) -> Result<()> {
        self.header()?;
        if let Some(total) = self.totals.push(row) {
            self.line(&total.line())?;
        }
        self.line(&Line::day(row))
    }

    fn finish(&mut self) -> Result<()> {
        self.header()?;
        if let Some(total) = self.totals.finish() {
            self.line(&total.line())?;
        }
        Ok(())
    }

    fn line(&mut self, line: &Line<'_>) -> Result<()> {
        let w = &mut self.out;
        for cell in line.cells() {
            self.number.clear();
            let field: &[u8] = match cell {
                Cell::Text(s) => neutralise(s, &mut self.text).as_bytes(),
                Cell::Int(n) => self.int.format(n).as_bytes(),
                Cell::Days(d) => {
                    days(d, &mut self.int, &mut self.number);
                    self.number.as_bytes()
                }
                Cell::Date(d) => {
                    date(d, &mut self.number);
                    self.number.as_bytes()
                }
                Cell::Empty => b"",
                Cell::Bool(b) => {
                    if b {
                        b"true"
                    } else {
                        b"false"
                    }
                }
            };
            w.write_field(field).map_err(Error::backend)?;
        }
        w.write_record(None::<&[u8]>).map_err(Error::backend)?;
        w.flush().map_err(Error::backend)
    }
}

/// Days come in halves: `1`, `0.5`, `2.5`, as `f64`'s `Display` writes
/// them, without its general algorithm.
fn days(d: f64, int: &mut itoa::Buffer, out: &mut String) {
    let halves = d * 2.0;
    if halves.fract() == 0.0 && (0.0..1e15).contains(&halves) {
        let halves = halves as i64;
        out.push_str(int.format(halves / 2));
        if halves % 2 == 1 {
            out.push_str(".5");
        }
    } else {
        let _ = write!(out, "{d}");
    }
}

/// `YYYY-MM-DD`, as `NaiveDate`'s `Display` writes years 0 to 9999.
fn date(d: NaiveDate, out: &mut String) {
    let (year, month, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "{d}");
        return;
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let year = year.unsigned_abs();
    for n in [year / 1000, year / 100, year / 10, year] {
        out.push(digit(n));
    }
    for n in [month, day] {
        out.push('-');
        out.push(digit(n / 10));
        out.push(digit(n));
    }
}

/// RFC 4180: commas, quotes and line breaks inside a field are quoted,
/// lines end in CRLF.
fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(CHUNK_BYTES + 8 * 1024))
}

/// Spreadsheet apps run a cell that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return as a formula (CSV injection). A name is text, never a
/// formula: such a cell gets a leading `'`, which the apps read as "text".
pub(crate) fn neutralise<'s>(s: &'s str, scratch: &'s mut String) -> &'s str {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        scratch.clear();
        scratch.push('\'');
        scratch.push_str(s);
        scratch
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_read_as_display_writes_them() {
        let mut int = itoa::Buffer::new();
        for d in [0.0, 0.5, 1.0, 1.5, 22.0, 365.5, -0.5, 0.25] {
            let mut out = String::new();
            days(d, &mut int, &mut out);
            assert_eq!(out, d.to_string());
        }
        for s in ["2026-03-01", "1900-01-09", "9999-12-31", "0001-10-10"] {
            let d: NaiveDate = s.parse().unwrap();
            let mut out = String::new();
            date(d, &mut out);
            assert_eq!(out, d.to_string());
        }
        let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap();
        let mut out = String::new();
        date(far, &mut out);
        assert_eq!(out, far.to_string());
    }
}
