//! The SQL guard's throughput, in statements per second, over the corpus its
//! unit tests use (`attendance_core::guard::corpus`, feature `testkit`): the
//! hostile statements (writes, stacked statements, catalog reads, dangerous
//! functions, locks…), the benign questions over the Q&A views, and each
//! pathological case (over-long, deeply nested) on its own.
//!
//! ```sh
//! cargo bench --bench guard
//! ```
// A bench is test code: a wrong verdict must abort it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use attendance::core::guard::SqlGuard;
use attendance::core::guard::corpus::{self, RefusalKind};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn guard(c: &mut Criterion) {
    let guard = SqlGuard::for_catalog(&corpus::catalog());
    // Measure only what is right: every verdict is checked once first.
    for case in corpus::HOSTILE {
        match guard.check(case.sql) {
            Err(refusal) if RefusalKind::of(&refusal) == case.refused_as => {}
            other => panic!(
                "{}: expected {:?}, got {other:?}",
                case.sql, case.refused_as
            ),
        }
    }
    for sql in corpus::BENIGN {
        if let Err(refusal) = guard.check(sql) {
            panic!("refused {sql}: {refusal}");
        }
    }
    let pathological = corpus::pathological();
    for case in &pathological {
        match guard.check(&case.sql) {
            Err(refusal) if RefusalKind::of(&refusal) == case.refused_as => {}
            other => panic!(
                "{}: expected {:?}, got {other:?}",
                case.name, case.refused_as
            ),
        }
    }

    let mut group = c.benchmark_group("sql_guard");
    group.throughput(Throughput::Elements(corpus::HOSTILE.len() as u64));
    group.bench_function("hostile", |b| {
        b.iter(|| {
            for case in corpus::HOSTILE {
                black_box(guard.check(black_box(case.sql)).is_err());
            }
        });
    });
    group.throughput(Throughput::Elements(corpus::BENIGN.len() as u64));
    group.bench_function("benign", |b| {
        b.iter(|| {
            for sql in corpus::BENIGN {
                black_box(guard.check(black_box(sql)).is_ok());
            }
        });
    });
    group.throughput(Throughput::Elements(1));
    for case in &pathological {
        group.bench_function(case.name, |b| {
            b.iter(|| black_box(guard.check(black_box(&case.sql)).is_err()));
        });
    }
    group.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
