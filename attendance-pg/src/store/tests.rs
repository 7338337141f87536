use super::*;

/// chrono-tz and PostgreSQL each carry their own copy of the tz
/// database, so a zone `NewTeam` accepts may be one the server lacks.
/// No zone differs on the machine these tests were written on, so the
/// name is handed to the insert `create_team` runs as chrono-tz would
/// have handed it over.
#[tokio::test]
async fn a_zone_postgresql_does_not_know_is_refused_at_creation() {
    crate::test_db::with_store(|store| async move {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let err = store
            .insert_team(&Stamp::system_now(), "Ops", "Mars/Olympus", nine, None)
            .await
            .unwrap_err();
        match err {
            Error::Validation { field, reason } => {
                assert_eq!(field, "timezone");
                assert!(reason.contains("Mars/Olympus"), "{reason}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        let teams: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.teams")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(teams, 0, "nothing was stored");
        // A zone both know is stored as before.
        let stamp = Stamp::system_now();
        let team = store
            .insert_team(&stamp, "Ops", "Europe/Kyiv", nine, None)
            .await
            .unwrap();
        assert_eq!(team.timezone.name(), "Europe/Kyiv");
    })
    .await;
}
