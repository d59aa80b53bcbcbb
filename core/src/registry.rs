//! The registries: datasets, architectures, weighting methods and optimisers are each a config
//! enum with one variant per registered kind, serialised with a `kind` tag. [`Registry`] is
//! what they share; [`with_kind`] is the one place a run config switches a kind, for the URL
//! codec, the CLI and the page alike.

use crate::data::DatasetConfig;
use crate::error::ConfigError;
use crate::model::ArchConfig;
use crate::train::{OptimizerConfig, RunConfig};
use crate::weighting::WeightingConfig;
use serde::Serialize;
use serde_json::Value;

/// A config enum whose variants are the registered kinds of one part of a run.
pub trait Registry: Sized + Serialize {
    /// The key that names the kind in a link, a CLI flag and a control (`dataset`, `arch`,
    /// `weighting`, `optimizer`).
    const KEY: &'static str;

    /// Every registered kind with its defaults, in menu order.
    fn all() -> Vec<Self>;

    /// The kind's stable id (`mmoe`, `pcgrad`, ...).
    fn id(&self) -> &'static str;

    /// Every registered id, in menu order.
    fn ids() -> Vec<&'static str> {
        Self::all().iter().map(Self::id).collect()
    }

    /// The default config of the kind called `id`.
    ///
    /// # Errors
    /// An unknown id, with the list of known ones.
    fn from_id(id: &str) -> Result<Self, ConfigError> {
        Self::all()
            .into_iter()
            .find(|config| config.id() == id)
            .ok_or_else(|| {
                ConfigError::new(
                    Self::KEY,
                    format!("unknown id `{id}`; known: {}", Self::ids().join(", ")),
                )
            })
    }
}

/// Declares a registry: the config enum (one variant per kind, serialised with a `kind` tag
/// that is its id), its [`Registry`] impl, and two views of the variant's config: `settings()`
/// as the light trait every kind implements (validation) and `builder()` as the trait that
/// constructs it (its own vtable, so checking a config never links what building needs).
/// Registering a kind is one line, `Variant(Config) = "id",`, or `Variant(Config = expression) = "id",` when its default
/// is not `Config::default()`; the enum's `all`, `id`, `from_id`, serde tags, the URL codec, the
/// CLI and the page follow from it.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $key:literal, dyn $settings:path, dyn $builder:path {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident($config:ty $(= $default:expr)?) = $id:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind")]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $id)]
                $variant($config),
            )+
        }

        impl $crate::Registry for $name {
            const KEY: &'static str = $key;

            fn all() -> Vec<Self> {
                vec![$(
                    $name::$variant($crate::registry::or_default::<$config>(
                        None $(.or(Some($default)))?
                    )),
                )+]
            }

            fn id(&self) -> &'static str {
                match self {
                    $($name::$variant(_) => $id,)+
                }
            }
        }

        impl $name {
            /// The kind's settings, as what every kind of this registry implements (checks,
            /// descriptions: what a page needs).
            pub fn settings(&self) -> &dyn $settings {
                match self {
                    $($name::$variant(config) => config,)+
                }
            }

            /// The kind's settings as what builds it. A separate trait object, so that a
            /// program that only checks configs (the page) does not link the models.
            pub fn builder(&self) -> &dyn $builder {
                match self {
                    $($name::$variant(config) => config,)+
                }
            }
        }
    };
}
pub(crate) use registry;

/// `given`, or the type's default (for [`registry!`]).
#[doc(hidden)]
pub fn or_default<T: Default>(given: Option<T>) -> T {
    given.unwrap_or_default()
}

/// One registry as a run config holds it.
pub struct Kind {
    /// The key that names the kind (`dataset`, `arch`, `weighting`, `optimizer`).
    pub key: &'static str,
    /// Where the kind sits in a serialised [`RunConfig`].
    pub path: &'static [&'static str],
    /// The registered ids, in menu order.
    pub ids: fn() -> Vec<&'static str>,
    /// The default config of a kind by id, as JSON.
    pub(crate) defaults: fn(&str) -> Result<Value, ConfigError>,
}

/// The default config of kind `id` of registry `R`, as JSON.
fn defaults_json<R: Registry>(id: &str) -> Result<Value, ConfigError> {
    R::from_id(id).map(|config| serde_json::to_value(config).expect("configs serialise"))
}

