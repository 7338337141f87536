//! Tenants: each company's data in a schema of its own.
//!
//! A [`Tenant`] names a schema and the Q&A role of that schema. The default
//! tenant is the schema `attendance` with the role `attendance_qa`, where a
//! single-company deployment has always kept its data; a named tenant
//! `acme` is the schema `tenant_acme` with the role `tenant_acme_qa`. The
//! prefix keeps every tenant's schema apart from the host's schemas, from
//! `attendance`, and from the `pg_` and `citus` names PostgreSQL and Citus
//! reserve.
//!
//! Every statement of a [`PgStore`](crate::PgStore) runs on a connection
//! whose `search_path` names the store's tenant and nothing else of ours
//! (`conns.rs` sets it: the one place a statement can get a connection), and
//! the statements name their tables unqualified. A store without a tenant
//! does not exist: [`PgStore::connect`](crate::PgStore::connect) serves the
//! default one and [`PgStore::for_tenant`](crate::PgStore::for_tenant)
//! another over the same connections.

use std::fmt;
use std::sync::Arc;

/// The longest tenant name: `tenant_` and `_qa` around it stay well within
/// PostgreSQL's 63 bytes for a name.
pub const MAX_TENANT_NAME_CHARS: usize = 40;

/// The name of the default tenant, whose schema is `attendance`.
pub const DEFAULT_TENANT: &str = "default";

/// A tenant name that cannot name a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name:?} is not a tenant name: use 1 to {MAX_TENANT_NAME_CHARS} lower-case ASCII letters, \
     digits and underscores, starting with a letter"
)]
pub struct InvalidTenantName {
    /// The name refused, cut to a printable length.
    pub name: String,
}

/// One company's data: a schema and the role its questions run as.
/// Cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tenant {
    inner: Arc<Names>,
}

#[derive(PartialEq, Eq, Hash)]
struct Names {
    name: String,
    schema: String,
    qa_role: String,
    search_path: String,
}

impl Tenant {
    /// The tenant called `name` (see [`InvalidTenantName`] for the rules);
    /// [`DEFAULT_TENANT`] is the default tenant.
    pub fn new(name: &str) -> Result<Self, InvalidTenantName> {
        if name == DEFAULT_TENANT {
            return Ok(Self::default());
        }
        let valid = (1..=MAX_TENANT_NAME_CHARS).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(InvalidTenantName {
                name: name.chars().take(MAX_TENANT_NAME_CHARS + 10).collect(),
            });
        }
        Ok(Self::with_schema(name, format!("tenant_{name}")))
    }

    fn with_schema(name: &str, schema: String) -> Self {
        Self {
            inner: Arc::new(Names {
                name: name.to_owned(),
                qa_role: format!("{schema}_qa"),
                // pg_catalog first, so that nothing of a schema stands in for
                // a built-in; pg_temp last, so that no temporary object
                // stands in for a table of ours.
                search_path: format!("pg_catalog, {schema}, pg_temp"),
                schema,
            }),
        }
    }

    /// The tenant's name, as the CLI and tokens spell it.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether this is the default tenant (schema `attendance`).
    pub fn is_default(&self) -> bool {
        self.inner.name == DEFAULT_TENANT
    }

    /// The schema that holds the tenant's tables, views and functions.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// The role the tenant's questions run as (see
    /// [`PgSqlRunner`](crate::PgSqlRunner)); it may read the Q&A views of
    /// this tenant's schema and nothing else.
    pub fn qa_role(&self) -> &str {
        &self.inner.qa_role
    }

    /// The `search_path` every statement of the tenant runs with.
    pub(crate) fn search_path(&self) -> &str {
        &self.inner.search_path
    }

    /// `sql`, written for the default tenant, rewritten for this one: every
    /// word `attendance` (a maximal run of letters, digits and underscores)
    /// becomes the schema and every word `attendance_qa` the Q&A role. The
    /// migrations are written that way, so the default tenant's are
    /// byte for byte what they always were (and keep their checksums).
    pub(crate) fn rewrite(&self, sql: &str) -> String {
        if self.is_default() {
            return sql.to_owned();
        }
        let mut out = String::with_capacity(sql.len() + 64);
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            match word.as_str() {
                "attendance" => out.push_str(self.schema()),
                "attendance_qa" => out.push_str(self.qa_role()),
                other => out.push_str(other),
            }
            word.clear();
        };
        for c in sql.chars() {
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

impl Default for Tenant {
    /// The default tenant: schema `attendance`, role `attendance_qa`.
    fn default() -> Self {
        Self::with_schema(DEFAULT_TENANT, crate::SCHEMA.to_owned())
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Tenant").field(&self.inner.name).finish()
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.name)
    }
}

impl std::str::FromStr for Tenant {
    type Err = InvalidTenantName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_plain_identifiers_are_refused() {
        for name in [
            "",
            "Acme",
            "1acme",
            "_acme",
            "acme-corp",
            "acme corp",
            "acme\"; DROP SCHEMA attendance; --",
            "acmé",
            &"a".repeat(MAX_TENANT_NAME_CHARS + 1),
        ] {
            let err = Tenant::new(name).unwrap_err();
            assert!(err.to_string().contains("is not a tenant name"), "{name}");
        }
        assert_eq!(
            Tenant::new(&"a".repeat(MAX_TENANT_NAME_CHARS))
                .unwrap()
                .schema()
                .len(),
            MAX_TENANT_NAME_CHARS + "tenant_".len()
        );
    }

    #[test]
    fn a_named_tenant_has_its_own_schema_and_role() {
        let acme = Tenant::new("acme_2").unwrap();
        assert_eq!(
            (acme.name(), acme.schema(), acme.qa_role()),
            ("acme_2", "tenant_acme_2", "tenant_acme_2_qa")
        );
        assert!(!acme.is_default());
        assert_eq!(acme.search_path(), "pg_catalog, tenant_acme_2, pg_temp");
        let default = Tenant::new(DEFAULT_TENANT).unwrap();
        assert_eq!(default, Tenant::default());
        assert_eq!(
            (default.schema(), default.qa_role()),
            ("attendance", "attendance_qa")
        );
    }

    #[test]
    fn rewriting_replaces_whole_words_only() {
        let acme = Tenant::new("acme").unwrap();
        let sql = "CREATE TABLE attendance.x (); GRANT USAGE ON SCHEMA attendance TO attendance_qa;\n\
                   -- attendance_core::x, attendance_import_staging, 'attendance_qa'\n\
                   SET search_path = pg_catalog, attendance, pg_temp";
        assert_eq!(
            acme.rewrite(sql),
            "CREATE TABLE tenant_acme.x (); GRANT USAGE ON SCHEMA tenant_acme TO tenant_acme_qa;\n\
             -- attendance_core::x, attendance_import_staging, 'tenant_acme_qa'\n\
             SET search_path = pg_catalog, tenant_acme, pg_temp"
        );
        assert_eq!(Tenant::default().rewrite(sql), sql);
    }
}
