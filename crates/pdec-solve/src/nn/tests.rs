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

/// Several networks side by side: the joined output is each network's alone, in the
/// unknowns' order; a network that does not read an input column has exactly zero
/// derivatives along it, before and after training steps.
mod networks {
    use super::super::init::network_seed;
    use super::super::*;
    use crate::consts::ConstCache;
    use crate::train::adam::Adam;
    use candle_core::DType;
    use pdec_lang::plan::NetworkPlan;
    use pdec_lang::settings::{Net as NetSettings, NetKind};

    fn network(
        kind: NetKind,
        unknowns: Vec<usize>,
        columns: Vec<usize>,
        prefix: &str,
    ) -> NetworkPlan {
        NetworkPlan {
            prefix: prefix.into(),
            unknowns,
            columns,
            net: NetSettings {
                kind,
                layers: 2,
                width: 6,
            },
        }
    }

    /// Points `[4, 3]` with one coordinate direction per column (second-order channels on
    /// all) and one point-dependent direction.
    fn input() -> InputJet {
        let dev = Device::Cpu;
        let z = Tensor::from_vec(
            (0..12)
                .map(|i| ((i as f64) * 0.37).sin())
                .collect::<Vec<_>>(),
            (4, 3),
            &dev,
        )
        .expect("z");
        let general = Tensor::from_vec(
            (0..12)
                .map(|i| ((i as f64) * 0.91).cos())
                .collect::<Vec<_>>(),
            (1, 4, 3),
            &dev,
        )
        .expect("g");
        InputJet {
            z,
            dirs: vec![
                InputDir::Unit { col: 0, scale: 1.0 },
                InputDir::Unit { col: 1, scale: 2.0 },
                InputDir::Unit { col: 2, scale: 1.0 },
                InputDir::General(0),
            ],
            general: Some(general),
            k2: 4,
            summed: None,
            consts: ConstCache::default(),
            antithetic: None,
            projections: None,
            second: None,
        }
    }

    fn flat(t: &Tensor) -> Vec<f64> {
        t.flatten_all()
            .expect("flat")
            .to_vec1::<f64>()
            .expect("f64")
    }

    /// Output column `k` of a jet: value, tangents and channels.
    fn column(j: &Jet, k: usize) -> Vec<f64> {
        let mut out = flat(&j.v.narrow(1, k, 1).expect("v"));
        out.extend(flat(&j.t.as_ref().expect("t").narrow(2, k, 1).expect("t")));
        out.extend(flat(&j.s.as_ref().expect("s").narrow(2, k, 1).expect("s")));
        out
    }

    /// `u, v` from one network of all columns, `p` from one of columns 1 and 2, declared
    /// `u, p, v`: each unknown's column of the joined output is its network's alone, bit for
    /// bit, and the parameters are named by network.
    #[test]
    fn the_joined_output_is_each_network_alone() {
        let dev = Device::Cpu;
        for kind in [NetKind::Dgm, NetKind::Mlp] {
            let nets = [
                network(kind, vec![0, 2], vec![0, 1, 2], ""),
                network(kind, vec![1], vec![1, 2], "net.p."),
            ];
            let both = Net::from_networks(&nets, 3, 11, DType::F64, &dev).expect("both");
            let joined = both.forward(&input()).expect("joined");
            assert_eq!(joined.v.dims(), &[4, 3]);
            for (i, n) in nets.iter().enumerate() {
                let alone = Net::from_networks(
                    std::slice::from_ref(n),
                    3,
                    network_seed(11, i),
                    DType::F64,
                    &dev,
                )
                .expect("alone");
                let own = alone.forward(&input()).expect("alone");
                for (c, k) in n.unknowns.iter().enumerate() {
                    assert_eq!(
                        column(&joined, *k),
                        column(&own, c),
                        "{kind:?}: unknown {k}"
                    );
                }
            }
            assert!(both.params[0].0 == "dgm.in.weight" || both.params[0].0 == "mlp.0.weight");
            assert!(both.params.iter().any(|(n, _)| n == "net.p.out.weight"));
            assert_eq!(both.networks(), 2);
        }
    }

    /// A network that does not read column 0 (a steady unknown beside time): its tangent and
    /// second-order channel along column 0 are exactly zero, and stay so after Adam steps on a
    /// loss that reads every derivative (the masked gradients never move the zero columns).
    #[test]
    fn an_input_not_read_has_zero_derivatives_before_and_after_steps() {
        let dev = Device::Cpu;
        for kind in [NetKind::Dgm, NetKind::Mlp] {
            let nets = [network(kind, vec![0], vec![1, 2], "")];
            let net = Net::from_networks(&nets, 3, 5, DType::F64, &dev).expect("net");
            let mut adam = Adam::new(&net.params).expect("adam");
            for step in 0..=5 {
                let j = net.forward(&input()).expect("jet");
                let t = j.t.as_ref().expect("t");
                let s = j.s.as_ref().expect("s");
                assert!(
                    flat(&t.narrow(0, 0, 1).expect("t0"))
                        .iter()
                        .all(|v| *v == 0.0),
                    "{kind:?} step {step}"
                );
                assert!(
                    flat(&s.narrow(0, 0, 1).expect("s0"))
                        .iter()
                        .all(|v| *v == 0.0),
                    "{kind:?} step {step}"
                );
                // The other directions do move the output.
                assert!(
                    flat(&t.narrow(0, 1, 1).expect("t1"))
                        .iter()
                        .any(|v| *v != 0.0)
                );
                let loss = (j.v.sqr().expect("sq").sum_all().expect("s")
                    + t.affine(1.0, 0.3)
                        .expect("a")
                        .sqr()
                        .expect("sq")
                        .sum_all()
                        .expect("s"))
                .expect("loss")
                .add(
                    &s.affine(1.0, -0.2)
                        .expect("a")
                        .sqr()
                        .expect("sq")
                        .sum_all()
                        .expect("s"),
                )
                .expect("loss");
                let g = parameter_gradients(&net, &loss.backward().expect("backward"), &[])
                    .expect("gradients");
                adam.update_with(&net.params, g, 1e-2, None).expect("step");
            }
            for w in net.input_weights() {
                assert!(
                    flat(&w.narrow(1, 0, 1).expect("col"))
                        .iter()
                        .all(|v| *v == 0.0)
                );
                assert!(
                    flat(&w.narrow(1, 1, 1).expect("col"))
                        .iter()
                        .any(|v| *v != 0.0)
                );
            }
        }
    }
}
