//! A Citus cluster for the scale-out tests: `CITUS_URL` (the coordinator
//! of a cluster whose workers may create tables and roles), or, when it is
//! unset, the three-node cluster that `../shared/citus/cluster.sh start`
//! builds and starts on this machine (Citus installed into the machine's
//! PostgreSQL 15, a coordinator on 5440 and workers on 5441 and 5442). With
//! neither, the tests fail saying how to provide one; they never skip.

use std::path::PathBuf;
use std::process::Command;

use tokio::sync::OnceCell;

const HOW_TO: &str = "The Citus tests need a Citus cluster. Either set CITUS_URL \
to its coordinator (postgres://user@host:port/db, a role that may create schemas \
and roles), or run `../shared/citus/cluster.sh start` from the workspace's root \
(it builds Citus into the machine's PostgreSQL 15 and starts a coordinator on \
5440 and workers on 5441 and 5442), which these tests also try themselves.";

/// The coordinator's URL, resolved (and the cluster started) once per test
/// binary.
pub async fn coordinator_url() -> String {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("CITUS_URL") {
            return url;
        }
        tokio::task::spawn_blocking(start_cluster)
            .await
            .unwrap_or_else(|e| panic!("starting the Citus cluster panicked: {e}. {HOW_TO}"))
    })
    .await
    .clone()
}

/// Runs `cluster.sh start` and returns the URL it prints last.
fn start_cluster() -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/citus/cluster.sh");
    if !script.exists() {
        panic!("{} is missing. {HOW_TO}", script.display());
    }
    let output = Command::new("bash")
        .arg(&script)
        .arg("start")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}. {HOW_TO}", script.display()));
    if !output.status.success() {
        panic!(
            "{} start failed ({}): {}{}. {HOW_TO}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .filter(|line| line.starts_with("postgres://"))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            panic!(
                "{} start printed no URL: {}. {HOW_TO}",
                script.display(),
                String::from_utf8_lossy(&output.stdout)
            )
        })
}
