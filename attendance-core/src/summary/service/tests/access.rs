//! Who may read which summary (crate::access).

use super::*;

fn member(id: i64, team: i64, manages: &[i64]) -> Principal {
    Principal::Member(crate::access::Member::new(
        crate::EmployeeId(id),
        TeamId(team),
        manages.iter().copied().map(TeamId).collect(),
    ))
}

#[tokio::test]
async fn employees_who_manage_nobody_read_no_summary() {
    let svc = SummaryService::new(company().await, None);
    let bob = member(2, 1, &[]);
    let week: IsoWeek = "2026-W11".parse().unwrap();
    for team in [None, Some(TeamId(1)), Some(TeamId(9))] {
        let daily = svc.acting_as(&bob).daily(date("2026-03-10"), team).await;
        assert!(matches!(daily, Err(Error::Forbidden { .. })), "{daily:?}");
        let weekly = svc.acting_as(&bob).weekly(week, team).await;
        assert!(matches!(weekly, Err(Error::Forbidden { .. })), "{weekly:?}");
    }
}

#[tokio::test]
async fn a_manager_reads_their_teams_and_no_other() {
    let svc = SummaryService::new(company().await, None);
    // Ada is in Ops and manages Dev only.
    let ada = member(1, 1, &[2]);
    let week: IsoWeek = "2026-W11".parse().unwrap();
    let dev = svc
        .acting_as(&ada)
        .daily(date("2026-03-10"), Some(TeamId(2)))
        .await
        .unwrap();
    assert_eq!(dev.facts.scope, "Dev");
    assert_eq!((dev.facts.headcount, dev.facts.present), (2, 1));
    // Her own team is not one she manages; an unknown team looks the same.
    for team in [TeamId(1), TeamId(9)] {
        let err = svc
            .acting_as(&ada)
            .daily(date("2026-03-10"), Some(team))
            .await;
        assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
        let err = svc.acting_as(&ada).weekly(week, Some(team)).await;
        assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
    }
    // Without a team: her teams, not the company.
    let mine = svc
        .acting_as(&ada)
        .daily(date("2026-03-10"), None)
        .await
        .unwrap();
    let f = &mine.facts;
    assert_eq!(f.scope, YOUR_TEAMS);
    assert_eq!((f.headcount, f.present, f.absent), (2, 1, 1));
    assert_eq!(f.absent_names, vec!["Dee"]);
    assert!(f.late_arrivals.is_empty(), "Bob is in Ops: {f:?}");
    assert_eq!(f.still_clocked_in, vec!["Cy"]);
    assert_eq!(f.forgotten_clock_outs.len(), 1);
    assert_eq!(f.teams.len(), 1);
    assert!(mine.text.contains("your teams: 1 of 2"), "{}", mine.text);
    assert!(!mine.text.contains("company"), "{}", mine.text);
    let weekly = svc.acting_as(&ada).weekly(week, None).await.unwrap();
    let w = &weekly.facts;
    assert_eq!(w.scope, YOUR_TEAMS);
    assert_eq!(w.headcount, 2);
    assert_eq!(w.teams.len(), 1);
    assert_eq!(w.teams[0].team, "Dev");
    // Dee on Monday, Cy on Tuesday; none of Ada's own days in Ops.
    assert_eq!(w.this_week.days_present, 2);
    assert_eq!(w.previous_week.days_present, 0);
}

#[tokio::test]
async fn a_manager_of_every_team_reads_what_an_admin_does_under_another_name() {
    let svc = SummaryService::new(company().await, None);
    let both = member(1, 1, &[1, 2]);
    let admin = Principal::system();
    let day = date("2026-03-10");
    let mine = svc.acting_as(&both).daily(day, None).await.unwrap().facts;
    let all = svc.acting_as(&admin).daily(day, None).await.unwrap().facts;
    assert_eq!(
        (mine.scope.as_str(), all.scope.as_str()),
        (YOUR_TEAMS, "company")
    );
    assert_eq!(
        (
            mine.headcount,
            mine.present,
            mine.wfh,
            mine.wfo,
            mine.teams.len()
        ),
        (
            all.headcount,
            all.present,
            all.wfh,
            all.wfo,
            all.teams.len()
        )
    );
    let week: IsoWeek = "2026-W11".parse().unwrap();
    let mine = svc.acting_as(&both).weekly(week, None).await.unwrap().facts;
    let all = svc
        .acting_as(&admin)
        .weekly(week, None)
        .await
        .unwrap()
        .facts;
    assert_eq!(mine.this_week, all.this_week);
    assert_eq!(mine.previous_week, all.previous_week);
    assert_eq!(mine.scope, YOUR_TEAMS);
    // An admin's one-team summary is named for the team, as before.
    let ops = svc
        .acting_as(&admin)
        .weekly(week, Some(TeamId(1)))
        .await
        .unwrap();
    assert_eq!(ops.facts.scope, "Ops");
}
