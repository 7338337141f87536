//! Creating, finding and dropping tenants.
//!
//! The registry is the table `attendance_tenants.tenants`: a tenant is
//! served once its row says `ready`, which it says only after the tenant's
//! schema exists and every migration is applied. Creating a tenant that an
//! earlier attempt left half-made (a crash, a lost connection) goes on
//! where it stopped; until then nothing serves it. On Citus the schema is
//! created with schema-based sharding on, so the whole tenant lives on one
//! worker and moves as one (`citus_schema_move`).

use sqlx::{AssertSqlSafe, PgConnection};

use crate::error::{has_code, sqlstate};
use crate::tenant::{InvalidTenantName, Tenant};
use crate::{Error, PgStore};

/// Why a tenant could not be created, found or dropped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// The name cannot name a tenant.
    #[error(transparent)]
    InvalidName(#[from] InvalidTenantName),
    /// No such tenant (never created, dropped, or not finished creating).
    #[error("there is no tenant {0:?}")]
    NotFound(String),
    /// `create` of a tenant that exists and is ready.
    #[error("the tenant {0:?} exists already")]
    Exists(String),
    /// The default tenant is the schema `attendance`, migrated by
    /// [`PgStore::migrate`]; it is neither created nor dropped here.
    #[error("the default tenant is migrated, not created, and cannot be dropped")]
    Default,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] Error),
}

/// The registry, made by the first tenant's creation. Two first creations
/// at once would both try to make it, and one would fail on the catalog's
/// unique keys: the lock (held until the string's implicit transaction
/// ends) makes the second wait and find it made.
const REGISTRY: &str = "SELECT pg_advisory_xact_lock(hashtextextended('attendance tenants', 0)); \
     CREATE SCHEMA IF NOT EXISTS attendance_tenants; \
     CREATE TABLE IF NOT EXISTS attendance_tenants.tenants ( \
         name       text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'), \
         created_at timestamptz NOT NULL DEFAULT now(), \
         ready      boolean     NOT NULL DEFAULT false)";

