//! The names a plan carries, resolved to ids among the employees and teams
//! the asking principal may see.
//!
//! The candidates are read through the same scoped [`SqlRunner`] as the
//! answer, so PostgreSQL decides what is in scope: a name outside it is
//! "not found", exactly like a name nobody has, and the scope is never
//! widened to look further. Matching forgives case, accents and small
//! typos: an exact match (after folding) wins; else the closest names
//! within [`max_distance`] edits; else names whose words contain all the
//! words written ("Berlin" for "Sales Berlin"). More than one candidate at
//! the best level is a question back to the person, never a guess.

use super::plan::{ResolvedNames, ValidPlan, sql_literal, take_names};
use super::{QueryContext, QueryError, SqlRunner};
use crate::domain::{EmployeeId, TeamId};
use crate::guard::{Refusal, SqlGuard};
use serde_json::Value;

/// Candidates read per name: the runner caps rows anyway, and a name that
/// matches more than this is too vague to list.
const MAX_CANDIDATES: usize = 50;

/// Which kind of name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameKind {
    /// An employee's name.
    Employee,
    /// A team's name.
    Team,
}

impl NameKind {
    /// "employee" or "team".
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Team => "team",
        }
    }
}

/// One employee or team a written name may mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Candidate {
    /// Its id.
    pub(super) id: i64,
    /// Its name.
    pub(super) name: String,
    /// For an employee, their team.
    pub(super) team: Option<String>,
}

/// What the names of a plan came to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Resolution {
    /// Every name means one employee or team (or several namesakes the
    /// person must choose between: see `Ambiguous`).
    Resolved(ResolvedNames),
    /// A name fits more than one; the person is asked which.
    Ambiguous {
        /// Employee or team.
        kind: NameKind,
        /// The name as the model wrote it.
        written: String,
        /// Who it may mean.
        candidates: Vec<Candidate>,
    },
    /// A name fits no one in scope.
    NotFound {
        /// Employee or team.
        kind: NameKind,
        /// The name as the model wrote it.
        written: String,
    },
}

/// Lower case, accents off the common Latin letters, runs of spaces and
/// punctuation as one space.
pub(super) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ð' | 'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'œ' => "oe",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' => "s",
            'ß' => "ss",
            'ţ' | 'ť' | 'ŧ' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(plain);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Levenshtein distance over characters.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Typos forgiven in a folded name: one in a short name, two otherwise.
pub(super) fn max_distance(folded: &str) -> usize {
    if folded.chars().count() <= 6 { 1 } else { 2 }
}

/// Words a model adds around a name ("the Berlin team") that no name
/// needs to contain.
const FILLER: &[&str] = &["the", "team", "teams", "department", "dept", "group"];

/// The candidates `written` best matches, by the levels of the module doc.
pub(super) fn best_matches(written: &str, candidates: &[Candidate]) -> Vec<Candidate> {
    let want = fold(written);
    let folded: Vec<String> = candidates.iter().map(|c| fold(&c.name)).collect();
    let pick = |keep: &dyn Fn(&str) -> bool| -> Vec<Candidate> {
        candidates
            .iter()
            .zip(&folded)
            .filter(|(_, f)| keep(f))
            .map(|(c, _)| c.clone())
            .collect()
    };
    let exact = pick(&|f| f == want);
    if !exact.is_empty() {
        return exact;
    }
    let limit = max_distance(&want);
    let best = folded
        .iter()
        .map(|f| distance(&want, f))
        .filter(|d| *d <= limit)
        .min();
    if let Some(best) = best {
        return pick(&|f| distance(&want, f) == best);
    }
    let words: Vec<&str> = want
        .split(' ')
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    pick(&|f| {
        let theirs: Vec<&str> = f.split(' ').collect();
        words.iter().all(|w| theirs.contains(w))
    })
}

/// The `LIKE` patterns that find the candidates of `written` in SQL: the
/// first and last three letters of each word (an edit or two leaves one
/// of them whole), letters and digits only, so no pattern character of
/// `LIKE` can come from the name.
fn anchors(written: &str) -> Vec<String> {
    let folded = fold(written);
    let words: Vec<Vec<char>> = folded
        .split(' ')
        .filter(|w| !FILLER.contains(w))
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    // A one- or two-letter word ("O" of "O'Brien") would match nearly
    // everyone; it counts only when the name has nothing longer.
    let long = words.iter().any(|w| w.len() >= 3);
    let mut out: Vec<String> = Vec::new();
    for chars in words.iter().filter(|w| !long || w.len() >= 3) {
        let n = chars.len().min(3);
        for part in [&chars[..n], &chars[chars.len() - n..]] {
            let anchor: String = part.iter().collect();
            if !out.contains(&anchor) {
                out.push(anchor);
            }
        }
    }
    out
}

