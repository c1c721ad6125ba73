//! The input layout: the columns of time, space variables and parameters, and their order
//! following the unknown's arguments as in the plan.

use super::*;

#[test]
fn layout_offsets() {
    let (p, plan) = build(LAYOUT);
    let l = Layout::new(&p);
    assert_eq!(l.columns.time(), Some(0));
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((1, 1)), Some((2, 3))]
    );
    assert_eq!((l.columns.param(0), l.columns.param(1)), (Some(5), Some(6)));
    assert_eq!(l.width(), 7);
    assert_eq!(l.width(), plan.layout.width);
    assert_eq!(l.offset(Input::Time), Some(0));
    assert_eq!(l.columns(Input::Space(1)), Some(2..5));
    assert_eq!(l.offset(Input::Param(1)), Some(6));
    assert_eq!(l.offset(Input::Param(2)), None);
}

/// The layout agrees with the plan's inputs, whatever the order of the unknown's arguments.
#[test]
fn layout_follows_argument_order() {
    let text = LAYOUT.replace("unknown u(t, x, y)", "unknown u(y, t, x)");
    let (p, plan) = build(&text);
    let l = Layout::new(&p);
    assert_eq!(
        (0..2).map(|k| l.columns.space(k)).collect::<Vec<_>>(),
        vec![Some((4, 1)), Some((0, 3))]
    );
    assert_eq!(l.columns.time(), Some(3));
    assert_eq!((l.columns.param(0), l.columns.param(1)), (Some(5), Some(6)));
    let mut offset = 0;
    for input in &plan.layout.inputs {
        let which = match input.kind {
            "time" => Input::Time,
            "space" => Input::Space(
                p.space
                    .iter()
                    .position(|s| s.name == input.name)
                    .expect("space"),
            ),
            _ => Input::Param(
                p.params
                    .iter()
                    .position(|q| q.name == input.name)
                    .expect("param"),
            ),
        };
        assert_eq!(
            l.columns(which),
            Some(offset..offset + input.components),
            "{}",
            input.name
        );
        offset += input.components;
    }
    assert_eq!(offset, l.width());
}
