//! The settings a run directory was trained with, for `pdec eval`, `plot`, `export`,
//! `--init-from` and `--resume`: its `--set` overrides from `settings.json`, and before them
//! the old default of each plan setting added since, where the run's `settings` lack it
//! (a run trained before `periodic_inputs` existed read its periodic coordinates as
//! written: it reloads with `periodic_inputs = none`, its network's input width unchanged;
//! one trained before `hole_inputs` read no hole's distance: `hole_inputs = none`).

use serde_json::Value;
use std::path::Path;

/// Plan settings added after runs existed, with the behaviour those runs were trained with.
const ADDED: &[(&str, &str)] = &[("periodic_inputs", "none"), ("hole_inputs", "none")];

/// `settings.json`'s `set`, after the old defaults of the settings the run predates.
pub fn from_json(json: &Value) -> Vec<String> {
    let mut out: Vec<String> = match json.get("settings").and_then(Value::as_object) {
        Some(st) => ADDED
            .iter()
            .filter(|(key, _)| !st.contains_key(*key))
            .map(|(key, old)| format!("{key}={old}"))
            .collect(),
        None => Vec::new(),
    };
    if let Some(a) = json.get("set").and_then(Value::as_array) {
        out.extend(a.iter().filter_map(|x| x.as_str().map(String::from)));
    }
    out
}

/// [`from_json`] of the run's `settings.json` (none when it cannot be read).
pub fn of_run(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("settings.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map(|v| from_json(&v))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_before_periodic_inputs_reloads_with_none() {
        let old = serde_json::json!({"settings": {"steps": 5}, "set": ["steps=5"]});
        assert_eq!(
            from_json(&old),
            vec!["periodic_inputs=none", "hole_inputs=none", "steps=5"]
        );
        let new = serde_json::json!({"settings": {"periodic_inputs": true, "hole_inputs": true}, "set": []});
        assert!(from_json(&new).is_empty());
    }
}
