//! Choosing a burn device by name.

use crate::error::ConfigError;
#[cfg(not(target_family = "wasm"))]
use burn::prelude::*;

/// The backends a run can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (`flex`): everywhere, also in wasm.
    Flex,
    /// wgpu: Vulkan/Metal/DX12 natively, WebGPU in the browser (feature `gpu`).
    Wgpu,
}

impl Backend {
    /// `flex` or `wgpu`.
    ///
    /// # Errors
    /// Another name.
    pub fn from_id(id: &str) -> Result<Backend, ConfigError> {
        match id {
            "flex" | "cpu" => Ok(Backend::Flex),
            "wgpu" | "gpu" => Ok(Backend::Wgpu),
            other => Err(ConfigError::new(
                "backend",
                format!("unknown backend `{other}`; known: flex, wgpu"),
            )),
        }
    }

    /// Creates the device (natively; the browser creates its WebGPU device asynchronously).
    ///
    /// # Errors
    /// No usable GPU adapter, or a build without the `gpu` feature.
    #[cfg(not(target_family = "wasm"))]
    pub fn device(self) -> Result<Device, String> {
        match self {
            Backend::Flex => Ok(Device::flex()),
            #[cfg(feature = "gpu")]
            Backend::Wgpu => Device::wgpu_options()
                .init()
                .map_err(|error| format!("no usable wgpu adapter: {error}")),
            #[cfg(not(feature = "gpu"))]
            Backend::Wgpu => Err("this build has no wgpu support (feature `gpu`)".to_string()),
        }
    }
}
