//! Per-task tower learning rates (towers that learn at different speeds are a common
//! practitioners' remedy for one task dominating the shared layers).

use crate::model::layers::GroupedMlp;
use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use std::collections::HashMap;

/// before + multiplier_k · (after − before) for every parameter of tower k.
pub(crate) fn scale_tower_updates(
    before: GroupedMlp,
    after: GroupedMlp,
    multipliers: Tensor<1>,
) -> GroupedMlp {
    struct Snapshot(HashMap<ParamId, Tensor<3>>);
    impl ModuleVisitor for Snapshot {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // Every tower parameter has the task as its first dimension.
            let value = param.val();
            let dims = value.dims();
            let count: usize = dims.iter().product();
            self.0.insert(
                param.id,
                value.inner().reshape([dims[0], 1, count / dims[0]]),
            );
        }
    }
    struct Scale {
        before: HashMap<ParamId, Tensor<3>>,
        multipliers: Tensor<1>,
    }
    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let Some(old) = self.before.remove(&param.id) else {
                return param;
            };
            let tasks = self.multipliers.dims()[0];
            let multipliers = self.multipliers.clone().reshape([tasks, 1, 1]);
            param.map(|new| {
                let dims = new.dims();
                let flat = new.clone().inner().reshape(old.dims());
                let scaled = old.clone() + (flat - old) * multipliers;
                Tensor::<D>::from_inner(scaled.reshape(dims))
                    .detach()
                    .require_grad()
            })
        }
    }
    let mut snapshot = Snapshot(HashMap::new());
    before.visit(&mut snapshot);
    after.map(&mut Scale {
        before: snapshot.0,
        multipliers,
    })
}
