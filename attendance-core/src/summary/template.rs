//! The deterministic text of a summary: what is written when there is no
//! model, it fails, or its text states a number the facts lack. It states
//! only numbers from the facts, so it always passes the grounding check.

use super::{DailyFacts, WeeklyFacts};

/// `a, b and c`, or the first `max` names and how many more.
fn name_list(names: &[String], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(String::as_str).collect();
    let rest = names.len().saturating_sub(max);
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_owned(),
        (many, 0) => {
            let (last, head) = many.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", head.join(", "))
        }
        (many, rest) => format!("{} and {rest} more", many.join(", ")),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn signed(n: f64) -> String {
    if n > 0.0 {
        format!("up {n}")
    } else if n < 0.0 {
        format!("down {}", -n)
    } else {
        "unchanged".to_owned()
    }
}

/// The deterministic daily text.
pub fn daily_template(f: &DailyFacts) -> String {
    let mut out = format!(
        "{} {}, {}: {} of {} present",
        f.weekday,
        f.date,
        f.scope,
        f.present,
        plural(f.headcount, "employee", "employees")
    );
    if let Some(p) = f.attendance_percent {
        out.push_str(&format!(" ({p}%)"));
    }
    out.push('.');
    if f.absent > 0 {
        out.push_str(&format!(" Absent: {}.", name_list(&f.absent_names, 5)));
    }
    if f.present > 0 {
        out.push_str(&format!(
            " {} worked from home and {} from the office.",
            f.wfh, f.wfo
        ));
        if let Some(avg) = &f.average_clock_in {
            out.push_str(&format!(" Average first clock-in {avg}."));
        }
        if f.late_arrivals.is_empty() {
            out.push_str(" Nobody arrived late.");
        } else {
            let late: Vec<String> = f
                .late_arrivals
                .iter()
                .map(|l| format!("{} at {}", l.name, l.clock_in))
                .collect();
            out.push_str(&format!(
                " {} arrived late: {}.",
                f.late_arrivals.len(),
                name_list(&late, 5)
            ));
        }
        out.push_str(&format!(
            " {} hours worked in closed sessions.",
            f.hours_worked
        ));
    }
    if !f.still_clocked_in.is_empty() {
        out.push_str(&format!(
            " Still clocked in: {}.",
            name_list(&f.still_clocked_in, 5)
        ));
    }
    if !f.forgotten_clock_outs.is_empty() {
        let forgotten: Vec<String> = f
            .forgotten_clock_outs
            .iter()
            .map(|s| format!("{} ({})", s.name, s.work_date))
            .collect();
        out.push_str(&format!(
            " Forgotten clock-outs from earlier days: {}.",
            name_list(&forgotten, 5)
        ));
    }
    for t in &f.teams {
        out.push_str(&format!(
            "\n{}: {} of {} present, {} WFH, {} WFO, {} late.",
            t.team, t.present, t.headcount, t.wfh, t.wfo, t.late
        ));
    }
    out
}

/// The deterministic weekly text.
pub fn weekly_template(f: &WeeklyFacts) -> String {
    let w = &f.this_week;
    let p = &f.previous_week;
    let mut out = format!("Week {} ({} to {}), {}:", f.week, f.from, f.to, f.scope);
    match (
        w.attendance_percent,
        f.change.attendance_points,
        p.attendance_percent,
    ) {
        (Some(now), Some(change), Some(before)) => out.push_str(&format!(
            " attendance {now}% ({} points from {before}% in {}).",
            signed(change),
            p.week
        )),
        (Some(now), _, _) => out.push_str(&format!(" attendance {now}%.")),
        _ => out.push_str(" no working days or no staff."),
    }
    out.push_str(&format!(
        " {} employee-days present ({} from the week before): {} from home, {} from the office.",
        w.days_present,
        signed(f.change.days_present as f64),
        w.wfh_days,
        w.wfo_days
    ));
    out.push_str(&format!(
        " {} ({} from the week before).",
        plural(w.late_arrivals, "late arrival", "late arrivals"),
        signed(f.change.late_arrivals as f64)
    ));
    out.push_str(&format!(
        " {} hours worked ({}).",
        w.hours_worked,
        signed(f.change.hours_worked)
    ));
    if let Some(avg) = &f.average_clock_in {
        out.push_str(&format!(" Average first clock-in {avg}."));
    }
    if f.open_sessions > 0 {
        out.push_str(&format!(
            " {} still open.",
            plural(f.open_sessions, "session is", "sessions are")
        ));
    }
    for t in &f.teams {
        let rate = t
            .totals
            .attendance_percent
            .map_or_else(String::new, |r| format!(", attendance {r}%"));
        out.push_str(&format!(
            "\n{}: {} employee-days present{rate}, {} WFH, {} WFO, {} late, {} hours.",
            t.team,
            t.totals.days_present,
            t.totals.wfh_days,
            t.totals.wfo_days,
            t.totals.late_arrivals,
            t.totals.hours_worked
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_read_naturally() {
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        assert_eq!(name_list(&names[..1], 5), "A");
        assert_eq!(name_list(&names, 5), "A, B and C");
        assert_eq!(name_list(&names, 2), "A, B and 1 more");
    }
}
