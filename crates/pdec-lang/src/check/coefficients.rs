//! `unknown const k in [lo, hi] init v log`: scalar coefficients identified from data. The
//! range is an interval of constants, the initial value a constant strictly inside it (by
//! default the middle, the geometric middle under `log`), and `log` asks for a range above
//! zero. Uses lower to `Op::Coef(k)` (`expr/names.rs`), allowed where the unknown is.

use super::Checker;
use super::domain::DomainUse;
use super::expr::Env;
use crate::diag::Diag;
use crate::ir::{Coefficient, Domain};
use crate::resolve::ItemRef;
use crate::syntax::ast::ItemKind;
use crate::syntax::print::format_number;

impl Checker<'_> {
    /// Every `unknown const` of the user's file, checked and numbered in source order.
    pub(super) fn coefficient_declarations(&mut self) {
        let program = self.program;
        for (i, item) in program.user().ast.items.iter().enumerate() {
            let ItemKind::Coefficient {
                name,
                range,
                init,
                log,
            } = &item.kind
            else {
                continue;
            };
            let Some(Domain::Interval { lo, hi }) = self.domain(range, DomainUse::Coefficient)
            else {
                continue;
            };
            if *log && lo <= 0.0 {
                self.diags.push(
                    Diag::error(
                        "pdec::check::coefficient_log_range",
                        format!(
                            "`{}` is trained on a log scale but its range starts at {}",
                            name.text,
                            format_number(lo)
                        ),
                    )
                    .primary(range.span, "a log scale needs a range above zero")
                    .help("give a positive lower bound, e.g. `[0.001, 10]`, or drop `log`"),
                );
                continue;
            }
            let middle = match log {
                true => (lo * hi).sqrt(),
                false => 0.5 * (lo + hi),
            };
            let value = match init {
                Some(e) => {
                    let Some(v) = self.const_scalar(e, &Env::default(), "an initial value") else {
                        continue;
                    };
                    if !(lo < v && v < hi) {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::coefficient_init_outside",
                                format!(
                                    "the initial value {} of `{}` is not inside its range [{}, {}]",
                                    format_number(v),
                                    name.text,
                                    format_number(lo),
                                    format_number(hi)
                                ),
                            )
                            .primary(e.span, "outside the range")
                            .help(format!(
                                "the value always stays strictly inside the range; start inside it, e.g. `init {}`",
                                format_number(middle)
                            )),
                        );
                        continue;
                    }
                    v
                }
                None => middle,
            };
            self.coef_items
                .insert(ItemRef { module: 0, item: i }, self.coefficients.len());
            self.coefficients.push(Coefficient {
                name: name.text.clone(),
                lo,
                hi,
                init: value,
                log: *log,
                span: name.span,
            });
        }
    }
}
