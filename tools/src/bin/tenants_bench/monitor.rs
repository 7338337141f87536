//! Watching the node: its sessions named `attendance` (all, and this
//! process's by client port), the Citus workers' `citus…` sessions, and
//! the sampler that counts them during a clock round.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::BoxError;

const SAMPLE_EVERY: Duration = Duration::from_millis(100);

pub(crate) fn monitor_options(url: &str) -> Result<PgConnectOptions, BoxError> {
    Ok(PgConnectOptions::from_str(url)?.application_name("tenants_bench_monitor"))
}

/// Sessions named `attendance` on the node: all of them (the brief's
/// `SELECT count(*) FROM pg_stat_activity WHERE application_name =
/// 'attendance'`, which counts other programs' too), and this process's
/// alone, recognised by their client ports.
pub(crate) async fn count_attendance(conn: &mut PgConnection) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE client_port = ANY($1)) \
         FROM pg_stat_activity WHERE application_name = 'attendance'",
    )
    .bind(own_ports())
    .fetch_one(conn)
    .await
}

/// The local TCP ports of this process's sockets, from `/proc` (Linux);
/// empty elsewhere, which counts none as ours.
fn own_ports() -> Vec<i32> {
    let mut inodes = std::collections::HashSet::new();
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && let Some(inode) = target
                    .to_str()
                    .and_then(|t| t.strip_prefix("socket:["))
                    .and_then(|t| t.strip_suffix(']'))
            {
                inodes.insert(inode.to_owned());
            }
        }
    }
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl, local address, remote address, state, queues, timer,
            // retransmits, uid, timeout, inode.
            if let (Some(local), Some(inode)) = (fields.get(1), fields.get(9))
                && inodes.contains(*inode)
                && let Some(port) = local.rsplit(':').next()
                && let Ok(port) = i32::from_str_radix(port, 16)
            {
                ports.push(port);
            }
        }
    }
    ports
}

async fn count_citus(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'citus%'")
        .fetch_one(conn)
        .await
}

/// Samples the node (and the workers) every 100 ms until `stop`.
pub(crate) async fn sample(
    node: PgConnectOptions,
    workers: Vec<PgConnectOptions>,
    stop: Arc<AtomicBool>,
) -> Result<((i64, i64), usize, Vec<i64>), BoxError> {
    let mut conn = node.connect().await?;
    let mut worker_conns = Vec::new();
    for w in &workers {
        worker_conns.push(w.connect().await?);
    }
    let (mut own, mut all, mut samples) = (0, 0, 0);
    let mut max_workers = vec![0; workers.len()];
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let (everyone, ours) = count_attendance(&mut conn).await?;
        (own, all) = (own.max(ours), all.max(everyone));
        samples += 1;
        for (m, c) in max_workers.iter_mut().zip(worker_conns.iter_mut()) {
            *m = (*m).max(count_citus(c).await?);
        }
    }
    conn.close().await?;
    for c in worker_conns {
        c.close().await?;
    }
    Ok(((own, all), samples, max_workers))
}
