use serde_json::json;

use super::*;
use crate::domain::IsoWeek;
use crate::summary::service::summary_request;
use crate::summary::template::tests::{company_day, company_work_time, letters, name};
use crate::summary::{
    DailyFacts, TeamDay, TeamWeek, WeekChange, WeekTotals, WeeklyFacts, daily_template,
    ungrounded_names, ungrounded_numbers, weekly_template,
};

/// The bound the model's request keeps to, whatever the headcount.
const TOKEN_BOUND: usize = 2_000;

/// Tokens of everything the request sends (system prompt and facts).
fn request_tokens(facts: &impl serde::Serialize) -> usize {
    let json = serde_json::to_value(facts).unwrap();
    summary_request(&json)
        .messages
        .iter()
        .map(|m| estimated_tokens(&m.content))
        .sum()
}

/// A day of 10,000 employees in `teams` teams, the rest as
/// [`company_day`]; team `i` has attendance falling with `i`.
fn company_day_in(teams: usize) -> DailyFacts {
    let mut facts = company_day();
    let size = 10_000 / teams as i64;
    facts.teams = (0..teams)
        .map(|i| {
            let present = size - (i as i64 % size);
            TeamDay {
                team: format!("Team {}", letters(i)),
                headcount: size,
                present,
                absent: size - present,
                wfh: present / 2,
                wfo: present - present / 2,
                late: 1,
            }
        })
        .collect();
    facts
}

fn week_totals(week: &str, days_present: i64, percent: f64) -> WeekTotals {
    WeekTotals {
        week: week.into(),
        days_present,
        attendance_percent: Some(percent),
        wfh_days: days_present / 3,
        wfo_days: days_present - days_present / 3,
        late_arrivals: days_present / 20,
        hours_worked: days_present as f64 * 7.9,
    }
}

/// A week of 10,000 employees in `teams` teams.
fn company_week_in(teams: usize) -> WeeklyFacts {
    let week: IsoWeek = "2026-W11".parse().unwrap();
    let this = week_totals("2026-W11", 43_812, 87.6);
    let previous = week_totals("2026-W10", 44_100, 88.2);
    let size = 10_000 / teams as i64;
    WeeklyFacts {
        week,
        from: week.monday(),
        to: week.sunday(),
        scope: "company".into(),
        headcount: 10_000,
        working_days: 5,
        change: WeekChange::between(&this, &previous),
        this_week: this,
        average_clock_in: Some("08:47".into()),
        open_sessions: 1_105,
        previous_week: previous,
        work_time: company_work_time(),
        teams: (0..teams)
            .map(|i| TeamWeek {
                team: format!("Team {}", letters(i)),
                headcount: size,
                totals: week_totals(
                    "2026-W11",
                    size * 5 - i as i64 % size,
                    100.0 - (i % 50) as f64,
                ),
            })
            .collect(),
    }
}

#[test]
fn a_company_day_and_week_fit_the_bound_whatever_the_headcount() {
    for teams in [1, 50, 500] {
        let day = company_day_in(teams);
        let week = company_week_in(teams);
        let (day_tokens, week_tokens) = (request_tokens(&day), request_tokens(&week));
        assert!(
            day_tokens < TOKEN_BOUND,
            "{teams} teams: a day is {day_tokens}"
        );
        assert!(
            week_tokens < TOKEN_BOUND,
            "{teams} teams: a week is {week_tokens}"
        );
        // docs/QA_EVAL.md quotes these.
        println!("{teams} teams: day {day_tokens} tokens, week {week_tokens} tokens");
    }
    // Sent whole, the day's facts are ten times that.
    let whole = serde_json::to_string(&company_day()).unwrap();
    assert!(
        estimated_tokens(&whole) > 10 * TOKEN_BOUND,
        "{}",
        whole.len()
    );
}

