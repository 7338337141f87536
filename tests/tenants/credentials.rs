//! Credentials across tenants: a secret counts only under the name of the
//! tenant that made it, in a bearer token and in the web app's session
//! cookie alike; names of no tenant, or of none possible, are 401s and
//! never 500s; a dropped tenant stops being served within the router
//! cache's lifetime, answering 401 or 503 and nothing else meanwhile.

use super::*;

use std::time::Instant;

/// `reply` is a 401 that names nothing of another tenant.
fn refused(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {reply:?}");
    assert_eq!(foreign_marker(&reply.text), None, "{what}: {reply:?}");
}

#[tokio::test]
async fn a_secret_counts_only_under_its_own_tenants_name() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let beta = world.seed(&world.beta, "Beta").await;
        for caller in [&alpha.admin, &alpha.employee, &beta.admin, &beta.employee] {
            let reply = caller.get("/me").await;
            assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        }

        for (caller, own) in [
            (&alpha.admin, "alpha"),
            (&alpha.employee, "alpha"),
            (&beta.admin, "beta"),
        ] {
            let secret = caller.token.strip_prefix(&format!("{own}.")).unwrap();
            assert!(secret.starts_with("att_"), "{secret}");
            let long = "a".repeat(200);
            let other = if own == "alpha" { "beta" } else { "alpha" };
            let names = [
                other,
                "default",
                "gamma",
                "",
                "Bad Name",
                "a.b",
                "ALPHA",
                "BETA",
                "tenant_alpha",
                "tenant_beta",
                "attendance",
                &long,
                "alpha\u{00e9}",
            ];
            // Without a tenant: the default tenant's tokens, which know
            // none of the named tenants' secrets.
            refused(&caller.with_token(secret).get("/teams").await, "no tenant");
            for name in names {
                let token = format!("{name}.{secret}");
                let what = format!("{own}'s secret as {token:.60}");
                for path in ["/teams", "/employees/1", "/audit"] {
                    refused(&caller.with_token(token.clone()).get(path).await, &what);
                }
            }
            // A name written around the secret's own prefix.
            refused(
                &caller
                    .with_token(format!("{own}.{own}.{secret}"))
                    .get("/teams")
                    .await,
                "twice",
            );
        }
        // The cache of one tenant's routers holds nothing for another:
        // beta's router, warmed above, still refuses alpha's secret.
        let secret = alpha.admin.token.strip_prefix("alpha.").unwrap();
        refused(
            &alpha
                .admin
                .with_token(format!("beta.{secret}"))
                .get("/me")
                .await,
            "warm",
        );
    })
    .await;
}

#[tokio::test]
async fn a_session_cookie_counts_only_under_its_own_tenants_name() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let _beta = world.seed(&world.beta, "Beta").await;
        let sign_in = async |token: &str| {
            world
                .http
                .post(format!("{}/session", world.base))
                .json(&json!({"token": token}))
                .send()
                .await
                .unwrap()
        };
        let secret = alpha.admin.token.strip_prefix("alpha.").unwrap();
        for token in [
            format!("beta.{secret}"),
            secret.to_owned(),
            format!("gamma.{secret}"),
        ] {
            let response = sign_in(&token).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:.20}");
            assert!(response.headers().get("set-cookie").is_none());
        }
        let response = sign_in(&alpha.admin.token).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("attendance_session=alpha.")
            .unwrap_or_else(|| panic!("not alpha's cookie: {cookie}"))
            .to_owned();
        let read = async |cookie: String| {
            let response = world
                .http
                .get(format!("{}/teams", world.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        };
        let (status, text) = read(format!("attendance_session=alpha.{value}")).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(text.contains("Alpha Ops"), "{text}");
        for name in ["beta", "gamma", "Bad Name", ""] {
            let (status, text) = read(format!("attendance_session={name}.{value}")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {text}");
            assert_eq!(foreign_marker(&text), None, "{text}");
        }
        let (status, _) = read(format!("attendance_session={value}")).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "alpha's session under the default tenant"
        );
    })
    .await;
}

