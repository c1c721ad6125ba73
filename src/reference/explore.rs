#![allow(dead_code, clippy::all)]
use super::american::*;
use super::black_scholes::*;
use std::time::Instant;

#[test]
#[ignore]
fn explore_american() {
    let cases = [
        (OptionKind::Put, 1.0, 1.0, 0.05, 0.0, 0.2, 1.0),
        (OptionKind::Put, 1.0, 1.0, 0.05, 0.02, 0.4, 2.0),
        (OptionKind::Put, 1.0, 1.0, 0.02, 0.05, 0.3, 2.0),
        (OptionKind::Put, 1.0, 1.0, 0.05, 0.05, 0.1, 0.5),
        (OptionKind::Put, 0.9, 1.0, 0.08, 0.0, 0.25, 1.5),
        (OptionKind::Call, 1.0, 1.0, 0.0, 0.0208, 0.25, 2.0),
        (OptionKind::Call, 1.0, 1.0, 0.0, 0.02, 0.25, 2.0),
        (OptionKind::Call, 1.1, 1.0, 0.03, 0.07, 0.2, 1.0),
        (OptionKind::Put, 40.0, 40.0, 0.0488, 0.0, 0.2, 7.0/12.0),
    ];
    for &(kind, s, k, r, q, sig, t) in &cases {
        let t0 = Instant::now();
        let a = american(kind, s, k, r, q, sig, t);
        let ta = t0.elapsed();
        let hi = AloSettings { nodes: 64, h_fp: 1.0/32.0, h_price: 1.0/32.0, tol: 1e-15, max_iter: 500 };
        let ah = american_with(kind, s, k, r, q, sig, t, &hi);
        let t0 = Instant::now();
        let f = american_fd(kind, s, k, r, q, sig, t);
        let tf = t0.elapsed();
        let f1 = american_fd_grid(kind, s, k, r, q, sig, t, 80, 400);
        let f2 = american_fd_grid(kind, s, k, r, q, sig, t, 160, 800);
        let f3 = american_fd_grid(kind, s, k, r, q, sig, t, 320, 1600);
        let t0 = Instant::now();
        let b = 0.5*(american_binomial(kind, s, k, r, q, sig, t, 20000)+american_binomial(kind, s, k, r, q, sig, t, 20001));
        let tb = t0.elapsed();
        let e = black_scholes(kind, s, k, r, q, sig, t);
        eprintln!("{kind:?} s={s} r={r} q={q} sig={sig} t={t}: alo={a:.12} ({ta:?}) alo_hi-alo={:.2e} fd-alo={:.2e} ({tf:?}) fd1-alo={:.2e} fd2={:.2e} fd3={:.2e} R23={:.2e} crr-alo={:.2e} ({tb:?}) euro={e:.8}",
          ah-a, f-a, f1-a, f2-a, f3-a, (4.0*f3-f2)/3.0-a, b-a);
    }
}