#[test]
fn a_long_list_is_cut_to_five_with_its_count_and_a_short_one_is_kept() {
    let facts = company_day_in(50);
    let sent = for_model(&serde_json::to_value(&facts).unwrap());
    assert_eq!(
        sent["absent_names"],
        json!({"count": 1_239, "first": (0..5).map(name).collect::<Vec<_>>()})
    );
    assert_eq!(sent["late_arrivals"]["count"], 412);
    assert_eq!(sent["late_arrivals"]["first"][0]["name"], name(2_000));
    assert_eq!(sent["late_arrivals"]["first"][0]["clock_in"], "09:41");
    let sick = &sent["work_time"]["absences"][1];
    assert_eq!(sick["days"], 30.5);
    assert_eq!(sick["people"]["count"], 31);
    assert_eq!(sick["people"]["first"][0]["days"], 0.5);
    // Nine absent without leave: cut; the two groups of leave: kept.
    assert_eq!(sent["work_time"]["absent_without_leave"]["count"], 9);
    assert_eq!(sent["work_time"]["absences"].as_array().unwrap().len(), 2);
    // The figures are untouched.
    for key in [
        "headcount",
        "present",
        "absent",
        "wfh",
        "wfo",
        "hours_worked",
    ] {
        assert_eq!(
            sent[key],
            serde_json::to_value(&facts).unwrap()[key],
            "{key}"
        );
    }
    // No sixth name reaches the model.
    assert!(!sent.to_string().contains(&name(5)));
}

#[test]
fn the_teams_sent_are_those_with_the_lowest_attendance() {
    // Team i of 200 has 200 - i present: the last five are the lowest.
    let day = for_model(&serde_json::to_value(company_day_in(50)).unwrap());
    assert_eq!(day["teams"]["count"], 50);
    let shown: Vec<&str> = day["teams"]["lowest_attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["team"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (45..50)
        .rev()
        .map(|i| format!("Team {}", letters(i)))
        .collect();
    assert_eq!(shown, expected);
    // The week's lines by their rate: 51 % to 55 % (teams 45 to 49).
    let week = for_model(&serde_json::to_value(company_week_in(50)).unwrap());
    let rates: Vec<f64> = week["teams"]["lowest_attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["totals"]["attendance_percent"].as_f64().unwrap())
        .collect();
    assert_eq!(rates, vec![51.0, 52.0, 53.0, 54.0, 55.0]);
}

#[test]
fn a_text_from_the_capped_facts_passes_the_check_and_the_sample_size_does_not() {
    let facts = company_day_in(50);
    let json = serde_json::to_value(&facts).unwrap();
    let text = format!(
        "On Tuesday 2026-03-10, 8,761 of 10,000 employees were present (87.6%): 3,402 from \
         home and 5,359 from the office. 1,239 were absent, among them {} and {}; 412 \
         arrived late, {} first at 09:41.",
        name(0),
        name(1),
        name(2_000)
    );
    assert_eq!(ungrounded_numbers(&text, &json), Vec::<String>::new());
    assert_eq!(ungrounded_names(&text, &json), Vec::<String>::new());
    // Five is the length of the lists the model saw, not a fact: the check
    // reads the whole facts, where no list holds five.
    let day = serde_json::to_value(company_day()).unwrap();
    let wrong = "On 2026-03-10, 5 employees were absent.";
    assert_eq!(ungrounded_numbers(wrong, &day), vec!["5".to_owned()]);
    assert_eq!(
        ungrounded_numbers(wrong, &for_model(&day)),
        Vec::<String>::new()
    );
    // The template, which caps its lists the same way, passes too.
    for text in [
        daily_template(&facts),
        weekly_template(&company_week_in(50)),
    ] {
        let facts: serde_json::Value = if text.starts_with("Week") {
            serde_json::to_value(company_week_in(50)).unwrap()
        } else {
            json.clone()
        };
        assert_eq!(ungrounded_numbers(&text, &facts), Vec::<String>::new());
        assert_eq!(ungrounded_names(&text, &facts), Vec::<String>::new());
    }
}

#[test]
fn a_team_of_five_is_sent_whole() {
    let mut facts = company_day_in(1);
    facts.absent_names.truncate(5);
    facts.teams.clear();
    let json = serde_json::to_value(&facts).unwrap();
    let sent = for_model(&json);
    assert_eq!(sent["absent_names"], json["absent_names"]);
    assert_eq!(sent["teams"], json!([]));
}
