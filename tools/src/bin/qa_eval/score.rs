//! Scoring: whether the rows of the model's query equal those of a gold
//! query (see the parent module's docs for what "equal" means).

use attendance::core::ask::QueryRows;
use serde_json::Value;

/// Numbers closer than this are equal.
pub const ABS_TOLERANCE: f64 = 0.01;
/// Numbers within this share of the larger one are equal (sums of rounded
/// hours differ in the last places depending on where they were rounded).
pub const REL_TOLERANCE: f64 = 1e-4;

/// Whether two cells are equal (see the module docs).
pub fn cell_eq(a: &Value, b: &Value) -> bool {
    fn number(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Number(_), _) | (_, Value::Number(_)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => {
                let diff = (x - y).abs();
                diff <= ABS_TOLERANCE || diff <= REL_TOLERANCE * x.abs().max(y.abs())
            }
            _ => false,
        },
        _ => a == b,
    }
}

/// Whether each item of `a` pairs with a distinct, equal item of `b` (same
/// length assumed).
fn multiset_eq<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (i, y) in b.iter().enumerate() {
            if !used[i] && eq(x, y) {
                used[i] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// Whether `got` answers like `gold` (see the module docs).
pub fn same_result(gold: &QueryRows, got: &QueryRows, ordered: bool) -> bool {
    if gold.rows.len() != got.rows.len() {
        return false;
    }
    if gold.rows.is_empty() {
        return true;
    }
    let width = |r: &QueryRows| r.rows.first().map_or(0, Vec::len);
    let (gw, mw) = (width(gold), width(got));
    if mw < gw {
        return false;
    }
    let column = |r: &QueryRows, c: usize| -> Vec<Value> {
        r.rows
            .iter()
            .map(|row| row.get(c).cloned().unwrap_or(Value::Null))
            .collect()
    };
    // Which of the model's columns could stand for each gold column.
    let candidates: Vec<Vec<usize>> = (0..gw)
        .map(|g| {
            let gc = column(gold, g);
            (0..mw)
                .filter(|&m| {
                    let mc = column(got, m);
                    if ordered {
                        gc.iter().zip(&mc).all(|(x, y)| cell_eq(x, y))
                    } else {
                        multiset_eq(&gc, &mc, cell_eq)
                    }
                })
                .collect()
        })
        .collect();
    let mut mapping = Vec::with_capacity(gw);
    let mut budget = 10_000u32;
    assign(gold, got, ordered, &candidates, &mut mapping, &mut budget)
}

/// Tries each injective choice of columns (bounded by `budget`).
fn assign(
    gold: &QueryRows,
    got: &QueryRows,
    ordered: bool,
    candidates: &[Vec<usize>],
    mapping: &mut Vec<usize>,
    budget: &mut u32,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let g = mapping.len();
    if g == candidates.len() {
        let project = |row: &Vec<Value>| -> Vec<Value> {
            mapping
                .iter()
                .map(|&m| row.get(m).cloned().unwrap_or(Value::Null))
                .collect()
        };
        let projected: Vec<Vec<Value>> = got.rows.iter().map(project).collect();
        let row_eq = |x: &Vec<Value>, y: &Vec<Value>| {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| cell_eq(a, b))
        };
        return if ordered {
            gold.rows.iter().zip(&projected).all(|(x, y)| row_eq(x, y))
        } else {
            multiset_eq(&gold.rows, &projected, row_eq)
        };
    }
    for &m in &candidates[g] {
        if mapping.contains(&m) {
            continue;
        }
        mapping.push(m);
        if assign(gold, got, ordered, candidates, mapping, budget) {
            return true;
        }
        mapping.pop();
    }
    false
}
