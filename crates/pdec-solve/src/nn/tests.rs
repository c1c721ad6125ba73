//! The networks' jets against finite differences, and the input jet's paths (coordinate rows,
//! point-dependent directions, antithetic rows) against each other.

use super::*;
use crate::consts::ConstCache;
use crate::jet::SumWeights;
use candle_core::DType;
use pdec_lang::settings::{Net as NetSettings, NetKind};

/// Value, directional first and second derivatives of the network at `x` along `v`, by
/// jets; and the same by central finite differences of the plain forward pass, in f64.
fn check(kind: NetKind, layers: usize) {
    let dev = Device::Cpu;
    let d = 3;
    let net = Net::new(
        &NetSettings {
            kind,
            layers,
            width: 8,
        },
        d,
        7,
        DType::F64,
        &dev,
    )
    .expect("net");
    let x = [0.3, -0.2, 0.7];
    let dirs = [[1.0, 0.0, 0.0], [0.2, -0.5, 0.9]];
    let eval = |p: &[f64]| -> f64 {
        let z = Tensor::from_vec(p.to_vec(), (1, d), &dev).expect("t");
        let j = net
            .forward(&InputJet {
                z,
                dirs: vec![],
                general: None,
                k2: 0,
                summed: None,
                consts: ConstCache::default(),
                antithetic: None,
                projections: None,
                second: None,
            })
            .expect("fwd");
        j.v.flatten_all().expect("f").to_vec1::<f64>().expect("v")[0]
    };
    let z = Tensor::from_vec(x.to_vec(), (1, d), &dev).expect("t");
    let general = Tensor::from_vec(dirs[1].to_vec(), (1, 1, d), &dev).expect("g");
    let input = |summed: Option<SumWeights>| InputJet {
        z: z.clone(),
        dirs: vec![InputDir::Unit { col: 0, scale: 1.0 }, InputDir::General(0)],
        general: Some(general.clone()),
        k2: 2,
        summed,
        consts: ConstCache::default(),
        antithetic: None,
        projections: None,
        second: None,
    };
    let jet = net.forward(&input(None)).expect("jet");
    // The summed channel, weighted and unweighted, equals the weighted sum of the
    // per-direction channels.
    let weights = [0.7, -1.3];
    let w = Tensor::from_vec(weights.to_vec(), (2, 1, 1), &dev).expect("w");
    let summed_with = |w: Option<Tensor>| -> f64 {
        let j = net.forward(&input(Some(SumWeights(w)))).expect("summed");
        j.s.expect("summed channel")
            .flatten_all()
            .expect("f")
            .to_vec1::<f64>()
            .expect("s")[0]
    };
    let (weighted, plain) = (summed_with(Some(w)), summed_with(None));
    let t = jet
        .t
        .expect("tangents")
        .flatten_all()
        .expect("f")
        .to_vec1::<f64>()
        .expect("t");
    let s = jet
        .s
        .expect("second")
        .flatten_all()
        .expect("f")
        .to_vec1::<f64>()
        .expect("s");
    let want = weights[0] * s[0] + weights[1] * s[1];
    assert!(
        (weighted - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{kind:?} weighted summed channel {weighted} vs {want}"
    );
    assert!(
        (plain - (s[0] + s[1])).abs() <= 1e-12 * plain.abs().max(1.0),
        "{kind:?} summed channel {plain} vs {}",
        s[0] + s[1]
    );
    let h = 1e-4;
    for (k, v) in dirs.iter().enumerate() {
        let at = |e: f64| -> f64 {
            let p: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + e * b).collect();
            eval(&p)
        };
        let (fp, f0, fm) = (at(h), at(0.0), at(-h));
        let d1 = (fp - fm) / (2.0 * h);
        let d2 = (fp - 2.0 * f0 + fm) / (h * h);
        assert!(
            (t[k] - d1).abs() <= 1e-6 * d1.abs().max(1.0),
            "{kind:?} tangent {k}: {} vs {d1}",
            t[k]
        );
        assert!(
            (s[k] - d2).abs() <= 1e-6 * d2.abs().max(1.0),
            "{kind:?} second {k}: {} vs {d2}",
            s[k]
        );
    }
}

