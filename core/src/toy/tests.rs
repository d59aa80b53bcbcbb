//! What the papers establish about the toys, checked.

use super::*;
use crate::weighting::MethodContext;
use crate::weighting::{MgdaConfig, WeightingConfig};

fn method(config: &WeightingConfig) -> Box<dyn Weighting> {
    config
        .build(&MethodContext {
            tasks: crate::data::DatasetConfig::default().tasks(),
            seed: 1,
            learning_rate: 0.001,
        })
        .unwrap()
}

#[test]
fn concave_pareto_set_is_stationary_and_its_ends_are_the_minima() {
    let objective = ToyObjective::Concave;
    for t in [-1.0, -0.3, 0.0, 0.5, 1.0] {
        let point = [t / 2f64.sqrt(), t / 2f64.sqrt()];
        assert!(objective.stationarity(point) < 1e-12, "t = {t}");
    }
    assert!(objective.stationarity([1.0, -1.0]) > 0.1);
    let [f1, _] = objective.evaluate([1.0 / 2f64.sqrt(), 1.0 / 2f64.sqrt()]);
    assert!(f1.value.abs() < 1e-12 && f1.gradient.iter().all(|g| g.abs() < 1e-12));
}

#[test]
fn mgda_ends_pareto_stationary_on_both_toys() {
    let mgda = WeightingConfig::Mgda(MgdaConfig::default());
    for objective in [ToyObjective::Cagrad, ToyObjective::Concave] {
        for start in objective.start_points() {
            let run = run_toy(
                objective,
                method(&mgda).as_mut(),
                start,
                ToySettings::default(),
            )
            .unwrap();
            assert!(
                run.final_stationarity < 1e-3,
                "{} from {start:?}: ends at {:?} with min-norm {}",
                objective.id(),
                run.final_point,
                run.final_stationarity
            );
        }
    }
}
