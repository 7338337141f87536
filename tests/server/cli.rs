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
