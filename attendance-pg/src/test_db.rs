//! A fresh database per unit test, from the test support crate. The store is
//! built here: the support crate's `PgStore` comes from its own build of this
//! crate, which lacks the private methods the unit tests call.

use std::future::Future;

pub(crate) use attendance_testsupport::TestDb;

use crate::{PgConfig, PgStore};

/// Runs `test` against a fresh migrated store, then drops the database,
/// whether the test passed or panicked. In the support crate's tenant mode
/// the store is that of a fresh tenant, dropped afterwards.
pub(crate) async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(PgStore) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    attendance_testsupport::with_db(async move |db| {
        let store = PgStore::connect(&PgConfig::new(&db.url).max_connections(8))
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let store = match db.tenant() {
            Some(name) => {
                let tenant = store.create_tenant(name).await.expect("create the tenant");
                store.for_tenant(tenant)
            }
            None => store,
        };
        let pool = store.pool().clone();
        test(store).await;
        pool.close().await;
    })
    .await;
}