/// The query that reads the candidates of `written`.
fn candidates_sql(kind: NameKind, written: &str) -> Option<String> {
    let (select, column, view) = match kind {
        NameKind::Employee => (
            "employee_id, employee_name, team_name",
            "employee_name",
            "qa_employees",
        ),
        NameKind::Team => ("team_id, team_name", "team_name", "qa_teams"),
    };
    let anchors = anchors(written);
    if anchors.is_empty() {
        return None;
    }
    let like: Vec<String> = anchors
        .iter()
        .map(|a| format!("lower({column}) LIKE {}", sql_literal(&format!("%{a}%"))))
        .collect();
    // The names that keep the most anchors come first, so that in a large
    // company the cap cuts the least likely candidates, not the name asked.
    let score: Vec<String> = like
        .iter()
        .map(|l| format!("CASE WHEN {l} THEN 1 ELSE 0 END"))
        .collect();
    Some(format!(
        "SELECT {select} FROM {view} WHERE {} ORDER BY {} DESC, 1 LIMIT {MAX_CANDIDATES}",
        like.join(" OR "),
        score.join(" + ")
    ))
}

fn candidate(row: &[Value], kind: NameKind) -> Option<Candidate> {
    Some(Candidate {
        id: row.first()?.as_i64()?,
        name: row.get(1)?.as_str()?.to_owned(),
        team: match kind {
            NameKind::Employee => row.get(2).and_then(Value::as_str).map(str::to_owned),
            NameKind::Team => None,
        },
    })
}

/// Why a lookup did not run.
#[derive(Debug)]
pub(super) enum LookupError {
    /// The guard refused it: the catalog lacks `qa_employees` or
    /// `qa_teams`.
    Refused(Refusal),
    /// The runner failed.
    Query(QueryError),
}

/// Resolves every name of `plan` in the scope of `context`.
///
/// # Errors
/// Why a lookup did not run.
pub(super) async fn resolve(
    runner: &dyn SqlRunner,
    guard: &SqlGuard,
    context: &QueryContext,
    plan: &ValidPlan,
) -> Result<Resolution, LookupError> {
    let mut resolved = ResolvedNames::default();
    for (kind, names) in [
        (NameKind::Employee, plan.employee_names()),
        (NameKind::Team, plan.team_names()),
    ] {
        for written in names {
            let not_found = || Resolution::NotFound {
                kind,
                written: written.clone(),
            };
            let Some(sql) = candidates_sql(kind, written) else {
                return Ok(not_found());
            };
            let guarded = guard.check(&sql).map_err(LookupError::Refused)?;
            let rows = runner
                .run(&guarded, context)
                .await
                .map_err(LookupError::Query)?;
            let found: Vec<Candidate> = rows
                .rows
                .iter()
                .filter_map(|r| candidate(r, kind))
                .collect();
            let best = best_matches(written, &found);
            match best.as_slice() {
                [] => return Ok(not_found()),
                [one] => match kind {
                    NameKind::Employee => resolved.employees.push(EmployeeId(one.id)),
                    NameKind::Team => resolved.teams.push(TeamId(one.id)),
                },
                _ => {
                    return Ok(Resolution::Ambiguous {
                        kind,
                        written: written.clone(),
                        candidates: best,
                    });
                }
            }
        }
    }
    Ok(Resolution::Resolved(resolved))
}

/// The employees and teams in scope that a question names whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Mentioned {
    /// Employee names, as the company writes them.
    pub(super) employees: Vec<String>,
    /// Team names, as the company writes them.
    pub(super) teams: Vec<String>,
}

/// The names in scope that `question` holds as whole words (case aside),
/// read through the scoped runner: teams first, then employees in what is
/// left, each name once and the longest first ([`take_names`]).
///
/// # Errors
/// Why a lookup did not run.
pub(super) async fn mentioned(
    runner: &dyn SqlRunner,
    guard: &SqlGuard,
    context: &QueryContext,
    question: &str,
) -> Result<Mentioned, LookupError> {
    let mut text = question.to_lowercase();
    let asked = sql_literal(&text);
    let mut found = Mentioned::default();
    for (column, view, into) in [
        ("team_name", "qa_teams", &mut found.teams),
        ("employee_name", "qa_employees", &mut found.employees),
    ] {
        let sql = format!(
            "SELECT DISTINCT {column} FROM {view} \
             WHERE strpos({asked}, lower({column})) > 0 ORDER BY 1 LIMIT {MAX_CANDIDATES}"
        );
        let guarded = guard.check(&sql).map_err(LookupError::Refused)?;
        let rows = runner
            .run(&guarded, context)
            .await
            .map_err(LookupError::Query)?;
        let names: Vec<String> = rows
            .rows
            .iter()
            .filter_map(|r| r.first()?.as_str().map(str::to_owned))
            .collect();
        *into = take_names(&mut text, &names);
    }
    Ok(found)
}

