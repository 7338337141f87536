//! The grounding check: a model's summary may state only numbers, dates,
//! weeks and times that are in the facts it was given.

use chrono::{Datelike, NaiveDate};

/// A number, date, week or time mentioned in a text.
#[derive(Debug, Clone, PartialEq)]
enum Mention {
    Number(f64),
    Date(NaiveDate),
    Week(i32, u32),
    Time(u32),
}

/// Finds the numbers, dates (`2026-03-02`), ISO weeks (`2026-W10`) and
/// times (`09:30`) in `text`. Thousands separators (`1,250`) are read as
/// one number.
fn mentions(text: &str) -> Vec<(String, Mention)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '.' | ',' | ':' | '-' | 'W')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        // A minus sign directly before the number makes it negative.
        let negative = start > 0
            && chars[start - 1] == '-'
            && (start < 2 || !chars[start - 2].is_alphanumeric());
        out.push((token.clone(), classify(&token, negative)));
    }
    out
}

fn classify(token: &str, negative: bool) -> Mention {
    if let Ok(date) = NaiveDate::parse_from_str(token, "%Y-%m-%d") {
        return Mention::Date(date);
    }
    if let Some((y, w)) = token.split_once("-W")
        && let (Ok(y), Ok(w)) = (y.parse(), w.parse())
    {
        return Mention::Week(y, w);
    }
    if token.contains(':') {
        let parts: Vec<u32> = token.split(':').filter_map(|p| p.parse().ok()).collect();
        if let [h, m, ..] = parts.as_slice() {
            return Mention::Time(h * 60 + m);
        }
    }
    let plain = if token
        .split(',')
        .skip(1)
        .all(|group| group.len() >= 3 && group[..3].chars().all(|c| c.is_ascii_digit()))
    {
        token.replace(',', "")
    } else {
        token.split(',').next().unwrap_or(token).to_owned()
    };
    let value: f64 = plain
        .split(['-', ':', 'W'])
        .next()
        .and_then(|p| p.trim_end_matches('.').parse().ok())
        .unwrap_or(f64::NAN);
    Mention::Number(if negative { -value } else { value })
}

fn collect_allowed(value: &serde_json::Value, out: &mut Vec<Mention>) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.push(Mention::Number(x));
            }
        }
        serde_json::Value::String(s) => {
            for (_, m) in mentions(s) {
                if let Mention::Date(d) = &m {
                    // "2026-03-02" may be written "2 March": allow its parts.
                    out.push(Mention::Number(f64::from(d.day())));
                    out.push(Mention::Number(f64::from(d.year())));
                }
                if let Mention::Week(_, w) = &m {
                    out.push(Mention::Number(f64::from(*w)));
                }
                out.push(m);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_allowed(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_allowed(v, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

fn number_matches(said: f64, fact: f64) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    close(said, fact)
        || close(said.abs(), fact.abs())
        || close(said, fact.round())
        || close(said, (fact * 10.0).round() / 10.0)
        || close(said, fact.trunc())
}

/// The numbers, dates and times in `text` that `facts` does not contain.
///
/// A number matches a fact when it equals it, its absolute value (a change
/// of -3 may be written "down 3"), or the fact rounded to a whole number or
/// one decimal. Dates and times must match exactly (a time may drop its
/// leading zero). Numbers spelled as words are not checked.
pub fn ungrounded_numbers(text: &str, facts: &serde_json::Value) -> Vec<String> {
    let mut allowed = Vec::new();
    collect_allowed(facts, &mut allowed);
    mentions(text)
        .into_iter()
        .filter(|(_, said)| {
            !allowed.iter().any(|fact| match (said, fact) {
                (Mention::Number(s), Mention::Number(f)) => number_matches(*s, *f),
                (Mention::Date(s), Mention::Date(f)) => s == f,
                (Mention::Week(sy, sw), Mention::Week(fy, fw)) => sy == fy && sw == fw,
                (Mention::Time(s), Mention::Time(f)) => s == f,
                _ => false,
            })
        })
        .map(|(token, _)| token)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn grounding_accepts_facts_in_their_usual_spellings() {
        let facts = json!({
            "date": "2026-03-10", "week": "2026-W11", "present": 41, "percent": 82.36,
            "hours": 1250.46, "change": -3, "average_clock_in": "08:52"
        });
        let ok = "On 2026-03-10 (week 2026-W11, March 10) 41 people came in (82.4%, about 82%); \
                  1,250.5 hours, down 3; average 8:52.";
        assert_eq!(ungrounded_numbers(ok, &facts), Vec::<String>::new());
        let bad = "On 2026-03-11, 42 people came in at 08:53, 1,251 hours, 12% up.";
        assert_eq!(
            ungrounded_numbers(bad, &facts),
            vec!["2026-03-11", "42", "08:53", "1,251", "12"]
        );
    }
}