/// Coordinate directions take the in-place row path ([`InputJet::add_linear`]); the same
/// directions given as point-dependent ones take the general path: same jets.
#[test]
fn coordinate_directions_equal_the_same_general_directions() {
    let dev = Device::Cpu;
    let (d, n) = (3, 4);
    for kind in [NetKind::Dgm, NetKind::Mlp] {
        let net = Net::new(
            &NetSettings {
                kind,
                layers: 2,
                width: 8,
            },
            d,
            11,
            DType::F64,
            &dev,
        )
        .expect("net");
        let z = Tensor::from_vec(
            (0..n * d)
                .map(|i| (i as f64 * 0.37).sin())
                .collect::<Vec<_>>(),
            (n, d),
            &dev,
        )
        .expect("z");
        let units = [(0usize, 1.0f64), (2, 0.5)];
        let mut general = vec![0.0; units.len() * n * d];
        for (k, (col, scale)) in units.iter().enumerate() {
            for p in 0..n {
                general[(k * n + p) * d + col] = *scale;
            }
        }
        let general = Tensor::from_vec(general, (units.len(), n, d), &dev).expect("g");
        let run = |dirs: Vec<InputDir>, general: Option<Tensor>| {
            let j = net
                .forward(&InputJet {
                    z: z.clone(),
                    dirs,
                    general,
                    k2: 2,
                    summed: None,
                    consts: ConstCache::default(),
                    antithetic: None,
                    projections: None,
                    second: None,
                })
                .expect("jet");
            let flat = |t: Option<Tensor>| {
                t.expect("channel")
                    .flatten_all()
                    .and_then(|t| t.to_vec1::<f64>())
                    .expect("v")
            };
            (flat(Some(j.v)), flat(j.t), flat(j.s))
        };
        let a = run(
            units
                .iter()
                .map(|(col, scale)| InputDir::Unit {
                    col: *col,
                    scale: *scale,
                })
                .collect(),
            None,
        );
        let b = run(
            vec![InputDir::General(0), InputDir::General(1)],
            Some(general),
        );
        for (x, y) in [(&a.0, &b.0), (&a.1, &b.1), (&a.2, &b.2)] {
            for (p, q) in x.iter().zip(y.iter()) {
                assert!(
                    (p - q).abs() <= 1e-12 * q.abs().max(1.0),
                    "{kind:?}: {p} vs {q}"
                );
            }
        }
    }
}

/// The antithetic input (each projection of `z` and `v` once) gives the values, tangents
/// and parameter gradients of the explicit rows `[z + v_1, z - v_1, z + v_2, z - v_2]`
/// with the general direction `[v_1, v_1, v_2, v_2]` (or with no direction: the values
/// alone), for both networks, one pair and two.
#[test]
fn antithetic_rows_equal_explicit_rows() {
    let dev = Device::Cpu;
    let (n, d) = (5, 3);
    let t = |len: usize, shape: (usize, usize), seed: f64| {
        Tensor::from_vec(
            (0..len)
                .map(|i| ((i as f64 + seed) * 0.37).sin())
                .collect::<Vec<_>>(),
            shape,
            &dev,
        )
        .expect("t")
    };
    for kind in [NetKind::Mlp, NetKind::Dgm] {
        for pairs in [1, 2] {
            let net = Net::new(
                &NetSettings {
                    kind,
                    layers: 2,
                    width: 6,
                },
                d,
                13,
                DType::F64,
                &dev,
            )
            .expect("net");
            let z = t(n * d, (n, d), 1.0);
            let v = t(pairs * n * d, (pairs * n, d), 2.0);
            let run = |input: InputJet| {
                let j = net.forward(&input).expect("jet");
                let f = j.v.flatten_all().expect("f");
                let tan = j.t.map(|t| t.flatten_all().expect("f"));
                let mut loss = f.sqr().expect("sq").sum_all().expect("s");
                if let Some(t) = &tan {
                    loss = (loss + t.sum_all().expect("s")).expect("loss");
                }
                let g = loss.backward().expect("backward");
                let mut out = f.to_vec1::<f64>().expect("v");
                if let Some(t) = &tan {
                    out.extend(t.to_vec1::<f64>().expect("t"));
                }
                for (_, p) in &net.params {
                    let gp = g.get(p.as_tensor()).expect("grad");
                    out.extend(gp.flatten_all().expect("f").to_vec1::<f64>().expect("g"));
                }
                (out, tan.is_some())
            };
            let mut rows = Vec::new();
            let mut dirs = Vec::new();
            for j in 0..pairs {
                let vj = v.narrow(0, j * n, n).expect("vj");
                rows.push((&z + &vj).expect("plus"));
                rows.push((&z - &vj).expect("minus"));
                dirs.push(vj.clone());
                dirs.push(vj);
            }
            // With the tangent along v_j, and the values alone (no directions).
            for tangent in [true, false] {
                let explicit = run(InputJet {
                    z: Tensor::cat(&rows, 0).expect("rows"),
                    dirs: match tangent {
                        true => vec![InputDir::General(0)],
                        false => vec![],
                    },
                    general: Some(Tensor::cat(&dirs, 0).expect("d").unsqueeze(0).expect("u")),
                    k2: 0,
                    summed: None,
                    consts: ConstCache::default(),
                    antithetic: None,
                    projections: None,
                    second: None,
                });
                let shared = run(InputJet {
                    z: z.clone(),
                    dirs: match tangent {
                        true => vec![InputDir::General(0)],
                        false => vec![],
                    },
                    general: None,
                    k2: 0,
                    summed: None,
                    consts: ConstCache::default(),
                    antithetic: Some(super::Antithetic::Dense(v.clone())),
                    projections: None,
                    second: None,
                });
                assert_eq!(explicit.1, tangent);
                assert_eq!(shared.1, tangent);
                assert_eq!(explicit.0.len(), shared.0.len());
                for (a, b) in explicit.0.iter().zip(&shared.0) {
                    assert!(
                        (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                        "{kind:?}, {pairs} pairs, tangent {tangent}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn jets_match_finite_differences() {
    check(NetKind::Mlp, 3);
    check(NetKind::Dgm, 2);
}
