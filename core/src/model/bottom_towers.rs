//! The settings shared by the architectures built from a bottom and task towers
//! (`shared-bottom`, `single-task`, `esmm`).

use super::check_units;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// A bottom (shared, or one per task) and one tower per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BottomTowersConfig {
    /// Widths of the bottom's layers (default [64, 32]).
    pub bottom_units: Vec<usize>,
    /// Hidden widths of each task tower (default [16]).
    pub tower_units: Vec<usize>,
}

impl Default for BottomTowersConfig {
    fn default() -> Self {
        Self {
            bottom_units: vec![64, 32],
            tower_units: vec![16],
        }
    }
}

impl BottomTowersConfig {
    /// Checks both width lists.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_units("bottom_units", &self.bottom_units, false)?;
        check_units("tower_units", &self.tower_units, true)
    }
}

/// Declares an architecture's settings as [`BottomTowersConfig`] under its own name (so the
/// registry can tell the architectures apart), serialised exactly as the shared struct.
macro_rules! bottom_towers_settings {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $crate::model::BottomTowersConfig);

        impl std::ops::Deref for $name {
            type Target = $crate::model::BottomTowersConfig;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }
    };
}
pub(crate) use bottom_towers_settings;