/// Every registry of a run config: the one table the URL codec, the CLI and the page read.
pub static KINDS: [Kind; 4] = [
    Kind {
        key: DatasetConfig::KEY,
        path: &["dataset"],
        ids: DatasetConfig::ids,
        defaults: defaults_json::<DatasetConfig>,
    },
    Kind {
        key: ArchConfig::KEY,
        path: &["arch"],
        ids: ArchConfig::ids,
        defaults: defaults_json::<ArchConfig>,
    },
    Kind {
        key: WeightingConfig::KEY,
        path: &["weighting"],
        ids: WeightingConfig::ids,
        defaults: defaults_json::<WeightingConfig>,
    },
    Kind {
        key: OptimizerConfig::KEY,
        path: &["train", "optimizer"],
        ids: OptimizerConfig::ids,
        defaults: defaults_json::<OptimizerConfig>,
    },
];

/// The registry named by `key`, if any.
pub fn kind(key: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|kind| kind.key == key)
}

/// Whether `key` names a kind.
pub fn is_kind_key(key: &str) -> bool {
    kind(key).is_some()
}

/// The registered ids of the kind named by `key` (empty for another key).
pub fn kind_ids(key: &str) -> Vec<&'static str> {
    kind(key).map_or_else(Vec::new, |kind| (kind.ids)())
}

/// `config` with the kind named by `key` switched to `id` and that kind's defaults; choosing
/// the kind it already has keeps its settings. The result is not validated (a switch can make
/// the run inconsistent, e.g. ESMM on a dataset without a funnel: validate it).
///
/// # Errors
/// A key that names no kind, or an unknown id (the message lists the known ones).
pub fn with_kind(config: &RunConfig, key: &str, id: &str) -> Result<RunConfig, ConfigError> {
    let Some(kind) = kind(key) else {
        return Err(ConfigError::new(key, "names no kind"));
    };
    let defaults = (kind.defaults)(id)?;
    let mut value = serde_json::to_value(config).expect("a RunConfig always serialises");
    let slot = kind
        .path
        .iter()
        .try_fold(&mut value, |v, k| v.get_mut(*k))
        .expect("every kind has its place in a RunConfig");
    if slot["kind"] != defaults["kind"] {
        *slot = defaults;
    }
    Ok(serde_json::from_value(value).expect("a kind's defaults fit its place"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<R: Registry + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>() {
        let ids = R::ids();
        assert!(!ids.is_empty(), "{}", R::KEY);
        for config in R::all() {
            let id = config.id();
            assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{id} twice");
            let json = serde_json::to_value(&config).unwrap();
            assert_eq!(json["kind"], id, "the serde tag is the id");
            assert_eq!(serde_json::from_value::<R>(json).unwrap(), config);
            assert_eq!(R::from_id(id).unwrap(), config);
        }
        let error = R::from_id("no-such-kind").unwrap_err().to_string();
        assert!(error.contains(R::KEY) && error.contains(ids[0]), "{error}");
    }

    #[test]
    fn every_registry_names_each_kind_once_by_its_serde_tag() {
        round_trip::<DatasetConfig>();
        round_trip::<ArchConfig>();
        round_trip::<WeightingConfig>();
        round_trip::<OptimizerConfig>();
        for kind in &KINDS {
            assert!(!kind_ids(kind.key).is_empty(), "{}", kind.key);
        }
    }

    #[test]
    fn switching_a_kind_takes_its_defaults_and_keeps_the_same_kind() {
        let config = RunConfig::default();
        for key in KINDS.iter().map(|kind| kind.key) {
            for id in kind_ids(key) {
                let switched = with_kind(&config, key, id).unwrap();
                let again = with_kind(&switched, key, id).unwrap();
                assert_eq!(again, switched, "{key}={id}");
            }
        }
        let sgd = with_kind(&config, "optimizer", "sgd").unwrap();
        assert_eq!(
            sgd.train.optimizer,
            OptimizerConfig::from_id("sgd").unwrap()
        );
        let error = with_kind(&config, "optimizer", "lbfgs")
            .unwrap_err()
            .to_string();
        assert!(error.contains("known: adam, sgd"), "{error}");
        assert!(with_kind(&config, "seed", "3").is_err());
    }
}