/// GETs `path` as `caller` until a 401 or `deadline`; every status seen.
async fn until_refused(caller: &As, deadline: Instant) -> Vec<(&'static str, StatusCode, String)> {
    let mut seen = Vec::new();
    loop {
        for path in ["/teams", "/employees", "/attendance", "/audit", "/webhooks"] {
            let reply = caller.get(path).await;
            seen.push((path, reply.status, reply.text));
        }
        if seen
            .last()
            .is_some_and(|(_, s, _)| *s == StatusCode::UNAUTHORIZED)
            || Instant::now() > deadline
        {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every status in `seen` is a 401 or a 503, and the last a 401.
fn refused_or_unavailable(seen: &[(&str, StatusCode, String)], what: &str) {
    for (path, status, text) in seen {
        assert!(
            matches!(status.as_u16(), 401 | 503),
            "{what}: GET {path}: {status} {text}"
        );
        assert_eq!(foreign_marker(text), None, "{what}: GET {path}: {text}");
    }
    let (_, last, _) = seen.last().unwrap();
    assert_eq!(*last, StatusCode::UNAUTHORIZED, "{what}: still served");
}

#[tokio::test]
async fn a_dropped_tenant_stops_being_served_without_a_500() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let beta = world.seed(&world.beta, "Beta").await;
        // A router just built, and its token cache warm, when the drop
        // starts. (The drop itself takes about the router's lifetime here;
        // requests during it are the next test's.)
        tokio::time::sleep(RECHECK + Duration::from_millis(50)).await;
        for path in ["/teams", "/employees", "/attendance", "/audit", "/webhooks"] {
            assert_eq!(beta.admin.get(path).await.status, StatusCode::OK, "{path}");
        }
        let start = Instant::now();
        world.default.drop_tenant("beta").await.unwrap();
        let took = start.elapsed();
        let seen = until_refused(&beta.admin, Instant::now() + Duration::from_secs(5)).await;
        refused_or_unavailable(&seen, &format!("after a drop that took {took:?}"));

        // Alpha is untouched; beta is gone for good.
        let teams = alpha.admin.get("/teams").await;
        assert_eq!(teams.status, StatusCode::OK);
        assert!(teams.text.contains("Alpha Ops"), "{}", teams.text);
        assert!(world.default.find_tenant("beta").await.is_err());
        tokio::time::sleep(RECHECK * 2).await;
        refused(&beta.admin.get("/me").await, "long after the drop");
    })
    .await;
}

#[tokio::test]
async fn requests_while_a_tenant_is_dropped_never_get_a_500() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let beta = world.seed(&world.beta, "Beta").await;
        assert_eq!(beta.admin.get("/teams").await.status, StatusCode::OK);
        // A few clients at once, so that some are mid-statement when the
        // schema goes.
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let admin = beta.admin.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let start = Instant::now();
                    while start.elapsed() < Duration::from_millis(1500) {
                        for path in ["/teams", "/employees", "/attendance", "/audit", "/webhooks"] {
                            let sent = Instant::now();
                            let reply = admin.get(path).await;
                            seen.push((sent, path, reply.status, reply.text));
                        }
                    }
                    seen
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        world.default.drop_tenant("beta").await.unwrap();
        let dropped = Instant::now();
        let mut seen = Vec::new();
        for client in clients {
            seen.extend(client.await.unwrap());
        }
        assert!(
            seen.iter().any(|(sent, ..)| *sent > dropped),
            "no request after the drop"
        );
        for (sent, path, status, text) in &seen {
            let after = sent.checked_duration_since(dropped);
            assert_ne!(
                *status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "GET {path} sent {after:?} after the drop: {text}"
            );
            if after.is_some() {
                assert!(
                    matches!(status.as_u16(), 401 | 503),
                    "GET {path} {after:?} after the drop: {status} {text}"
                );
            }
        }
        let seen = until_refused(&beta.admin, Instant::now() + Duration::from_secs(5)).await;
        refused_or_unavailable(&seen, "after the drop");
    })
    .await;
}