impl PgStore {
    /// Creates the tenant `name`: its schema (distributed when the database
    /// is a Citus coordinator), its migrations, its Q&A role. Safe to rerun
    /// after a failure: it goes on where the failed attempt stopped.
    pub async fn create_tenant(&self, name: &str) -> Result<Tenant, TenantError> {
        let tenant = Tenant::new(name)?;
        if tenant.is_default() {
            return Err(TenantError::Default);
        }
        self.conns
            .for_tenant(Tenant::default())
            .run(async |c| sqlx::raw_sql(REGISTRY).execute(c).await)
            .await
            .map_err(Error::Registry)?;
        let ready = self
            .registry(async |c| {
                let ready: Option<bool> = sqlx::query_scalar(
                    "INSERT INTO attendance_tenants.tenants (name) VALUES ($1) \
                     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING ready",
                )
                .bind(tenant.name())
                .fetch_optional(&mut *c)
                .await?;
                Ok(ready.unwrap_or(false))
            })
            .await?;
        if ready == Some(true) {
            return Err(TenantError::Exists(tenant.name().to_owned()));
        }
        let schema = tenant.schema().to_owned();
        self.registry(async |c| {
            let citus: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')",
            )
            .fetch_one(&mut *c)
            .await?;
            if citus {
                // A schema created with this on is a distributed schema:
                // every table made in it lives whole on one worker.
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "SET citus.enable_schema_based_sharding TO on; \
                     CREATE SCHEMA IF NOT EXISTS {schema}; \
                     RESET citus.enable_schema_based_sharding"
                )))
                .execute(&mut *c)
                .await?;
            } else {
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema}"
                )))
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
        .await?;
        self.for_tenant(tenant.clone()).migrate().await?;
        self.spread(&tenant).await?;
        self.registry(async |c| {
            sqlx::query("UPDATE attendance_tenants.tenants SET ready = true WHERE name = $1")
                .bind(tenant.name())
                .execute(&mut *c)
                .await?;
            Ok(())
        })
        .await?;
        Ok(tenant)
    }

    /// The tenant `name`, if it exists and is ready to serve.
    pub async fn find_tenant(&self, name: &str) -> Result<Tenant, TenantError> {
        let tenant = Tenant::new(name)?;
        if tenant.is_default() {
            return Ok(tenant);
        }
        match self.readiness(&tenant).await? {
            Some(true) => Ok(tenant),
            _ => Err(TenantError::NotFound(tenant.name().to_owned())),
        }
    }

    /// The tenant `name` if it is served, `None` if no tenant of that name
    /// is (not a tenant name, never created, dropped, or not yet ready):
    /// what a host resolving credentials asks. Errors are the registry's
    /// own, such as an unreachable database.
    pub async fn served_tenant(&self, name: &str) -> Result<Option<Tenant>, TenantError> {
        match self.find_tenant(name).await {
            Ok(tenant) => Ok(Some(tenant)),
            Err(TenantError::NotFound(_) | TenantError::InvalidName(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Whether the registry knows `tenant` (`None` if not), and if so
    /// whether it is ready to serve.
    async fn readiness(&self, tenant: &Tenant) -> Result<Option<bool>, TenantError> {
        let ready = self
            .registry(async |c| {
                sqlx::query_scalar::<_, bool>(
                    "SELECT ready FROM attendance_tenants.tenants WHERE name = $1",
                )
                .bind(tenant.name())
                .fetch_optional(&mut *c)
                .await
            })
            .await?;
        Ok(ready.flatten())
    }

    /// The names of the tenants ready to serve, the default one first.
    pub async fn tenants(&self) -> Result<Vec<Tenant>, TenantError> {
        let names: Option<Vec<String>> = self
            .registry(async |c| {
                sqlx::query_scalar(
                    "SELECT name FROM attendance_tenants.tenants WHERE ready ORDER BY name",
                )
                .fetch_all(&mut *c)
                .await
            })
            .await?;
        let mut tenants = vec![Tenant::default()];
        for name in names.unwrap_or_default() {
            tenants.push(Tenant::new(&name)?);
        }
        Ok(tenants)
    }

    /// Drops the tenant `name` with all its data: first it stops being
    /// served (its tokens stop working), then its schema and Q&A role go.
    pub async fn drop_tenant(&self, name: &str) -> Result<(), TenantError> {
        let tenant = Tenant::new(name)?;
        if tenant.is_default() {
            return Err(TenantError::Default);
        }
        let known = self
            .registry(async |c| {
                let known = sqlx::query(
                    "UPDATE attendance_tenants.tenants SET ready = false WHERE name = $1",
                )
                .bind(tenant.name())
                .execute(&mut *c)
                .await?;
                Ok(known.rows_affected() == 1)
            })
            .await?;
        if known != Some(true) {
            return Err(TenantError::NotFound(tenant.name().to_owned()));
        }
        let (schema, role) = (tenant.schema().to_owned(), tenant.qa_role().to_owned());
        self.registry(async |c| {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; \
                 DO $$ BEGIN \
                     IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN \
                         DROP OWNED BY {role}; DROP ROLE {role}; \
                     END IF; \
                 EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN \
                     RAISE NOTICE '{role} is still used elsewhere; it stays'; \
                 END $$"
            )))
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM attendance_tenants.tenants WHERE name = $1")
                .bind(tenant.name())
                .execute(&mut *c)
                .await?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// On Citus, moves the tenant `tenant`, just created and still empty,
    /// to the worker holding the fewest tenants when its own holds at least
    /// two more. Citus places a new distributed schema by its colocation
    /// id, round robin over the workers, whatever they hold; moving an
    /// empty tenant costs well under a second. On PostgreSQL, nothing.
    async fn spread(&self, tenant: &Tenant) -> Result<(), TenantError> {
        let nodes = self.placement(tenant).await?;
        let Some(here) = nodes.iter().find(|n| n.holds_it) else {
            return Ok(());
        };
        if let Some(least) = nodes.first()
            && least.tenants + 1 < here.tenants
        {
            self.move_tenant(tenant.name(), &least.host, least.port)
                .await?;
        }
        Ok(())
    }

    /// The workers of a Citus cluster with how many tenants each holds,
    /// the least loaded first, and which holds `tenant`. Empty on
    /// PostgreSQL without Citus.
    pub(crate) async fn placement(&self, tenant: &Tenant) -> Result<Vec<Node>, TenantError> {
        let schema = tenant.schema().to_owned();
        let rows: Vec<(String, i32, i64, Option<bool>)> = self
            .conns
            .for_tenant(Tenant::default())
            .run(async |c| {
                let citus: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')",
                )
                .fetch_one(&mut *c)
                .await?;
                if !citus {
                    return Ok(Vec::new());
                }
                sqlx::query_as(
                    "WITH placed AS ( \
                         SELECT DISTINCT ds.schemaid, pl.groupid \
                         FROM pg_dist_schema ds \
                         JOIN pg_dist_partition p ON p.colocationid = ds.colocationid \
                         JOIN pg_dist_shard s ON s.logicalrelid = p.logicalrelid \
                         JOIN pg_dist_placement pl ON pl.shardid = s.shardid) \
                     SELECT n.nodename::text, n.nodeport, count(placed.schemaid), \
                            bool_or(placed.schemaid = to_regnamespace($1)) \
                     FROM pg_dist_node n LEFT JOIN placed ON placed.groupid = n.groupid \
                     WHERE n.shouldhaveshards AND n.isactive AND n.noderole = 'primary' \
                     GROUP BY n.nodename, n.nodeport \
                     ORDER BY count(placed.schemaid), n.nodeport",
                )
                .bind(&schema)
                .fetch_all(&mut *c)
                .await
            })
            .await
            .map_err(Error::Registry)?;
        Ok(rows
            .into_iter()
            .map(|(host, port, tenants, holds_it)| Node {
                host,
                port: u16::try_from(port).unwrap_or_default(),
                tenants,
                holds_it: holds_it.unwrap_or(false),
            })
            .collect())
    }

    /// The Citus worker (host and port) holding the tenant `name`; `None` on
    /// PostgreSQL without Citus.
    pub async fn tenant_node(&self, name: &str) -> Result<Option<(String, u16)>, TenantError> {
        let tenant = self.find_tenant_any(name).await?;
        Ok(self
            .placement(&tenant)
            .await?
            .into_iter()
            .find(|n| n.holds_it)
            .map(|n| (n.host, n.port)))
    }

    /// Moves the tenant `name` to the Citus worker at `host:port`, whole
    /// (`citus_schema_move`). Writes to the tenant wait while its tables are
    /// copied, and go on once it is moved; nothing is lost or written twice.
    /// The copy blocks writes rather than replicating them
    /// (`block_writes`): the Q&A scope table is unlogged, which logical
    /// replication cannot carry.
    pub async fn move_tenant(&self, name: &str, host: &str, port: u16) -> Result<(), TenantError> {
        let tenant = self.find_tenant_any(name).await?;
        let schema = tenant.schema().to_owned();
        self.conns
            .for_tenant(Tenant::default())
            .run(async |c| {
                sqlx::query(
                    "SELECT citus_schema_move($1::regnamespace, $2, $3, \
                     shard_transfer_mode := 'block_writes')",
                )
                .bind(&schema)
                .bind(host)
                .bind(i32::from(port))
                .execute(&mut *c)
                .await
            })
            .await
            .map_err(Error::Registry)?;
        Ok(())
    }

    /// The tenant `name` if the registry knows it, ready or not.
    async fn find_tenant_any(&self, name: &str) -> Result<Tenant, TenantError> {
        let tenant = Tenant::new(name)?;
        if tenant.is_default() {
            return Err(TenantError::Default);
        }
        match self.readiness(&tenant).await? {
            Some(_) => Ok(tenant),
            None => Err(TenantError::NotFound(tenant.name().to_owned())),
        }
    }

    /// Runs `op` on the registry. A registry that does not exist yet (no
    /// tenant was ever created) is `Ok(None)`.
    async fn registry<T>(
        &self,
        op: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<Option<T>, Error> {
        let result = self
            .conns
            .for_tenant(Tenant::default())
            .run(async |c| op(c).await)
            .await;
        match result {
            Ok(value) => Ok(Some(value)),
            Err(e) if has_code(&e, sqlstate::UNDEFINED_TABLE) => Ok(None),
            Err(e) => Err(Error::Registry(e)),
        }
    }
}

/// A Citus worker, as [`PgStore::placement`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Tenants with their tables on it.
    pub(crate) tenants: i64,
    /// Whether the tenant asked about is one of them.
    pub(crate) holds_it: bool,
}
