//! The guard's lists by name: the functions a query may call by default, and
//! the object-identifier types a cast may never name.

use sqlparser::ast::DataType;

/// Functions a query may call unless the list is replaced with
/// [`SqlGuard::with_functions`](super::SqlGuard::with_functions): aggregates, window functions, date and time,
/// math, conditional and string functions that read nothing but their
/// arguments. Names are lower case and unqualified.
pub const DEFAULT_FUNCTIONS: &[&str] = &[
    // aggregates
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "string_agg",
    "array_agg",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    // window functions
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    // date and time (EXTRACT has its own syntax and needs no entry)
    "date_trunc",
    "date_part",
    "age",
    "make_date",
    "make_time",
    "make_interval",
    "to_char",
    "to_date",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "now",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    // math
    "round",
    "floor",
    "ceil",
    "ceiling",
    "abs",
    "trunc",
    "div",
    "mod",
    "power",
    "sqrt",
    "sign",
    // conditional
    "coalesce",
    "nullif",
    "greatest",
    "least",
    // string
    "lower",
    "upper",
    "initcap",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "length",
    "char_length",
    "concat",
    "concat_ws",
    "substring",
    "substr",
    "position",
    "strpos",
    "left",
    "right",
    "split_part",
    "replace",
    "lpad",
    "rpad",
];

/// Object-identifier alias types: a cast to one of them reads the system
/// catalogs (`10::regrole` names a role, `1259::regclass` a catalog).
/// `regoper` and `regproc` also match `regoperator` and `regprocedure`.
const OID_ALIAS_TYPES: &[&str] = &[
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regproc",
    "regrole",
    "regtype",
];

/// Whether a cast to `data_type` would read the system catalogs.
pub(super) fn is_oid_alias(data_type: &DataType) -> bool {
    // The rendering covers arrays and schema-qualified names alike.
    let name = data_type.to_string().to_lowercase();
    OID_ALIAS_TYPES.iter().any(|alias| name.contains(alias))
}
