//! A generated data set of a few thousand sessions, whose trends a store
//! must compute exactly as the in-memory reference does.

use super::prelude::*;

/// A small deterministic generator (64-bit LCG), so the data set is the same
/// for every store and every run without a `rand` dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// One recorded action of the generated data set.
#[derive(Debug, Clone, Copy)]
struct Op {
    employee: usize,
    mode: WorkMode,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
}

fn generated_ops(employees: usize, days: i64) -> Vec<Op> {
    let mut rng = Lcg(0x5eed);
    let start = ts("2026-06-01T00:00:00Z");
    let mut ops = Vec::new();
    for employee in 0..employees {
        let mut last_end = start;
        for day in 0..days {
            if rng.next(10) < 2 {
                continue; // absent
            }
            let sessions = 1 + rng.next(3) / 2; // 1 or 2
            for part in 0..sessions {
                // Shifts start between 04:00 and 12:59 UTC, so the second
                // timezone's local dates and late arrivals vary too.
                let minute = if part == 0 {
                    4 * 60 + rng.next(9 * 60)
                } else {
                    13 * 60 + rng.next(120)
                };
                let clock_in = start
                    + TimeDelta::days(day)
                    + TimeDelta::minutes(minute as i64)
                    + TimeDelta::seconds(rng.next(60) as i64);
                if clock_in <= last_end {
                    continue;
                }
                let mode = if rng.next(5) < 2 {
                    WorkMode::Wfh
                } else {
                    WorkMode::Wfo
                };
                let forgot = day == days - 1 || rng.next(200) == 0;
                let clock_out =
                    (!forgot).then(|| clock_in + TimeDelta::minutes(60 + rng.next(5 * 60) as i64));
                ops.push(Op {
                    employee,
                    mode,
                    clock_in,
                    clock_out,
                });
                match clock_out {
                    Some(out) => last_end = out,
                    None => break,
                }
            }
            if ops
                .last()
                .is_some_and(|op| op.employee == employee && op.clock_out.is_none())
            {
                break;
            }
        }
    }
    ops
}

async fn load_generated(store: &Arc<dyn Store>) -> (Vec<Team>, Vec<Employee>) {
    let svc = service(store);
    let teams = vec![
        team(&svc, "Lisbon", "Europe/Lisbon").await,
        team(&svc, "Tokyo", "Asia/Tokyo").await,
    ];
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(employee(&svc, &format!("Person {i:02}"), teams[i % 2].id).await);
    }
    for op in generated_ops(people.len(), 150) {
        let who = people[op.employee].id;
        svc.clock_in(who, op.mode, Some(op.clock_in)).await.unwrap();
        if let Some(out) = op.clock_out {
            svc.clock_out(who, Some(out)).await.unwrap();
        }
    }
    (teams, people)
}

/// On a generated data set of a few thousand sessions, the store's trends
/// equal those of the in-memory reference at every granularity. Run by every
/// store but the reference itself (see the [module docs](super)).
pub async fn generated_data_matches_in_memory(store: Arc<dyn Store>) {
    let reference: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let (teams, people) = load_generated(&store).await;
    let (ref_teams, ref_people) = load_generated(&reference).await;
    let svc = service(&store);
    let total = all_sessions(&svc, &SessionFilter::default()).await.len();
    assert!(total > 2_000, "only {total} sessions generated");
    let trends = TrendService::new(store.clone());
    let expected = TrendService::new(reference.clone());
    let queries = [
        TrendQuery::new(date("2026-06-01"), date("2026-10-29"), Granularity::Day).unwrap(),
        TrendQuery::new(date("2026-06-03"), date("2026-09-20"), Granularity::Week).unwrap(),
        TrendQuery::new(date("2026-05-20"), date("2026-10-10"), Granularity::Month).unwrap(),
    ];
    for q in &queries {
        for (team, ref_team) in teams.iter().zip(&ref_teams) {
            let mut got = trends.team_trend(team.id, q).await.unwrap();
            let want = expected.team_trend(ref_team.id, q).await.unwrap();
            got.team_id = want.team_id;
            assert_eq!(got, want, "team {} {:?}", team.name, q.granularity());
            assert!(got.points.iter().any(|p| p.figures.late_arrivals > 0));
        }
        for (person, ref_person) in people.iter().zip(&ref_people).step_by(3) {
            let mut got = trends.employee_trend(person.id, q).await.unwrap();
            let want = expected.employee_trend(ref_person.id, q).await.unwrap();
            got.employee_id = want.employee_id;
            assert_eq!(got, want, "employee {} {:?}", person.name, q.granularity());
        }
    }
}

/// All teams' figures read at once equal each team's figures read alone, on
/// the generated data set plus a team without members and one whose only
/// member never clocked in; so do the trends built from them.
pub async fn all_team_figures_match_each_team(store: Arc<dyn Store>) {
    let (mut teams, _) = load_generated(&store).await;
    let svc = service(&store);
    teams.push(team(&svc, "Empty", "UTC").await);
    let idle = team(&svc, "Idle", "America/New_York").await;
    employee(&svc, "Nobody Clocks", idle.id).await;
    teams.push(idle);
    let trends = TrendService::new(store.clone());
    let queries = [
        TrendQuery::new(date("2026-06-01"), date("2026-10-29"), Granularity::Day).unwrap(),
        TrendQuery::new(date("2026-06-03"), date("2026-09-20"), Granularity::Week).unwrap(),
        TrendQuery::new(date("2026-05-20"), date("2026-10-10"), Granularity::Month).unwrap(),
        // No data at all in the range.
        TrendQuery::new(date("2025-01-01"), date("2025-01-31"), Granularity::Week).unwrap(),
    ];
    for q in &queries {
        let all = store.all_team_figures(q).await.unwrap();
        let ids: Vec<TeamId> = all.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            teams.iter().map(|t| t.id).collect::<Vec<_>>(),
            "every team, by id"
        );
        for (id, figures) in &all {
            let alone = store.team_figures(*id, q).await.unwrap();
            assert_eq!(figures, &alone, "team {id} {:?}", q.granularity());
        }
        let all_trends = trends.all_team_trends(q).await.unwrap();
        assert_eq!(all_trends.len(), teams.len());
        for trend in &all_trends {
            let alone = trends.team_trend(trend.team_id, q).await.unwrap();
            assert_eq!(trend, &alone);
        }
        let headcounts: Vec<i64> = all.iter().map(|(_, f)| f.headcount).collect();
        assert_eq!(headcounts, vec![12, 12, 0, 1]);
    }
    // The generated teams have data in the generated range, the others none.
    let all = store.all_team_figures(&queries[0]).await.unwrap();
    assert!(all[0].1.periods.len() > 100 && all[1].1.periods.len() > 100);
    assert!(all[2].1.periods.is_empty() && all[3].1.periods.is_empty());
}
