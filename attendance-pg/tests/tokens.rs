//! API tokens in PostgreSQL: only hashes are stored, the token rules hold
//! over the real table, and the table's constraints hold below the library.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::access::Identity;
use attendance_core::service::AttendanceService;
use attendance_core::tokens::{TokenId, TokenService, TokenStore};
use attendance_core::{EmployeeId, Error, NewEmployee, NewTeam};
use attendance_pg::PgStore;
use chrono::{TimeDelta, Utc};

fn admin() -> Identity {
    Identity::Admin {
        name: "ops".to_owned(),
    }
}

/// The host's own service over `store`: how these tests write.
fn service(store: &PgStore) -> AttendanceService {
    AttendanceService::new(std::sync::Arc::new(store.clone()))
}

#[tokio::test]
async fn tokens_are_created_found_listed_and_revoked() {
    common::with_store(|store| async move {
        let team = service(&store).create_team(&NewTeam::new("Ops").unwrap()).await.unwrap();
        let ada = service(&store)
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let tokens = TokenService::new(Arc::new(store.tokens()));
        let (admin_token, admin_secret) = tokens.create(&admin(), None).await.unwrap();
        let expires = Utc::now() + TimeDelta::days(3);
        let (ada_token, ada_secret) = tokens
            .create(&Identity::Employee { id: ada.id }, Some(expires))
            .await
            .unwrap();

        let found = tokens.check(ada_secret.expose()).await.unwrap().unwrap();
        assert_eq!(found.id, ada_token.id);
        assert_eq!(found.identity, Identity::Employee { id: ada.id });
        assert!(found.last_used_at.is_some(), "the first use is recorded");
        let listed = tokens.list().await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![admin_token.id, ada_token.id]
        );
        assert!(listed[1].last_used_at.is_some());

        // The table holds the hash, never the secret.
        let hashed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.api_tokens WHERE hash = sha256(convert_to($1, 'UTF8'))",
        )
        .bind(admin_secret.expose())
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(hashed, 1);
        let plain: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.api_tokens t \
             WHERE strpos(t::text, $1) > 0 OR strpos(encode(t.hash, 'hex'), $1) > 0",
        )
        .bind(&admin_secret.expose()[4..])
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(plain, 0, "no row carries the secret");

        let revoked = tokens.revoke(admin_token.id).await.unwrap();
        let first = revoked.revoked_at.unwrap();
        assert!(tokens.check(admin_secret.expose()).await.unwrap().is_none());
        let again = tokens.revoke(admin_token.id).await.unwrap();
        assert_eq!(again.revoked_at, Some(first), "the first revocation stands");
        assert!(matches!(
            tokens.revoke(TokenId(999)).await,
            Err(Error::NotFound { .. })
        ));
        assert!(tokens.check(ada_secret.expose()).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn a_token_for_an_unknown_employee_is_not_found() {
    common::with_store(|store| async move {
        let tokens = TokenService::new(Arc::new(store.tokens()));
        let err = tokens
            .create(
                &Identity::Employee {
                    id: EmployeeId(424242),
                },
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn the_table_refuses_rows_the_library_would_not_write() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let short = sqlx::query(
            "INSERT INTO attendance.api_tokens (hash, admin_name, created_at) \
             VALUES ('\\x00', 'ops', now())",
        )
        .execute(pool)
        .await;
        assert!(short.is_err(), "a hash is 32 bytes");
        let nobody = sqlx::query(
            "INSERT INTO attendance.api_tokens (hash, created_at) \
             VALUES (sha256('x'), now())",
        )
        .execute(pool)
        .await;
        assert!(nobody.is_err(), "a token names someone");
        let expired = sqlx::query(
            "INSERT INTO attendance.api_tokens (hash, admin_name, created_at, expires_at) \
             VALUES (sha256('y'), 'ops', now(), now() - interval '1 day')",
        )
        .execute(pool)
        .await;
        assert!(expired.is_err(), "expiry after creation");
        let twice = sqlx::query(
            "INSERT INTO attendance.api_tokens (hash, admin_name, created_at) \
             VALUES (sha256('z'), 'ops', now()), (sha256('z'), 'ops', now())",
        )
        .execute(pool)
        .await;
        assert!(twice.is_err(), "hashes are unique");
        // And the store's own path still works after those refusals.
        let made = store
            .tokens()
            .create_token(&attendance_core::tokens::NewToken {
                hash: attendance_core::tokens::TokenHash([7; 32]),
                identity: admin(),
                created_at: Utc::now(),
                expires_at: None,
            })
            .await
            .unwrap();
        assert_eq!(made.identity, admin());
    })
    .await;
}

#[tokio::test]
async fn creating_and_revoking_a_token_is_in_the_audit_trail() {
    use attendance_core::access::Actor;
    use attendance_core::audit::{AuditAction, AuditFilter};

    common::with_store(|store| async move {
        let team = service(&store)
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let ada = service(&store)
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let tokens = TokenService::new(Arc::new(store.tokens()));
        let (token, _) = tokens
            .create(&Identity::Employee { id: ada.id }, None)
            .await
            .unwrap();
        tokens.revoke(token.id).await.unwrap();
        tokens.revoke(token.id).await.unwrap();

        let service = AttendanceService::new(Arc::new(store.clone()));
        let of_ada = AuditFilter {
            employee_id: Some(ada.id),
            ..AuditFilter::default()
        };
        let trail = service.audit(&of_ada, Some(100), None).await.unwrap().items;
        let about_tokens: Vec<_> = trail
            .iter()
            .filter(|e| e.record.token_id.is_some())
            .map(|e| (e.record.action, e.record.token_id, e.actor.clone()))
            .collect();
        assert_eq!(
            about_tokens,
            vec![
                (AuditAction::TokenRevoked, Some(token.id), Actor::System),
                (AuditAction::TokenCreated, Some(token.id), Actor::System),
            ],
            "one entry per change, the repeated revocation none"
        );
    })
    .await;
}
