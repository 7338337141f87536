//! The guard's lists by name: the functions a query may call by default, the
//! keywords that are functions in disguise, and the types a cast may not name.

use sqlparser::ast::{ArrayElemTypeDef, DataType, ObjectNamePart};

use super::checker::ident_key;

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

/// Keywords PostgreSQL evaluates as functions although they are written
/// without parentheses, so they parse as plain identifiers. One is allowed
/// only if its name is on the function allow-list (the date and time ones
/// are by default); the others reveal the session's roles, schema and
/// database.
pub(super) const KEYWORD_FUNCTIONS: &[&str] = &[
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "session_user",
    "system_user",
    "user",
];

/// Type names that are not ordinary values: object-identifier aliases
/// (`10::regrole` names a role, `1259::regclass` a catalog; `regoper` and
/// `regproc` also match `regoperator` and `regprocedure`), `aclitem`, whose
/// input looks roles up, and the `pg_` types of the system catalogs.
const CATALOG_TYPE_MARKS: &[&str] = &[
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regproc",
    "regrole",
    "regtype",
    "aclitem",
    "pg_",
];

/// Types PostgreSQL knows under names `sqlparser` has no variant for; a cast
/// to any other name it does not know (a system type such as `oid` or `tid`,
/// a user-defined or schema-qualified type) is refused.
const PLAIN_CUSTOM_TYPES: &[&str] = &[
    "bpchar",
    "float4",
    "float8",
    "int2",
    "int4",
    "int8",
    "timestamptz",
    "timetz",
];

/// Whether a cast to `data_type` is refused: a catalog or system type, or
/// a type the guard does not know to be a plain value.
pub(super) fn is_refused_type(data_type: &DataType) -> bool {
    // The rendering covers arrays and schema-qualified names alike.
    let name = data_type.to_string().to_ascii_lowercase();
    if CATALOG_TYPE_MARKS.iter().any(|mark| name.contains(mark)) {
        return true;
    }
    match data_type {
        DataType::Regclass => true,
        DataType::Custom(name, _) => match name.0.as_slice() {
            [ObjectNamePart::Identifier(ident)] => {
                !PLAIN_CUSTOM_TYPES.contains(&ident_key(ident).as_str())
            }
            _ => true,
        },
        DataType::Array(element) => match element {
            ArrayElemTypeDef::None => false,
            ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::Parenthesis(inner)
            | ArrayElemTypeDef::ParenthesisNotNull(inner)
            | ArrayElemTypeDef::Qualified(inner, _) => is_refused_type(inner),
        },
        DataType::Collate(inner, _)
        | DataType::Nullable(inner)
        | DataType::LowCardinality(inner)
        | DataType::Zerofill(inner) => is_refused_type(inner),
        _ => false,
    }
}
