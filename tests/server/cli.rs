//! The token commands.

use super::*;

#[tokio::test]
async fn a_token_from_the_command_line_opens_the_server_until_revoked() {
    let db = common::TestDb::create().await;
    let url = db.url.clone();

    let token = stdout(&run(&url, &["token", "create", "--admin", "--name", "ci"]));
    let token = token.trim_end().to_owned();
    assert!(
        token.starts_with("att_"),
        "stdout is the token alone: {token:?}"
    );
    assert_eq!(token.len(), 68, "{token:?}");
    let listed = stdout(&run(&url, &["token", "list"]));
    assert!(listed.contains("admin ci"), "{listed}");
    assert!(!listed.contains(&token[4..]), "list never shows a secret");
    let id = listed
        .lines()
        .find(|line| line.contains("admin ci"))
        .and_then(|line| line.split('\t').next())
        .unwrap()
        .to_owned();

    let server = serve(&url, None).await;
    assert_eq!(status(server.port, "/teams", Some(&token)).await, Some(200));
    assert_eq!(status(server.port, "/teams", None).await, Some(401));
    assert_eq!(status(server.port, "/openapi.json", None).await, Some(200));

    stdout(&run(&url, &["token", "revoke", &id]));
    // The server caches what a token resolved to for a few seconds.
    let deadline = Instant::now() + Duration::from_secs(60);
    while status(server.port, "/teams", Some(&token)).await != Some(401) {
        assert!(Instant::now() < deadline, "the revoked token kept working");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);

    // An employee that does not exist gets no token.
    let refused = run(&url, &["token", "create", "--employee", "4242"]);
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty());
    db.drop_db().await;
}

#[tokio::test]
async fn only_attendance_auth_off_turns_authentication_off() {
    let db = common::TestDb::create().await;
    let url = db.url.clone();
    let off = serve(&url, Some("off")).await;
    assert_eq!(status(off.port, "/teams", None).await, Some(200));
    let logged = off.stop();
    assert!(logged.contains("authentication is OFF"), "{logged}");

    let typo = Command::new(server_binary())
        .env("DATABASE_URL", &url)
        .env("BIND_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("ATTENDANCE_AUTH", "false")
        .output()
        .unwrap();
    assert!(!typo.status.success(), "an unknown value stops the start");
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert!(stderr.contains("ATTENDANCE_AUTH"), "{stderr}");
    db.drop_db().await;
}

#[tokio::test]
async fn tenants_made_on_the_command_line_are_served_apart_until_dropped() {
    let db = common::TestDb::create().await;
    let url = db.url.clone();

    for bad in [
        "Acme",
        "acme-corp",
        "default",
        "x\"; DROP SCHEMA attendance; --",
    ] {
        let refused = run(&url, &["tenant", "create", bad]);
        assert!(!refused.status.success(), "{bad} was accepted");
        assert!(refused.stdout.is_empty());
    }
    assert_eq!(stdout(&run(&url, &["tenant", "create", "acme"])), "acme\n");
    assert_eq!(
        stdout(&run(&url, &["tenant", "create", "globex"])),
        "globex\n"
    );
    // Creating it again is refused; nothing is half made.
    assert!(!run(&url, &["tenant", "create", "acme"]).status.success());
    let listed = stdout(&run(&url, &["tenant", "list"]));
    assert_eq!(
        listed,
        "default\tattendance\nacme\ttenant_acme\nglobex\ttenant_globex\n"
    );

    let acme = token(&url, &["--tenant", "acme", "--admin"]);
    assert!(acme.starts_with("acme.att_"), "{acme}");
    let globex = token(&url, &["--tenant", "globex", "--admin"]);
    let default = token(&url, &["--admin"]);
    assert!(default.starts_with("att_"), "{default}");
    // A tenant that does not exist gets no token.
    let refused = run(&url, &["token", "create", "--tenant", "nobody", "--admin"]);
    assert!(!refused.status.success() && refused.stdout.is_empty());

    let server = serve(&url, None).await;
    let client = http_client();
    let base = format!("http://127.0.0.1:{}", server.port);
    let created = client
        .post(format!("{base}/teams"))
        .bearer_auth(&acme)
        .json(&serde_json::json!({ "name": "Acme Only", "timezone": "UTC" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let names = |token: String| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let reply = client
                .get(format!("{base}/teams"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 200);
            reply.text().await.unwrap()
        }
    };
    assert!(names(acme.clone()).await.contains("Acme Only"));
    assert!(!names(globex.clone()).await.contains("Acme Only"));
    assert!(!names(default.clone()).await.contains("Acme Only"));
    // Acme's secret under another tenant's name, or none, names no one.
    let secret = acme.trim_start_matches("acme.");
    for wrong in [
        format!("globex.{secret}"),
        secret.to_owned(),
        format!("nobody.{secret}"),
    ] {
        assert_eq!(
            status(server.port, "/teams", Some(&wrong)).await,
            Some(401),
            "{wrong}"
        );
    }

    stdout(&run(&url, &["tenant", "drop", "acme"]));
    assert_eq!(
        stdout(&run(&url, &["tenant", "list"])),
        "default\tattendance\nglobex\ttenant_globex\n"
    );
    // The server keeps a tenant's router for a few seconds; then 401.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = status(server.port, "/teams", Some(&acme)).await;
        if seen == Some(401) {
            break;
        }
        assert!(
            matches!(seen, Some(200 | 503)),
            "a dropped tenant's token got {seen:?}"
        );
        assert!(
            Instant::now() < deadline,
            "the dropped tenant kept being served"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        status(server.port, "/teams", Some(&globex)).await,
        Some(200)
    );
    drop(server);
    db.drop_db().await;
}
