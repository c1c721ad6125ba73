//! `pdec solve FILE --dry-run`: everything `pdec solve` decides before training, printed
//! instead of acted on. The resolved settings (after `--set` overrides, as the `settings` of
//! a run's settings.json) and the plan (`pdec explain`). Every refusal of a problem the
//! solver cannot compute happens while planning, so the dry run, `pdec check` and `pdec solve`
//! refuse the same problems. No run directory is created and no network is trained.

use crate::run::RunError;
use pdec_lang::driver::Compiled;
use std::fmt::Write;

/// The dry run's report for `file`, or the error `pdec solve` would stop with.
pub fn text(compiled: &Compiled, file: &str, sets: &[String]) -> Result<String, RunError> {
    let (Some(checked), Some(analysis), Some(plan)) =
        (&compiled.checked, &compiled.analysis, &compiled.plan)
    else {
        return Err(RunError::Internal("dry run without a plan".into()));
    };
    let settings = serde_json::json!({
        "settings": checked.settings,
        "seed": checked.settings.run.seed,
        "set": sets,
    });
    let json = serde_json::to_string_pretty(&settings)
        .map_err(|e| RunError::Internal(format!("cannot serialise the settings: {e}")))?;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "dry run: nothing is trained and no run directory is created"
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "resolved settings (after --set overrides; the `settings` of settings.json):"
    );
    let _ = writeln!(o, "{json}");
    let _ = writeln!(o);
    o.push_str(&pdec_lang::explain::explain(file, checked, analysis, plan));
    Ok(o)
}