/// Whether `question` refers to `written`, give or take a few typos: a
/// word of it (the filler of [`FILLER`] aside) is within [`max_distance`]
/// of a word of the question ("the Operations teams" refers to
/// "Operations Berlin"; a name copied from elsewhere shares no word).
pub(super) fn written_in(question: &str, written: &str) -> bool {
    let asked: Vec<String> = fold(question).split(' ').map(str::to_owned).collect();
    let folded = fold(written);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .collect();
    words
        .iter()
        .any(|w| w.chars().count() >= 3 && asked.iter().any(|a| distance(w, a) <= max_distance(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(names: &[&str]) -> Vec<Candidate> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Candidate {
                id: i as i64 + 1,
                name: (*n).to_owned(),
                team: None,
            })
            .collect()
    }

    fn ids(found: Vec<Candidate>) -> Vec<i64> {
        found.into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn folding_forgets_case_accents_and_punctuation() {
        assert_eq!(fold("  José  MARÍA-López "), "jose maria lopez");
        assert_eq!(fold("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(fold("Grace van Rossum's"), "grace van rossum s");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn the_edit_distance_counts_characters() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("knuth", "knuth"), 0);
        assert_eq!(distance("knuht", "knuth"), 2);
        assert_eq!(distance("zoë", "zoe"), 1);
    }

    #[test]
    fn names_match_by_the_best_level_only() {
        let all = people(&[
            "Donald Knuth",
            "Ken Knuth",
            "José López",
            "Tim Goldwasser",
            "Tim Goldwasser",
            "Sales Berlin",
            "Engineering Berlin",
            "Ada Lovelace",
        ]);
        // Exact, whatever the case and accents.
        assert_eq!(ids(best_matches("donald KNUTH", &all)), vec![1]);
        assert_eq!(ids(best_matches("Jose Lopez", &all)), vec![3]);
        // Namesakes: both, for the person to choose.
        assert_eq!(ids(best_matches("Tim Goldwasser", &all)), vec![4, 5]);
        // Typos within two edits; the closest wins.
        assert_eq!(ids(best_matches("Donld Knut", &all)), vec![1]);
        assert_eq!(ids(best_matches("Ada Lovelcae", &all)), vec![8]);
        // One word of several: everyone whose name has it.
        assert_eq!(ids(best_matches("Knuth", &all)), vec![1, 2]);
        assert_eq!(ids(best_matches("Berlin", &all)), vec![6, 7]);
        // Short names forgive one typo, not two.
        let short = people(&["Ada Li"]);
        assert_eq!(ids(best_matches("Ada Lo", &short)), vec![1]);
        assert!(best_matches("Ida Lo", &short).is_empty());
        // What a model writes around a team's name.
        assert_eq!(ids(best_matches("the Berlin team", &all)), vec![6, 7]);
        assert_eq!(ids(best_matches("Sales Berlin team", &all)), vec![6]);
        // Nothing close.
        assert!(best_matches("Grace Hopper", &all).is_empty());
        assert!(best_matches("", &all).is_empty());
    }

    #[test]
    fn lookups_are_guarded_queries_with_letters_only_in_their_patterns() {
        let guard = SqlGuard::for_catalog(&crate::ask::Catalog {
            relations: ["qa_employees", "qa_teams"]
                .into_iter()
                .map(|name| crate::ask::RelationDoc {
                    name,
                    description: "",
                    columns: vec![],
                })
                .collect(),
            examples: vec![],
        });
        let sql = candidates_sql(NameKind::Employee, "O'Brien%_ Zoë").unwrap();
        let like = |a: &str| format!("lower(employee_name) LIKE '%{a}%'");
        let score = |a: &str| format!("CASE WHEN {} THEN 1 ELSE 0 END", like(a));
        assert_eq!(
            sql,
            format!(
                "SELECT employee_id, employee_name, team_name FROM qa_employees WHERE \
                 {} OR {} OR {} ORDER BY {} + {} + {} DESC, 1 LIMIT 50",
                like("bri"),
                like("ien"),
                like("zoe"),
                score("bri"),
                score("ien"),
                score("zoe")
            )
        );
        guard.check(&sql).unwrap();
        let sql = candidates_sql(NameKind::Team, "Sales Berlin").unwrap();
        guard.check(&sql).unwrap();
        assert!(candidates_sql(NameKind::Team, "'%_ --").is_none());
    }
}
