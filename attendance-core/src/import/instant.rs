//! The instants an import reads: one grammar, written once
//! ([`parse_instant`]), shared by every source that carries instants as
//! text.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

/// Why a text is not an instant [`parse_instant`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstantError {
    /// Date and time are there, the UTC offset is not.
    #[error(
        "it has no UTC offset; add one (`Z`, `+00`, `+01:00`): a local time alone is ambiguous"
    )]
    NoOffset,
    /// The text does not follow the grammar.
    #[error("expected {expected} at character {at}")]
    Syntax {
        /// What the grammar expects there.
        expected: &'static str,
        /// The 1-based position in the text.
        at: usize,
    },
    /// More than nine digits after the decimal point.
    #[error("it has more than 9 fractional digits")]
    TooPrecise,
    /// The fields are well formed but name no date, time or offset
    /// (`2025-02-30`, `25:00:00`, `+24:00`), or an instant out of range.
    #[error("it is out of range ({what})")]
    OutOfRange {
        /// Which part.
        what: &'static str,
    },
}

/// Reads one instant into UTC, keeping every fractional digit (the import
/// cuts them to [`stored_precision`](crate::domain::stored_precision)). It
/// does not allocate. The grammar:
///
/// ```text
/// instant  = date sep time [fraction] offset
/// date     = 4DIGIT "-" 2DIGIT "-" 2DIGIT              ; 2025-12-15
/// sep      = "T" / "t" / " "
/// time     = 2DIGIT ":" 2DIGIT ":" 2DIGIT              ; 07:32:00, a leap second :60 too
/// fraction = "." 1*9DIGIT                              ; up to nanoseconds
/// offset   = "Z" / "z" / ("+" / "-") 2DIGIT [":" 2DIGIT [":" 2DIGIT]]
/// ```
///
/// That is RFC 3339 (what chrono, JavaScript's `toISOString` and most APIs
/// write), the same with a space for the `T` (ISO 8601, and what
/// spreadsheets usually show), and PostgreSQL's text output of a
/// `timestamptz` with the default `DateStyle` (`2025-12-15 07:32:00.5+00`,
/// `+05:30`, or `-00:25:21` for an old local mean time). An instant must
/// carry its offset: a local time alone names a different instant in every
/// timezone, so it is refused ([`InstantError::NoOffset`]) rather than
/// guessed.
///
/// ```
/// use attendance_core::import::{InstantError, parse_instant};
///
/// let pg = parse_instant("2025-12-15 08:32:00.25+01").unwrap();
/// assert_eq!(pg, parse_instant("2025-12-15T07:32:00.250Z").unwrap());
/// assert_eq!(parse_instant("2025-12-15 07:32:00"), Err(InstantError::NoOffset));
/// ```
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, InstantError> {
    let mut p = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = p.digits(4, "a four-digit year")?;
    p.byte(b'-', "'-' after the year")?;
    let month = p.digits(2, "a two-digit month")?;
    p.byte(b'-', "'-' after the month")?;
    let day = p.digits(2, "a two-digit day")?;
    match p.peek() {
        Some(b'T' | b't' | b' ') => p.at += 1,
        _ => return Err(p.expected("'T' or a space between the date and the time")),
    }
    let hour = p.digits(2, "a two-digit hour")?;
    p.byte(b':', "':' after the hour")?;
    let minute = p.digits(2, "two-digit minutes")?;
    p.byte(b':', "':' and two-digit seconds after the minutes")?;
    let second = p.digits(2, "two-digit seconds")?;
    let mut nanos = 0;
    if p.peek() == Some(b'.') {
        p.at += 1;
        let mut digits = 0u32;
        while let Some(d) = p.peek().filter(u8::is_ascii_digit) {
            if digits == 9 {
                return Err(InstantError::TooPrecise);
            }
            nanos = nanos * 10 + u32::from(d - b'0');
            digits += 1;
            p.at += 1;
        }
        if digits == 0 {
            return Err(p.expected("digits after the decimal point"));
        }
        nanos *= 10u32.pow(9 - digits);
    }
    let offset = match p.peek() {
        None => return Err(InstantError::NoOffset),
        Some(b'Z' | b'z') => {
            p.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            p.at += 1;
            let hours = p.digits(2, "two-digit offset hours")?;
            let mut minutes = 0;
            let mut seconds = 0;
            if p.peek() == Some(b':') {
                p.at += 1;
                minutes = p.digits(2, "two-digit offset minutes")?;
                if p.peek() == Some(b':') {
                    p.at += 1;
                    seconds = p.digits(2, "two-digit offset seconds")?;
                }
            }
            if hours > 23 || minutes > 59 || seconds > 59 {
                return Err(InstantError::OutOfRange { what: "offset" });
            }
            let total = i64::from(hours * 3600 + minutes * 60 + seconds);
            if sign == b'-' { -total } else { total }
        }
        Some(_) => return Err(p.expected("an offset: 'Z', '+HH[:MM[:SS]]' or '-HH[:MM[:SS]]'")),
    };
    if p.at != p.bytes.len() {
        return Err(p.expected("the end of the instant"));
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or(InstantError::OutOfRange { what: "date" })?;
    // A leap second is second 59 with a nanosecond count past one second,
    // as chrono keeps it (and as its RFC 3339 parser reads `:60`).
    let time = match second {
        60 => NaiveTime::from_hms_nano_opt(hour, minute, 59, nanos + 1_000_000_000),
        s => NaiveTime::from_hms_nano_opt(hour, minute, s, nanos),
    }
    .ok_or(InstantError::OutOfRange { what: "time" })?;
    date.and_time(time)
        .checked_sub_signed(TimeDelta::seconds(offset))
        .map(|utc| utc.and_utc())
        .ok_or(InstantError::OutOfRange { what: "instant" })
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expected(&self, expected: &'static str) -> InstantError {
        InstantError::Syntax {
            expected,
            at: self.at + 1,
        }
    }

    fn byte(&mut self, want: u8, expected: &'static str) -> Result<(), InstantError> {
        if self.peek() == Some(want) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.expected(expected))
        }
    }

    /// Exactly `n` ASCII digits (n ≤ 4), as a number.
    fn digits(&mut self, n: usize, expected: &'static str) -> Result<u32, InstantError> {
        let digits = self
            .bytes
            .get(self.at..self.at + n)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| self.expected(expected))?;
        self.at += n;
        Ok(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, SecondsFormat, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_forms_of_postgres_iso_and_rfc_3339_are_read() {
        let at = utc("2025-12-15T07:32:00Z");
        for text in [
            "2025-12-15 07:32:00+00",
            "2025-12-15 07:32:00+00:00",
            "2025-12-15 07:32:00+00:00:00",
            "2025-12-15T07:32:00Z",
            "2025-12-15t07:32:00z",
            "2025-12-15 07:32:00Z",
            "2025-12-15T08:32:00+01:00",
            "2025-12-15 13:02:00+05:30",
            "2025-12-15 04:32:00-03",
            "2025-12-15 02:02:00-05:30",
            "2025-12-14 23:32:00-08",
            "2025-12-15 07:51:32+00:19:32",
            "2025-12-15 07:32:00-00:00",
        ] {
            assert_eq!(parse_instant(text), Ok(at), "{text}");
        }
        let frac = |s| parse_instant(s).unwrap() - at;
        assert_eq!(
            frac("2025-12-15 07:32:00.5+00"),
            TimeDelta::milliseconds(500)
        );
        assert_eq!(
            frac("2025-12-15 07:32:00.000001+00"),
            TimeDelta::microseconds(1)
        );
        assert_eq!(
            frac("2025-12-15T07:32:00.123456789Z"),
            TimeDelta::nanoseconds(123_456_789)
        );
        // A leap second reads as chrono reads it.
        let leap = "2016-12-31T23:59:60.5Z";
        assert_eq!(parse_instant(leap), Ok(utc(leap)));
    }

    #[test]
    fn what_is_refused_says_why() {
        assert_eq!(
            parse_instant("2025-12-15 07:32:00"),
            Err(InstantError::NoOffset)
        );
        assert_eq!(
            parse_instant("2025-12-15T07:32:00.5"),
            Err(InstantError::NoOffset)
        );
        assert!(InstantError::NoOffset.to_string().contains("no UTC offset"));
        assert_eq!(
            parse_instant("2025-12-15T07:32:00.1234567891Z"),
            Err(InstantError::TooPrecise)
        );
        for (text, what) in [
            ("2025-02-30 07:32:00Z", "date"),
            ("2025-12-15 24:00:00Z", "time"),
            ("2025-12-15 07:32:61Z", "time"),
            ("2025-12-15 07:32:00+24", "offset"),
            ("2025-12-15 07:32:00+01:60", "offset"),
        ] {
            assert_eq!(
                parse_instant(text),
                Err(InstantError::OutOfRange { what }),
                "{text}"
            );
        }
        for (text, at) in [
            ("", 1),
            ("yesterday", 1),
            ("25-12-15 07:32:00Z", 1),
            ("2025/12/15 07:32:00Z", 5),
            ("2025-12-15_07:32:00Z", 11),
            ("2025-12-15 7:32:00Z", 12),
            ("2025-12-15 07:32Z", 17),
            ("2025-12-15 07:32:00.Z", 21),
            ("2025-12-15 07:32:00 +00", 20),
            ("2025-12-15 07:32:00+1", 21),
            ("2025-12-15 07:32:00+0100", 23),
            ("2025-12-15 07:32:00+01:00 ", 26),
            ("2025-12-15 07:32:00Z BC", 21),
        ] {
            assert!(
                matches!(parse_instant(text), Err(InstantError::Syntax { at: a, .. }) if a == at),
                "{text}: {:?}",
                parse_instant(text)
            );
        }
    }

    /// PostgreSQL's text output of a `timestamptz` (DateStyle ISO): the
    /// fraction without trailing zeros, the offset as short as it is exact.
    fn postgres_text(at: DateTime<Utc>, offset_seconds: i32) -> String {
        let local = at.with_timezone(&FixedOffset::east_opt(offset_seconds).unwrap());
        let mut out = local.format("%Y-%m-%d %H:%M:%S").to_string();
        let micros = at.timestamp_subsec_micros();
        if micros > 0 {
            out.push_str(format!(".{micros:06}").trim_end_matches('0'));
        }
        let abs = offset_seconds.unsigned_abs();
        let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
        out.push(if offset_seconds < 0 { '-' } else { '+' });
        out.push_str(&format!("{h:02}"));
        if m > 0 || s > 0 {
            out.push_str(&format!(":{m:02}"));
        }
        if s > 0 {
            out.push_str(&format!(":{s:02}"));
        }
        out
    }

    /// Instants whose local year has four digits in any offset.
    fn instant(precision: i64) -> impl Strategy<Value = DateTime<Utc>> {
        let (min, max) = (utc("0001-01-02T00:00:00Z"), utc("9999-12-30T00:00:00Z"));
        (
            min.timestamp()..max.timestamp(),
            0..1_000_000_000i64 / precision,
        )
            .prop_map(move |(secs, frac)| {
                DateTime::from_timestamp(secs, 0).unwrap()
                    + TimeDelta::nanoseconds(frac * precision)
            })
    }

    fn seconds_format() -> impl Strategy<Value = SecondsFormat> {
        prop_oneof![
            Just(SecondsFormat::Secs),
            Just(SecondsFormat::Millis),
            Just(SecondsFormat::Micros),
            Just(SecondsFormat::Nanos),
            Just(SecondsFormat::AutoSi),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Every RFC 3339 string chrono writes (any precision, `Z` or an
        /// offset in whole minutes) reads back as chrono reads it; at full
        /// precision that is the instant it was written from.
        #[test]
        fn rfc_3339_from_chrono_reads_back(
            at in instant(1),
            offset_minutes in -1439i32..=1439,
            format in seconds_format(),
            use_z in any::<bool>(),
        ) {
            let local = FixedOffset::east_opt(offset_minutes * 60).unwrap().from_utc_datetime(&at.naive_utc());
            let text = local.to_rfc3339_opts(format, use_z);
            prop_assert_eq!(parse_instant(&text), Ok(utc(&text)), "{}", text);
            if matches!(format, SecondsFormat::Nanos | SecondsFormat::AutoSi) {
                prop_assert_eq!(parse_instant(&text), Ok(at), "{}", text);
            }
            // The same with a space for the `T`.
            let spaced = text.replacen('T', " ", 1);
            prop_assert_eq!(parse_instant(&spaced), Ok(utc(&text)));
        }

        /// PostgreSQL's text form of any instant it can store, in any offset
        /// it prints (to the second, as for a local mean time), reads back
        /// to that instant.
        #[test]
        fn postgres_text_reads_back(at in instant(1_000), offset in -86_399i32..=86_399) {
            let text = postgres_text(at, offset);
            prop_assert_eq!(parse_instant(&text), Ok(at), "{}", text);
        }

        /// Without its offset, no accepted instant is read.
        #[test]
        fn an_instant_without_its_offset_is_refused(at in instant(1_000), offset in -86_399i32..=86_399) {
            let text = postgres_text(at, offset);
            let local = text.trim_end_matches(|c: char| c.is_ascii_digit() || c == ':');
            let local = &local[..local.len() - 1];
            prop_assert_eq!(parse_instant(local), Err(InstantError::NoOffset), "{}", local);
        }

        /// Any text at all gets an answer, never a panic.
        #[test]
        fn any_text_gets_an_answer(text in "[0-9T :.Zz+-]{0,40}|\\PC{0,40}") {
            let _ = parse_instant(&text);
        }
    }
}
